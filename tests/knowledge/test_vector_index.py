"""The ANN vector index: none below the threshold, built past it, rebuilt when stale, dropped when the
store shrinks; searches through it still find the nearest row."""

from __future__ import annotations

import random

import lancedb
import pytest

from playground.knowledge.parsing import Document, parse_bytes
from playground.knowledge.store import TABLE, KnowledgeStore
from tests.fakes import ToyEmbedder

THRESHOLD = 300


def _bodies(n: int, start: int = 0) -> list[str]:
    """n random 12-word texts: each one's toy vector is far from every other's."""
    vocabulary = [f"w{i}" for i in range(3000)]
    return [" ".join(random.Random(i).sample(vocabulary, 12)) for i in range(start, start + n)]


def _documents(n: int, start: int = 0) -> list[Document]:
    return [
        parse_bytes(f"doc-{start + i:04d}.md", f"# Doc\n\n{body}\n".encode())
        for i, body in enumerate(_bodies(n, start))
    ]


def _vector_index(store: KnowledgeStore):
    table = lancedb.connect(str(store.folder)).open_table(TABLE)
    return next((i for i in table.list_indices() if i.columns == ["vector"]), None)


@pytest.fixture
def big_store(tmp_path) -> KnowledgeStore:
    return KnowledgeStore(tmp_path / "big", ToyEmbedder(), index_threshold=THRESHOLD)


def test_below_the_threshold_search_stays_exact(big_store) -> None:
    big_store.ingest(_documents(THRESHOLD - 1))
    assert big_store.stats().vector_index is None and _vector_index(big_store) is None


@pytest.mark.parametrize("mode", ["vector", "hybrid"])
def test_past_the_threshold_an_ann_index_is_built_and_finds_the_nearest_row(big_store, mode: str) -> None:
    big_store.ingest(_documents(THRESHOLD))
    assert big_store.stats().vector_index == "IvfSq"
    index = _vector_index(big_store)
    assert index.num_indexed_rows == THRESHOLD and index.num_unindexed_rows == 0
    bodies = _bodies(THRESHOLD)
    for i in (0, 17, 150, 299):
        hit = big_store.search(bodies[i], k=1, mode=mode).passages[0]
        assert hit.source == f"doc-{i:04d}.md"


def test_new_rows_are_found_and_a_stale_index_is_rebuilt(big_store) -> None:
    big_store.ingest(_documents(THRESHOLD))
    big_store.ingest(_documents(10, start=THRESHOLD))  # 3% new: searched exactly beside the index
    assert _vector_index(big_store).num_unindexed_rows == 10
    new_body = _bodies(1, start=THRESHOLD + 5)[0]
    assert big_store.search(new_body, k=1, mode="vector").passages[0].source == f"doc-{THRESHOLD + 5:04d}.md"
    big_store.ingest(_documents(40, start=THRESHOLD + 10))  # past a tenth: rebuilt over every row
    assert (_vector_index(big_store).num_indexed_rows, _vector_index(big_store).num_unindexed_rows) == (350, 0)


def test_an_index_is_dropped_when_the_store_shrinks_below_the_threshold(big_store) -> None:
    big_store.ingest(_documents(THRESHOLD))
    big_store.remove_documents([f"doc-{i:04d}.md" for i in range(20)])
    assert big_store.stats().vector_index is None
    body = _bodies(1, start=100)[0]
    assert big_store.search(body, k=1, mode="vector").passages[0].source == "doc-0100.md"
