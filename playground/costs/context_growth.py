"""Context growth: context-stuffed prompting against RAG as the knowledge base grows, measured.

For each slice of the scenario's knowledge base (its first 10%, 25%, 50%, 100% of documents, in
name order), the same question goes through the prompting lane with the slice stuffed into its
prompt and through the RAG lane searching only that slice. Each answer's prompt tokens, latency and
cost are measured; a stuffed prompt that no longer fits the model's window is counted (so the chart
still shows its size) and marked, since it cannot be answered at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Protocol

from playground.costs.hardware import Hardware
from playground.knowledge.parsing import Document
from playground.knowledge.store import SearchResult
from playground.lanes import LaneContext, LaneJob, get_lane, run_lane
from playground.lanes.base import knowledge_for
from playground.lanes.builtin.prompting import prompting_messages
from playground.llm import ChatGateway
from playground.model_ref import ModelRef
from playground.scenarios import Scenario

DEFAULT_FRACTIONS = (0.1, 0.25, 0.5, 1.0)
STUFFED = "prompting (whole slice in the prompt)"
RETRIEVED = "rag (searches the slice)"


class TokenCounter(Protocol):
    """What measuring needs besides answering: the model's own token count and its window."""

    def prompt_tokens(self, model: str | ModelRef, messages: list[dict[str, str]]) -> int: ...

    def context_window(self, model: str | ModelRef) -> int | None: ...


class KnowledgeSlice:
    """The first documents of a knowledge base: stuffed whole, or searched with a filter on their sources."""

    def __init__(self, knowledge: Any, documents: list[Document]) -> None:
        self.knowledge = knowledge
        self._documents = documents
        self.sources = sorted({document.source for document in documents})

    def documents(self) -> list[Document]:
        return list(self._documents)

    def search(self, query: str, k: int = 5, mode: str = "hybrid", where: str | None = None) -> SearchResult:
        quoted = ", ".join("'" + source.replace("'", "''") + "'" for source in self.sources)
        scope = f"source IN ({quoted})"
        return self.knowledge.search(query, k=k, mode=mode, where=f"({where}) AND {scope}" if where else scope)


@dataclass(frozen=True)
class GrowthPoint:
    """One lane's answer on one slice."""

    fraction: float
    documents: int
    lane: str
    prompt_tokens: int
    latency_s: float | None
    cost_usd: float | None
    fits: bool
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "fraction": self.fraction,
            "documents": self.documents,
            "lane": self.lane,
            "prompt_tokens": self.prompt_tokens,
            "latency_s": self.latency_s,
            "cost_usd": self.cost_usd,
            "fits": self.fits,
            "error": self.error,
        }


@dataclass(frozen=True)
class ContextGrowth:
    """The measured points, the question asked and the model's context window."""

    question: str
    model: str
    window: int | None
    hardware: Hardware
    points: tuple[GrowthPoint, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "model": self.model,
            "window": self.window,
            "hardware": self.hardware.name,
            "points": [point.to_dict() for point in self.points],
        }


def slices(documents: list[Document], fractions: tuple[float, ...]) -> list[tuple[float, list[Document]]]:
    """The first ceil(fraction x n) documents in name order, for each fraction (at least one)."""
    ordered = sorted(documents, key=lambda document: document.source)
    return [(fraction, ordered[: max(1, math.ceil(fraction * len(ordered)))]) for fraction in fractions]


def measure_context_growth(
    gateway: ChatGateway,
    counter: TokenCounter,
    scenario: Scenario,
    context: LaneContext,
    question: str,
    model: str,
    hardware: Hardware,
    fractions: tuple[float, ...] = DEFAULT_FRACTIONS,
    max_tokens: int = 64,
) -> ContextGrowth:
    """Run stuffed prompting and RAG on each slice of the knowledge base and record what each cost."""
    knowledge = knowledge_for(context, scenario)
    points: list[GrowthPoint] = []
    window = counter.context_window(model)
    for fraction, documents in slices(knowledge.documents(), fractions):
        piece = KnowledgeSlice(knowledge, documents)
        sliced = replace(context, knowledge=lambda _scenario, piece=piece: piece, hardware=hardware)
        prompting = get_lane("prompting").options(model, max_tokens=max_tokens, context="whole knowledge base")
        rag = get_lane("rag").options(model, max_tokens=max_tokens)
        for label, job in ((STUFFED, LaneJob("prompting", prompting)), (RETRIEVED, LaneJob("rag", rag))):
            *_, answer = run_lane(gateway, question, scenario, job, sliced)
            tokens = answer.usage.prompt_tokens
            if label == STUFFED:  # counted even when it cannot be sent: the size is the point
                tokens = counter.prompt_tokens(model, prompting_messages(question, scenario, prompting, sliced))
            fits = window is None or tokens + max_tokens <= window
            answered = answer.error is None
            points.append(
                GrowthPoint(
                    fraction,
                    len(documents),
                    label,
                    tokens,
                    answer.latency_s if answered else None,
                    answer.cost_usd if answered else None,
                    fits,
                    answer.error,
                )
            )
    return ContextGrowth(question, model, window, hardware, tuple(points))
