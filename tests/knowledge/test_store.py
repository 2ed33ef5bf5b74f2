"""The LanceDB store: incremental ingest, removal, and the three search modes."""

from __future__ import annotations

from pathlib import Path

import pytest

from playground.knowledge.parsing import parse_bytes, parse_file
from playground.knowledge.store import KnowledgeStore, StoreError
from tests.fakes import ToyEmbedder


def _docs(folder: Path):
    return [parse_file(p) for p in sorted(folder.iterdir())]


def test_first_ingest_embeds_everything_and_the_second_nothing(store, kb_folder, embedder) -> None:
    first = store.ingest(_docs(kb_folder), chunk_size=200, overlap=20)
    assert first.documents == 3 and first.added == first.chunks > 3 and first.removed == 0
    embedded = len(embedder.embedded)
    again = store.ingest(_docs(kb_folder), chunk_size=200, overlap=20)
    assert (again.added, again.updated, again.removed) == (0, 0, 0)
    assert len(embedder.embedded) == embedded, "unchanged chunks are not re-embedded"
    assert store.stats().chunks == first.chunks


def test_editing_one_document_reembeds_only_its_changed_chunks(store, kb_folder, embedder) -> None:
    store.ingest(_docs(kb_folder), chunk_size=200, overlap=20)
    embedder.embedded.clear()
    path = kb_folder / "travel.md"
    path.write_text(path.read_text().replace("$80", "$95"))
    report = store.ingest([parse_file(path)], chunk_size=200, overlap=20)
    assert report.added == 1 and report.removed == 1
    assert len(embedder.embedded) == 1 and "$95" in embedder.embedded[0]
    hits = store.search("meal per diem", k=1, mode="fts").passages
    assert "$95" in hits[0].text and "$80" not in hits[0].text


def test_a_file_deleted_from_an_ingested_folder_is_pruned(store, kb_folder) -> None:
    origin = str(kb_folder)
    store.ingest(_docs(kb_folder), origin=origin, prune=origin)
    chunks = {d.source: d.chunks for d in store.stats().document_list}
    (kb_folder / "people.md").unlink()
    report = store.ingest(_docs(kb_folder), origin=origin, prune=origin)
    assert chunks["people.md"] == 2 and report.removed == 2  # its two sections, and nothing else
    assert {d.source for d in store.stats().document_list} == {"travel.md", "products.md"}


def test_ingesting_single_files_keeps_the_others(store, kb_folder) -> None:
    store.ingest(_docs(kb_folder))
    extra = parse_bytes("extra.md", b"# Extra\n\nA new fact about warranties lasting three years.")
    report = store.ingest([extra])
    assert report.added == 1 and report.removed == 0
    assert store.stats().documents == 4


@pytest.mark.parametrize("mode", ["vector", "fts", "hybrid"])
def test_each_search_mode_finds_the_document_that_holds_the_fact(store, kb_folder, embedder, mode: str) -> None:
    store.ingest(_docs(kb_folder))
    embedded_before = len(embedder.embedded)
    result = store.search("Who is the chief executive officer?", k=3, mode=mode)
    assert result.passages[0].source == "people.md"
    assert result.passages[0].section and "Leadership" in result.passages[0].section
    assert len(result.passages) <= 3
    assert result.search_seconds > 0
    # Full-text search alone never embeds the query; vector and hybrid embed it once, and time that apart.
    queries = embedder.embedded[embedded_before:]
    assert queries == ([] if mode == "fts" else ["Who is the chief executive officer?"])
    if mode != "fts":
        assert result.embed_seconds > 0


def test_metadata_filter_limits_the_sources(store, kb_folder) -> None:
    store.ingest(_docs(kb_folder))
    hits = store.search("sensor costs", k=5, mode="hybrid", where="source = 'products.md'").passages
    assert hits and {h.source for h in hits} == {"products.md"}


def test_unknown_mode_and_other_embedders_are_refused(store, kb_folder, tmp_path) -> None:
    store.ingest(_docs(kb_folder))
    with pytest.raises(StoreError, match="unknown search mode 'semantic'"):
        store.search("x", mode="semantic")
    other = KnowledgeStore(store.folder, ToyEmbedder(name="another"))
    with pytest.raises(StoreError, match="built with the embedder 'toy'"):
        other.search("x")


def test_remove_documents_and_stats(store, kb_folder) -> None:
    store.ingest(_docs(kb_folder))
    before = store.stats()
    assert before.documents == 3 and before.embedder == "toy" and before.updated_at
    removed = store.remove_documents(["products.md"])
    assert removed == 2 and store.stats().chunks == before.chunks - 2  # its two sections


def test_empty_store_searches_to_nothing(tmp_path) -> None:
    assert KnowledgeStore(tmp_path / "none", ToyEmbedder()).search("anything").passages == []
