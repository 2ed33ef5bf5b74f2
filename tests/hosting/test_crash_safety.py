"""Killing the app mid-write leaves the previous index and the adapter list as they were.

Each test kills a real child process (SIGKILL: no clean-up runs) in the middle of the write,
then opens what it left behind in this process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from playground.knowledge.base import KnowledgeBase
from playground.knowledge.store import KnowledgeStore
from playground.training.registry import AdapterRegistry
from playground.workspace_pool import WorkspacePool
from tests.fakes import ToyEmbedder

REPO = Path(__file__).resolve().parents[2]
DOCS = {
    "travel.md": "# Travel policy\n\nThe meal per diem is $80 per day.\n",
    "people.md": "# People\n\nTeodora Blanchet is the chief executive officer.\n",
}
QUESTIONS = ["meal per diem", "chief executive officer", "launch plan"]


def _child(script: str, marker: Path) -> subprocess.Popen:
    """Run `script` in a fresh interpreter; it touches `marker` when it is mid-write."""
    env = os.environ | {"PYTHONPATH": str(REPO), "MARKER": str(marker)}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(script)], cwd=REPO, env=env)


def _kill_when_marked(child: subprocess.Popen, marker: Path, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not marker.exists():
        if child.poll() is not None:
            pytest.fail(f"the child exited ({child.returncode}) before it started writing")
        if time.monotonic() > deadline:
            child.kill()
            pytest.fail("the child never started writing")
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)


def _answers(kb: KnowledgeBase) -> list[list[tuple[str, str]]]:
    return [[(p.source, p.text) for p in kb.search(q, k=3, mode="vector").passages] for q in QUESTIONS]


def test_killing_an_ingestion_leaves_the_previous_index_answering_exactly_as_before(tmp_path: Path) -> None:
    folder, index = tmp_path / "kb", tmp_path / "index"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text)
    kb = KnowledgeBase(folder, KnowledgeStore(index, ToyEmbedder()), chunk_size=200, overlap=20)
    kb.sync()
    before, files_before = _answers(kb), sorted(p.name for p in folder.iterdir())

    marker = tmp_path / "embedding"
    child = _child(
        f"""
        import os, pathlib, time
        from playground.knowledge.base import KnowledgeBase
        from playground.knowledge.store import KnowledgeStore
        from tests.fakes import ToyEmbedder

        class Stalling(ToyEmbedder):
            def embed(self, texts):
                pathlib.Path(os.environ["MARKER"]).touch()  # mid-ingestion: killed here
                time.sleep(60)
                return super().embed(texts)

        kb = KnowledgeBase(pathlib.Path({str(folder)!r}), KnowledgeStore(pathlib.Path({str(index)!r}), Stalling()),
                           chunk_size=200, overlap=20, synced=True)
        kb.add_files([("launch-plan.md", b"# Launch plan\\n\\nThe launch code word is falcon.\\n" * 40)])
        """,
        marker,
    )
    _kill_when_marked(child, marker)

    reopened = KnowledgeBase(folder, KnowledgeStore(index, ToyEmbedder()), chunk_size=200, overlap=20, synced=True)
    assert sorted(p.name for p in folder.iterdir()) == files_before
    assert _answers(reopened) == before


def test_a_failed_ingestion_leaves_the_index_answering_exactly_as_before(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text)
    embedder = ToyEmbedder()
    kb = KnowledgeBase(folder, KnowledgeStore(tmp_path / "index", embedder), chunk_size=200, overlap=20)
    kb.sync()
    before = _answers(kb)

    def broken(texts):
        raise ConnectionError("the embedding service went away")

    embedder.embed = broken  # the next ingest fails half-way, after parsing and chunking
    with pytest.raises(ConnectionError):
        kb.add_files([("launch-plan.md", b"# Launch plan\n\nThe launch code word is falcon.\n")])
    embedder.embed = ToyEmbedder().embed
    assert "launch-plan.md" not in [p.name for p in kb.files()]
    assert _answers(kb) == before


def test_killing_an_adapter_write_leaves_the_adapter_list_as_it_was(tmp_path: Path) -> None:
    adapters = tmp_path / "workspaces" / "session-local" / "adapters"  # the single-user workspace: kept
    (adapters / "kept").mkdir(parents=True)
    (adapters / "kept" / "adapter_config.json").write_text("{}")
    (adapters / "kept" / "card.json").write_text('{"base_model": "smollm2-135m-instruct"}')
    registry = AdapterRegistry([(adapters, False)])
    before = registry.names()

    marker = tmp_path / "saving"
    child = _child(
        f"""
        import os, pathlib, time
        from playground.training.trainer import _save_atomically

        class HalfSaved:
            def save_pretrained(self, folder):
                (pathlib.Path(folder) / "adapter_model.safetensors").write_bytes(b"0" * 4096)
                (pathlib.Path(folder) / "adapter_config.json").write_text("{{}}")
                pathlib.Path(os.environ["MARKER"]).touch()  # weights half-written: killed here
                time.sleep(60)

        out = pathlib.Path({str(adapters / "new")!r})
        _save_atomically(HalfSaved(), {{"base_model": "smollm2-135m-instruct"}}, out)
        """,
        marker,
    )
    _kill_when_marked(child, marker)

    assert AdapterRegistry([(adapters, False)]).names() == before  # the half-written one is not listed
    leftovers = [p.name for p in adapters.iterdir() if p.name.startswith(".new.")]
    assert leftovers, "the killed write should have left its hidden staging folder"
    next_start = WorkspacePool(tmp_path / "workspaces", idle_s=60, max_bytes=10**9, single_user=True)
    next_start.remove_leftovers()
    assert not [p for p in adapters.iterdir() if p.name.startswith(".")]
    assert AdapterRegistry([(adapters, False)]).names() == before
