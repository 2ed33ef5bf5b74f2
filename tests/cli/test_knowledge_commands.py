"""`ingest` and `retrieve --store` with a URI: parsed as a string, ingested and searched through it."""

from __future__ import annotations

import argparse
import json
from types import SimpleNamespace

import pytest

from playground.cli.knowledge import InputError, add_commands, cmd_ingest, cmd_retrieve
from tests.fakes import ToyEmbedder


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_commands(parser.add_subparsers())
    return parser.parse_args(argv)


@pytest.fixture
def services() -> SimpleNamespace:
    """Just what the knowledge commands read: the embedder, its settings name, chunking."""
    settings = SimpleNamespace(embedder="toy", chunk_size=200, chunk_overlap=20)
    return SimpleNamespace(embedder=ToyEmbedder(), settings=settings, gateway=SimpleNamespace(embed=None))


def test_store_uris_stay_strings_and_folders_become_paths(tmp_path) -> None:
    assert _parse("retrieve", "q", "--store", "s3://bucket/kb").store == "s3://bucket/kb"
    assert _parse("ingest", "x.md", "--store", str(tmp_path / "kb")).store == tmp_path / "kb"


def test_ingest_and_retrieve_through_a_file_uri(tmp_path, kb_folder, services, capsys) -> None:
    uri = (tmp_path / "bucket" / "kb").as_uri()
    assert cmd_ingest(_parse("ingest", str(kb_folder), "--store", uri, "--json"), services) == 0
    assert json.loads(capsys.readouterr().out)["documents"] == 3
    retrieve = _parse("retrieve", "chief executive officer", "--store", uri, "--k", "1", "--json")
    assert cmd_retrieve(retrieve, services) == 0
    (hit,) = json.loads(capsys.readouterr().out)["hits"]
    assert hit["source"] == "people.md"


def test_retrieve_from_an_empty_uri_says_to_ingest_first(tmp_path, services) -> None:
    with pytest.raises(InputError, match="run `ingest` first"):
        cmd_retrieve(_parse("retrieve", "q", "--store", (tmp_path / "nothing").as_uri()), services)
