"""Context growth: slices, a stuffed prompt counted even past the window, RAG searching only its slice."""

from __future__ import annotations

from playground.costs.context_growth import RETRIEVED, STUFFED, measure_context_growth, slices
from playground.costs.hardware import get_hardware
from playground.knowledge.parsing import Document, Section
from playground.knowledge.store import SearchResult
from playground.lanes import LaneContext
from playground.records import Passage
from tests.fakes import FakeGateway


def _document(number: int) -> Document:
    return Document(f"doc{number:02d}.md", f"Doc {number}", (Section("Facts", " ".join(["word"] * 100)),))


class _Knowledge:
    def __init__(self, count: int) -> None:
        self.docs = [_document(n) for n in range(count)]
        self.searches: list[str | None] = []

    def documents(self) -> list[Document]:
        return list(self.docs)

    def search(self, query: str, k: int = 5, mode: str = "hybrid", where: str | None = None) -> SearchResult:
        self.searches.append(where)
        return SearchResult([Passage("doc00.md", "word word", 0.9)], 0.001, 0.001)


class _Counter:
    """Counts words as tokens, with a window that the stuffed prompt outgrows."""

    def prompt_tokens(self, model, messages) -> int:
        return sum(len((m.get("content") or "").split()) for m in messages)

    def context_window(self, model) -> int:
        return 1000


def test_slices_take_the_first_documents_in_name_order_and_never_none() -> None:
    documents = [_document(n) for n in (3, 1, 2, 0)]
    taken = slices(documents, (0.1, 0.5, 1.0))
    assert [[d.source for d in docs] for _, docs in taken] == [
        ["doc00.md"],
        ["doc00.md", "doc01.md"],
        ["doc00.md", "doc01.md", "doc02.md", "doc03.md"],
    ]


def test_growth_counts_a_stuffed_prompt_past_the_window_and_rag_searches_its_slice(scenario) -> None:
    knowledge = _Knowledge(20)
    context = LaneContext(knowledge=lambda s: knowledge)
    gateway = FakeGateway(reply="42.", window=1000)
    growth = measure_context_growth(
        gateway, _Counter(), scenario, context, "How many?", "local/m", get_hardware("T4"), (0.1, 1.0), max_tokens=16
    )
    stuffed = [p for p in growth.points if p.lane == STUFFED]
    retrieved = [p for p in growth.points if p.lane == RETRIEVED]
    assert [p.documents for p in stuffed] == [2, 20] and growth.window == 1000
    small, whole = stuffed
    assert small.fits and small.error is None and small.latency_s is not None and small.cost_usd > 0
    assert whole.prompt_tokens > 2000 and not whole.fits, "20 documents of 100 words: counted, though too big"
    assert whole.latency_s is None and whole.cost_usd is None and "context window" in whole.error
    assert all(p.fits and p.error is None for p in retrieved)
    assert retrieved[0].prompt_tokens < small.prompt_tokens
    assert knowledge.searches[0] == "source IN ('doc00.md', 'doc01.md')"
    assert "'doc19.md'" in knowledge.searches[1]
    assert growth.to_dict()["hardware"] == "T4"
