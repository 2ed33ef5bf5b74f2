"""Hand-written fakes: a gateway with canned replies and usage, so most tests load no weights."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from playground.llm import Completion, ModelError
from playground.records import Usage


@dataclass
class FakeGateway:
    """Streams a canned reply word by word; a model listed in `failing` raises ModelError."""

    reply: str = "Paris is the capital of France."
    failing: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    calls: list[dict] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def stream(
        self, model: str, messages: list[dict[str, str]], max_tokens: int = 256, temperature: float = 0.0
    ) -> Iterator[str | Completion]:
        with self._lock:
            self.calls.append({"model": model, "messages": messages, "max_tokens": max_tokens})
        started = time.perf_counter()
        if model in self.failing:
            raise ModelError(self.failing[model])
        words = self.reply.split(" ")
        first = None
        for i, word in enumerate(words):
            time.sleep(self.delay_s)
            first = first or time.perf_counter()
            yield word if i == 0 else " " + word
        prompt_tokens = sum(len(m["content"].split()) for m in messages)
        elapsed = time.perf_counter() - started
        yield Completion(self.reply, Usage(prompt_tokens, len(words)), first - started, elapsed, None)
