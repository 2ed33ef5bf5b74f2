"""A tiny knowledge base on disk and a store with a toy embedder, fresh for each test."""

from __future__ import annotations

from pathlib import Path

import pytest

from playground.knowledge.base import KnowledgeBase
from playground.knowledge.store import KnowledgeStore
from tests.fakes import ToyEmbedder

DOCS = {
    "travel.md": "# Travel policy\n\n## Per diem\n\nThe meal per diem is $80 per day since March 2026.\n\n"
    "## Flights\n\nEconomy class for flights under six hours.\n",
    "people.md": "# People\n\n## Leadership\n\nTeodora Blanchet is the chief executive officer.\n\n"
    "## Finance\n\nMarcus Webb runs finance and approves budgets.\n",
    "products.md": "# Products\n\n## Kestrel\n\nThe Kestrel VS-400 vibration sensor costs $1,960.\n\n"
    "## Heron\n\nThe Heron AC-90 acoustic sensor costs $2,450.\n",
}


@pytest.fixture
def kb_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text)
    return folder


@pytest.fixture
def embedder() -> ToyEmbedder:
    return ToyEmbedder()


@pytest.fixture
def store(tmp_path: Path, embedder: ToyEmbedder) -> KnowledgeStore:
    return KnowledgeStore(tmp_path / "index", embedder)


@pytest.fixture
def kb(kb_folder: Path, store: KnowledgeStore) -> KnowledgeBase:
    return KnowledgeBase(kb_folder, store, max_upload_bytes=2_000, chunk_size=200, overlap=20)
