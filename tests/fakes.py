"""Hand-written fakes: a gateway with canned replies and usage, so most tests load no weights."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from playground.llm import Completion, ModelError
from playground.model_ref import ModelRef
from playground.records import Usage


@dataclass
class FakeGateway:
    """Streams a canned reply word by word; a model listed in `failing` raises ModelError."""

    reply: str = "Paris is the capital of France."
    failing: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    calls: list[dict] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    window: int | None = None
    reply_for: Callable[[list[dict[str, str]]], str] | None = None  # a reply that depends on the messages
    cost_usd: float | None = None  # what each call costs (None: unknown, as for local models)
    in_flight: int = 0
    most_in_flight: int = 0
    keys: object = None  # the session keys this gateway was scoped to (with_keys)

    def with_keys(self, keys: object) -> FakeGateway:
        return replace(self, keys=keys)

    def resolve(self, model: object) -> ModelRef:
        """As the gateway without a public policy: any model string is taken as written."""
        return ModelRef.parse(str(model))

    def complete(
        self, model: str, messages: list[dict[str, str]], max_tokens: int = 256, temperature: float = 0.0, **params
    ) -> Completion:
        with self._lock:
            self.calls.append({"model": str(model), "messages": messages, "max_tokens": max_tokens, "params": params})
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            started = time.perf_counter()
            if str(model) in self.failing:
                raise ModelError(self.failing[str(model)])
            time.sleep(self.delay_s)
            text = self.reply_for(messages) if self.reply_for else self.reply
            prompt_tokens = sum(len((m.get("content") or "").split()) for m in messages)
            elapsed = time.perf_counter() - started
            calls = tuple(self.tool_calls_for(messages)) if self.tool_calls_for else ()
            usage = Usage(prompt_tokens, len(text.split()))
            return Completion(text, usage, elapsed, elapsed, self.cost_usd, tool_calls=calls)
        finally:
            with self._lock:
                self.in_flight -= 1

    serial_models: tuple[str, ...] = ()  # models that, like the transformers engine, answer one at a time
    tool_models: tuple[str, ...] = ()  # models with native function calling
    tool_calls_for: Callable[[list[dict]], list] | None = None  # the ToolCalls a tool model asks for

    def supports_tools(self, model: str) -> bool:
        return str(model) in self.tool_models

    def runs_one_at_a_time(self, model: str) -> bool:
        return str(model) in self.serial_models

    def check_fits(self, model: str, messages: list[dict[str, str]], max_tokens: int) -> int:
        tokens = sum(len((m.get("content") or "").split()) for m in messages)
        if self.window and tokens + max_tokens > self.window:
            raise ModelError(f"the prompt is {tokens} tokens; it exceeds {model}'s context window of {self.window}")
        return tokens

    def stream(
        self, model: str, messages: list[dict[str, str]], max_tokens: int = 256, temperature: float = 0.0, **params
    ) -> Iterator[str | Completion]:
        with self._lock:
            self.calls.append({"model": str(model), "messages": messages, "max_tokens": max_tokens, "params": params})
        started = time.perf_counter()
        if str(model) in self.failing:
            raise ModelError(self.failing[str(model)])
        reply = self.reply_for(messages) if self.reply_for else self.reply
        words = reply.split(" ")
        first = None
        for i, word in enumerate(words):
            time.sleep(self.delay_s)
            first = first or time.perf_counter()
            yield word if i == 0 else " " + word
        prompt_tokens = sum(len((m.get("content") or "").split()) for m in messages)
        elapsed = time.perf_counter() - started
        yield Completion(reply, Usage(prompt_tokens, len(words)), first - started, elapsed, self.cost_usd)


class ToyEmbedder:
    """Bag-of-words hashed into 256 dimensions: same words, close vectors; no model weights."""

    def __init__(self, name: str = "toy") -> None:
        self.name = name
        self.embedded: list[str] = []

    def embed(self, texts: list[str]):
        import re

        import numpy as np

        self.embedded += texts
        rows = np.zeros((len(texts), 256), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                rows[i, hash(word) % 256] += 1.0
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return rows / np.maximum(norms, 1e-12)


def final_answer(lane: str, question: str, scenario, lane_context=None, gateway=None, model: str = "fake/m", **options):
    """Run one lane to the end through the real runner and return its finished Answer."""
    from playground.lanes import LaneJob, get_lane, run_lane

    job = LaneJob(lane, get_lane(lane).options(model, **options))
    return list(run_lane(gateway or FakeGateway(), question, scenario, job, lane_context))[-1]


def lane_job(lane: str, model: str = "fake/m", **options):
    """A LaneJob with the lane's own options type, as Services.lane_job builds it."""
    from playground.lanes import LaneJob, get_lane

    return LaneJob(lane, get_lane(lane).options(model, **options))
