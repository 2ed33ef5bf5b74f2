"""The forgetting check: general-knowledge questions asked of the base model and of an adapter.

A fine-tuned adapter that learned its task but now misses questions the base model answered shows
catastrophic forgetting; the two scores side by side make that visible.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from playground.llm import ChatGateway, Completion
from playground.model_ref import ModelRef

PROBE_FILE = Path(__file__).with_name("probe.jsonl")


@dataclass(frozen=True)
class ProbeItem:
    question: str
    answers: tuple[str, ...]  # any of these (lowercase) in the reply counts as correct


@dataclass(frozen=True)
class ProbeResult:
    model: str  # as shown: an adapter by name
    score: float
    correct: int
    total: int
    replies: tuple[str, ...]


def load_probe(path: Path = PROBE_FILE) -> list[ProbeItem]:
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            items.append(ProbeItem(record["question"], tuple(a.lower() for a in record["answers"])))
    return items


def run_probe(gateway: ChatGateway, model: str | ModelRef, items: list[ProbeItem], max_tokens: int = 24) -> ProbeResult:
    """Ask every probe question (greedy, no system prompt) and score the replies."""
    replies, correct = [], 0
    for item in items:
        completion = next(
            c
            for c in gateway.stream(model, [{"role": "user", "content": item.question}], max_tokens)
            if isinstance(c, Completion)
        )
        replies.append(completion.text)
        correct += any(answer in completion.text.lower() for answer in item.answers)
    return ProbeResult(str(model), correct / len(items) if items else 0.0, correct, len(items), tuple(replies))
