"""Store locations: local folders (old ones with index.json too), file:// and memory:// URIs, and
object-storage URIs handed to LanceDB unchanged (no network: lancedb.connect is faked for that edge)."""

from __future__ import annotations

import json
from pathlib import Path

import lancedb
import pytest

from playground.knowledge.parsing import parse_file
from playground.knowledge.store import (
    META_TABLE,
    KnowledgeStore,
    StoreError,
    connect,
    storage_options_from_env,
    store_exists,
    store_location,
)
from tests.fakes import ToyEmbedder


def _docs(folder: Path):
    return [parse_file(p) for p in sorted(folder.iterdir())]


def test_a_file_uri_store_ingests_searches_and_reopens(tmp_path, kb_folder, embedder) -> None:
    uri = (tmp_path / "remote" / "kb").as_uri()
    assert not store_exists(uri)
    store = KnowledgeStore(uri, embedder)
    assert store.folder is None and store.location == uri
    first = store.ingest(_docs(kb_folder))
    assert first.added == first.chunks > 0
    assert store_exists(uri) and not (tmp_path / "remote" / "kb" / "index.json").exists()
    reopened = KnowledgeStore(uri, ToyEmbedder())
    assert reopened.recorded_embedder() == "toy" and reopened.stats().chunks == first.chunks
    hits = reopened.search("Who is the chief executive officer?", k=1, mode="hybrid").passages
    assert hits[0].source == "people.md"
    with pytest.raises(StoreError, match="built with the embedder 'toy'"):
        KnowledgeStore(uri, ToyEmbedder(name="another")).search("x")


def test_a_memory_uri_store_lives_as_long_as_the_object(kb_folder, embedder) -> None:
    store = KnowledgeStore("memory://kb", embedder)
    store.ingest(_docs(kb_folder))
    assert store.stats().documents == 3
    assert store.search("Kestrel sensor price", k=1, mode="fts").passages[0].source == "products.md"


def test_an_object_storage_uri_reaches_lancedb_unchanged(monkeypatch, embedder) -> None:
    calls = []
    monkeypatch.setattr(lancedb, "connect", lambda uri, **kwargs: calls.append((uri, kwargs)) or "db")
    monkeypatch.setenv("PLAYGROUND_STORAGE_OPTIONS", '{"aws_region": "eu-west-1", "allow_http": true}')
    assert KnowledgeStore("s3://bucket/path/kb", embedder)._connect() == "db"
    connect("gs://bucket/kb", storage_options={"service_account": "/keys/sa.json"})
    assert calls == [
        ("s3://bucket/path/kb", {"storage_options": {"aws_region": "eu-west-1", "allow_http": "true"}}),
        ("gs://bucket/kb", {"storage_options": {"service_account": "/keys/sa.json"}}),
    ]


def test_without_storage_options_lancedb_reads_the_usual_environment(monkeypatch) -> None:
    calls = []
    monkeypatch.setattr(lancedb, "connect", lambda uri, **kwargs: calls.append((uri, kwargs)))
    monkeypatch.delenv("PLAYGROUND_STORAGE_OPTIONS", raising=False)
    connect("az://container/kb")
    assert calls == [("az://container/kb", {"storage_options": None})]


@pytest.mark.parametrize(("raw", "message"), [("{not json", "not valid JSON"), ('["a"]', "must be a JSON object")])
def test_bad_storage_options_are_one_clear_error(raw: str, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        storage_options_from_env({"PLAYGROUND_STORAGE_OPTIONS": raw})


def test_a_uri_folded_by_path_is_refused_not_created(tmp_path, monkeypatch, embedder) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StoreError, match="lost its '//'"):
        KnowledgeStore(Path("s3://bucket/kb"), embedder).search("anything")
    assert not (tmp_path / "s3:").exists()


def test_store_location_keeps_uris_as_strings(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert store_location("s3://bucket/kb") == "s3://bucket/kb"
    assert store_location("~/kb") == tmp_path / "kb"


def test_store_exists_creates_no_folder(tmp_path) -> None:
    assert not store_exists(tmp_path / "missing") and not (tmp_path / "missing").exists()


def test_a_local_folder_still_writes_index_json_and_meta_table(store, kb_folder) -> None:
    store.ingest(_docs(kb_folder))
    assert json.loads((store.folder / "index.json").read_text())["embedder"] == "toy"
    assert META_TABLE in lancedb.connect(str(store.folder)).list_tables().tables
    assert store_exists(store.folder) and store_exists(str(store.folder))


def test_an_older_folder_with_only_index_json_still_opens(store, kb_folder) -> None:
    store.ingest(_docs(kb_folder))
    lancedb.connect(str(store.folder)).drop_table(META_TABLE)  # as written before the metadata table
    (store.folder / "index.json").write_text(json.dumps({"embedder": "toy", "updated_at": "2026-01-01T00:00:00"}))
    older = KnowledgeStore(store.folder, ToyEmbedder())
    assert older.recorded_embedder() == "toy" and older.stats().updated_at == "2026-01-01T00:00:00"
    assert older.search("meal per diem", k=1, mode="vector").passages[0].source == "travel.md"
    with pytest.raises(StoreError, match="built with the embedder 'toy'"):
        KnowledgeStore(store.folder, ToyEmbedder(name="another")).search("x")
