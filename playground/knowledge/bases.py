"""The knowledge bases of one process: one per (workspace, scenario), opened once and shared.

A browser session's workspace holds its own copy of a scenario's documents; its index starts as
a copy of the shared index of the shipped documents, so nothing is embedded twice.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from pathlib import Path

from playground.knowledge.base import KnowledgeBase
from playground.knowledge.embedding import Embedder
from playground.knowledge.store import KnowledgeStore
from playground.scenarios import Scenario
from playground.workspace import Workspace


class KnowledgeBases:
    """Opens each workspace's knowledge base for a scenario on first use, then reuses it."""

    def __init__(
        self,
        embedder: Callable[[], Embedder],
        shared_workspace: Callable[[], Workspace],
        *,
        max_upload_bytes: int,
        chunk_size: int,
        overlap: int,
    ) -> None:
        self._embedder = embedder
        self._shared_workspace = shared_workspace
        self._limits = {"max_upload_bytes": max_upload_bytes, "chunk_size": chunk_size, "overlap": overlap}
        self._open: dict[tuple[Path, str], KnowledgeBase] = {}
        self._lock = threading.RLock()

    def get(self, workspace: Workspace, scenario: Scenario) -> KnowledgeBase:
        """The scenario's knowledge base in this workspace (its own copy of the documents)."""
        key = (workspace.root, scenario.name)
        embedder = self._embedder()
        with self._lock:
            if key not in self._open:
                # A new workspace gets the shipped documents and a copy of their synced index together:
                # in step by construction, so its first search need not parse every document again.
                fresh = workspace.copy_documents and not workspace.scenario_dir(scenario).exists()
                if workspace.copy_documents and not workspace.index_dir(scenario).exists():
                    self._seed_index(scenario, workspace.index_dir(scenario))
                store = KnowledgeStore(workspace.index_dir(scenario), embedder)
                folder = workspace.kb_dir(scenario)  # check_room does nothing in a workspace without a cap
                self._open[key] = KnowledgeBase(
                    folder, store, check_room=workspace.check_room, synced=fresh, **self._limits
                )
            return self._open[key]

    def forget(self, workspace: Workspace) -> None:
        """Drop this workspace's open knowledge bases (it is being removed)."""
        with self._lock:
            for key in [key for key in self._open if key[0] == workspace.root]:
                del self._open[key]

    def shared(self, scenario: Scenario) -> KnowledgeBase:
        """The index of the scenario's shipped documents, used in place (the command line's)."""
        return self.get(self._shared_workspace(), scenario)

    def _seed_index(self, scenario: Scenario, target: Path) -> None:
        """Start a new workspace's index as a copy of the shared one."""
        if scenario.knowledge_base is None:
            return
        shared = self.shared(scenario)
        shared.ensure_synced()
        staging = target.with_name(f".{target.name}.copying")  # a killed copy never looks like an index
        shutil.rmtree(staging, ignore_errors=True)
        with shared.lock:
            shutil.copytree(shared.store.folder, staging)
        staging.rename(target)
