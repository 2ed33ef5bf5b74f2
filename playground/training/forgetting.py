"""The forgetting check: general-knowledge questions asked of the base model and of an adapter.

A fine-tuned adapter that learned its task but now misses questions the base model answered shows
catastrophic forgetting. Both answer the same questions, so the change is measured as a paired
difference (adapter minus base) with a 95% paired-bootstrap interval: "forgot" or "gained" only
when the interval excludes zero.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from playground.llm import ChatGateway
from playground.model_ref import ModelRef
from playground.training.model_card import write_model_card

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
    right: tuple[bool, ...] = ()  # per question, in the probe's order


@dataclass(frozen=True)
class ForgettingReport:
    """The adapter against its base on the probe: the change in score and its interval."""

    base: ProbeResult
    adapter: ProbeResult
    change: float  # adapter score minus base score
    ci95: tuple[float, float] | None
    lost: int  # questions the base got right and the adapter missed
    gained: int

    def statement(self) -> str:
        n = self.base.total
        if self.ci95 is not None and self.ci95[1] < 0:
            return f"the adapter forgot: {self.change:+.1%} against the base at n = {n}"
        if self.ci95 is not None and self.ci95[0] > 0:
            return f"the adapter gained: {self.change:+.1%} against the base at n = {n}"
        return f"no clear change against the base at n = {n} ({self.change:+.1%})"

    def to_card(self) -> dict[str, object]:
        """What an adapter's card records about forgetting."""
        return {
            "probe_questions": self.base.total,
            "base_score": round(self.base.score, 4),
            "adapter_score": round(self.adapter.score, 4),
            "change": round(self.change, 4),
            "ci95": [round(v, 4) for v in self.ci95] if self.ci95 else None,
            "lost": self.lost,
            "gained": self.gained,
            "statement": self.statement(),
        }


def load_probe(path: Path = PROBE_FILE) -> list[ProbeItem]:
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            items.append(ProbeItem(record["question"], tuple(a.lower() for a in record["answers"])))
    return items


def run_probe(
    gateway: ChatGateway, model: str | ModelRef, items: list[ProbeItem], max_tokens: int = 24, batch_size: int = 8
) -> ProbeResult:
    """Ask every probe question (greedy, no system prompt; several in flight) and score the replies."""

    def ask(item: ProbeItem) -> str:
        return gateway.complete(model, [{"role": "user", "content": item.question}], max_tokens).text

    with ThreadPoolExecutor(max(1, batch_size), thread_name_prefix="probe") as pool:
        replies = list(pool.map(ask, items))
    right = tuple(
        any(answer in reply.lower() for answer in item.answers) for item, reply in zip(items, replies, strict=True)
    )
    correct = sum(right)
    return ProbeResult(str(model), correct / len(items) if items else 0.0, correct, len(items), tuple(replies), right)


def compare_to_base(base: ProbeResult, adapter: ProbeResult) -> ForgettingReport:
    """The paired change from base to adapter over the same questions."""
    from playground.evaluation.comparison import paired_difference_interval  # scipy loads only here

    differences = np.array(adapter.right, dtype=float) - np.array(base.right, dtype=float)
    return ForgettingReport(
        base,
        adapter,
        change=adapter.score - base.score,
        ci95=paired_difference_interval(differences),
        lost=int((differences < 0).sum()),
        gained=int((differences > 0).sum()),
    )


def record_on_card(adapter_folder: Path, report: ForgettingReport) -> None:
    """Write the forgetting result into the adapter's card.json (atomically; the rest of the card is kept),
    and its README from the card."""
    card_file = adapter_folder / "card.json"
    card = json.loads(card_file.read_text(encoding="utf-8"))
    card["forgetting"] = report.to_card()
    staging = card_file.with_suffix(".json.tmp")
    staging.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    staging.replace(card_file)
    write_model_card(adapter_folder)  # the README says what the card says
