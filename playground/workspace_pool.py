"""The visitors' workspaces: opened on first use, touched on every use, removed once idle.

A session here is a visitor's id (playground/identity.py: signed, kept by the browser across
reloads), never a page. The pool only keeps the books (which workspace exists, when it was last
used, what is running in it) and removes a workspace's folder when asked. *When* to ask is decided
by the UI (a session state with a time to live, a check after a page closes); the pool answers
"has it really been idle that long, with nothing running?", so neither a closed page nor a reload
removes a workspace under work that is still going. Workspaces left on disk by an earlier process
are removed at start: their files were never meant to outlive it.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from playground.provider_keys import ProviderKeys
from playground.workspace import Workspace, workspace_for

log = logging.getLogger(__name__)

Schedule = Callable[[float, Callable[[], None]], None]


def _later(delay_s: float, action: Callable[[], None]) -> None:
    """Run `action` once, `delay_s` from now, on a daemon thread (it never holds the process open)."""
    timer = threading.Timer(delay_s, action)
    timer.daemon = True
    timer.start()


SESSION_PREFIX = "session-"
SINGLE_USER_KEY = "local"  # the one workspace of a single-user app (PLAYGROUND_SHARED_WORKSPACE)


class WorkspacePool:
    """Per-visitor workspaces under `root`, each capped at `max_bytes` of disk.

    With `single_user` (PLAYGROUND_SHARED_WORKSPACE) the SINGLE_USER_KEY workspace never expires and
    outlives a restart; otherwise no key is special.
    """

    def __init__(
        self,
        root: Path,
        *,
        idle_s: float,
        max_bytes: int,
        on_release: Callable[[Workspace], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        single_user: bool = False,
        schedule: Schedule = _later,
    ) -> None:
        self.root = Path(root)
        self._kept = self.key_for(SINGLE_USER_KEY) if single_user else None
        self.idle_s = idle_s
        self.max_bytes = max_bytes
        self._on_release = on_release
        self._clock = clock
        self._last_used: dict[str, float] = {}
        self._open: dict[str, Workspace] = {}  # one object per workspace: its copy lock is shared
        self._keys: dict[str, ProviderKeys] = {}  # in memory only, gone with the session
        self._busy: dict[str, int] = {}  # requests of each session still running (never idle meanwhile)
        self._schedule = schedule
        self._watched: set[str] = set()  # sessions with a check pending (expire_when_idle)
        self._lock = threading.Lock()

    @staticmethod
    def key_for(session: str) -> str:
        return f"{SESSION_PREFIX}{session}"

    def open(self, session: str) -> Workspace:
        """The session's workspace, marked as used now."""
        key = self.key_for(session)
        with self._lock:
            now = self._clock()
            self._last_used[key] = now
            if key not in self._open:
                self._open[key] = workspace_for(self.root, key, max_bytes=self.max_bytes)
            workspace = self._open[key]
        # A client without a page (the API, a script) has no session state to expire: its idle
        # workspace goes when someone else next opens one.
        self.sweep()
        return workspace

    def sweep(self) -> list[str]:
        """Remove every workspace idle for `idle_s` with nothing running in it; the sessions removed."""
        with self._lock:
            now = self._clock()
            stale = [
                k.removeprefix(SESSION_PREFIX)
                for k, used in self._last_used.items()
                if k != self._kept and now - used >= self.idle_s and not self._busy.get(k)
            ]
        return [session for session in stale if self.expire(session)]

    def touch(self, session: str) -> None:
        with self._lock:
            key = self.key_for(session)
            if key in self._last_used:
                self._last_used[key] = self._clock()

    def set_keys(self, session: str, keys: ProviderKeys) -> None:
        """The session's provider keys (memory only; dropped when the session is released)."""
        with self._lock:
            self._keys[self.key_for(session)] = keys

    def keys(self, session: str) -> ProviderKeys:
        with self._lock:
            return self._keys.get(self.key_for(session)) or ProviderKeys()

    @contextmanager
    def busy(self, session: str) -> Iterator[None]:
        """While this block runs (an answer streaming, an evaluation) the session is never idle."""
        key = self.key_for(session)
        with self._lock:
            self._busy[key] = self._busy.get(key, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                self._busy[key] -= 1
                if not self._busy[key]:
                    del self._busy[key]
                if key in self._last_used:
                    self._last_used[key] = self._clock()

    def idle_for(self, session: str) -> float | None:
        """Seconds since the session last used its workspace (None: it has none open; 0 while busy)."""
        key = self.key_for(session)
        with self._lock:
            used = self._last_used.get(key)
            if used is not None and self._busy.get(key):
                return 0.0
        return None if used is None else self._clock() - used

    def sessions(self) -> list[str]:
        with self._lock:
            return [key.removeprefix(SESSION_PREFIX) for key in self._last_used]

    def expire(self, session: str) -> bool:
        """Release the workspace if it has been idle for `idle_s` (never while busy); True when released."""
        if self.key_for(session) == self._kept:
            return False
        idle = self.idle_for(session)
        if idle is None or idle < self.idle_s:
            return False
        self.release(session)
        return True

    def expire_when_idle(self, session: str) -> None:
        """Remove the workspace once it has been idle for `idle_s`, checking again until then.

        For a page that closed: a reload within the idle time finds the workspace as it was, and
        work still running in it (an evaluation) is never cut short.
        """
        with self._lock:
            if session in self._watched or self.key_for(session) == self._kept:
                return
            self._watched.add(session)
        self._check(session)

    def _check(self, session: str) -> None:
        idle = self.idle_for(session)
        if idle is None or self.expire(session):
            with self._lock:
                self._watched.discard(session)
            return
        self._schedule(max(1.0, self.idle_s - idle) + 0.5, lambda: self._check(session))

    def release(self, session: str) -> None:
        """Stop what the workspace has running and remove it from disk (now, idle or not: not for the UI)."""
        key = self.key_for(session)
        with self._lock:
            self._last_used.pop(key, None)
            self._keys.pop(key, None)
            workspace = self._open.pop(key, None) or workspace_for(self.root, key, max_bytes=self.max_bytes)
        if self._on_release is not None:
            try:
                self._on_release(workspace)
            except Exception:  # a failed clean-up must not keep the folder
                log.exception("releasing workspace %s", workspace.root.name)
        shutil.rmtree(workspace.root, ignore_errors=True)
        log.info("workspace %s removed", workspace.root.name)

    def remove_leftovers(self) -> int:
        """Remove session workspaces an earlier process left behind (at start, before any visitor).

        The single-user workspace stays: on a one-person app it is meant to outlive a restart.
        """
        if not self.root.is_dir():
            return 0
        removed = 0
        for folder in self.root.iterdir():
            if folder.is_dir() and folder.name.startswith(SESSION_PREFIX) and folder.name != self._kept:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        for partial in self.root.glob("*/**/.*"):  # a killed copy or training run's staging folder
            if partial.is_dir():
                shutil.rmtree(partial, ignore_errors=True)
                removed += 1
        return removed
