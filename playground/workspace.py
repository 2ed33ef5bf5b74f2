"""Workspaces: where one visitor's (or the command line's) editable data lives.

Shipped scenario data is read-only. The first time a workspace touches a scenario's knowledge
base it gets its own copy, so uploads and edits in one browser session never reach the shipped
sample or another session. Paths always come from a Workspace, never from module globals.
"""

from __future__ import annotations

import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

from playground.errors import UsageError
from playground.scenarios import Scenario

_SAFE_ID = re.compile(r"[^A-Za-z0-9_-]")


class WorkspaceFullError(UsageError):
    """The workspace has reached its disk cap: nothing more is stored until something is deleted."""


@dataclass
class Workspace:
    """One visitor's folder: a copy of each scenario's knowledge base and its index."""

    root: Path
    copy_documents: bool = True  # False: use the scenario's own documents in place (command line)
    max_bytes: int | None = None  # disk this workspace may use; None: no cap (the command line's)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def scenario_dir(self, scenario: Scenario) -> Path:
        return self.root / scenario.name

    def kb_dir(self, scenario: Scenario) -> Path:
        """This workspace's documents for the scenario, copied from the shipped ones on first use."""
        if not self.copy_documents and scenario.knowledge_base is not None:
            return scenario.knowledge_base
        folder = self.scenario_dir(scenario) / "kb"
        with self._lock:
            if not folder.exists():
                folder.parent.mkdir(parents=True, exist_ok=True)
                staging = folder.with_name("kb.copying")
                shutil.rmtree(staging, ignore_errors=True)
                if scenario.knowledge_base and scenario.knowledge_base.is_dir():
                    shutil.copytree(scenario.knowledge_base, staging)
                else:
                    staging.mkdir()
                staging.rename(folder)
        return folder

    def usage_bytes(self) -> int:
        """Disk used by the workspace's files now."""
        if not self.root.is_dir():
            return 0
        return sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file() and not p.is_symlink())

    def check_room(self, incoming_bytes: int = 0, what: str = "this") -> None:
        """Raise WorkspaceFullError if storing `incoming_bytes` more would pass the cap."""
        if self.max_bytes is None:
            return
        used = self.usage_bytes()
        if used + incoming_bytes > self.max_bytes:
            raise WorkspaceFullError(
                f"this session's workspace is full: {used / 1e6:.1f} MB used of {self.max_bytes / 1e6:.0f} MB,"
                f" and {what} needs {incoming_bytes / 1e6:.1f} MB more; delete documents or adapters first"
            )

    @property
    def adapters_dir(self) -> Path:
        """Adapters trained in this workspace (the shipped ones live in adapters/, read-only)."""
        return self.root / "adapters"

    def index_dir(self, scenario: Scenario) -> Path:
        return self.scenario_dir(scenario) / "index"

    @property
    def answer_cache_file(self) -> Path:
        """Evaluation answers cached by what the model was sent (reused on a rerun)."""
        return self.root / "answer-cache.sqlite"

    @property
    def exports_dir(self) -> Path:
        """Evaluation exports (CSV, HTML) offered for download."""
        return self.root / "exports"


def workspace_for(
    workspaces_root: Path, key: str, copy_documents: bool = True, max_bytes: int | None = None
) -> Workspace:
    """The workspace of one browser session (or "cli"), under a name safe to use as a folder."""
    safe = _SAFE_ID.sub("_", key)[:64] or "default"
    return Workspace(workspaces_root / safe, copy_documents, max_bytes)
