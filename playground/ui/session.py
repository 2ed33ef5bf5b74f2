"""Which workspace a browser session works in, and how long it lives.

Each session gets its own workspace, so visitors never see each other's data. Its life follows
Gradio's own session lifecycle: a session state with a time to live whose delete callback releases
the workspace, a timer that renews the state while the session is in use, and the page's unload
event, which releases it at once (a reloaded page is a new session: the old workspace is
unreachable). With PLAYGROUND_SHARED_WORKSPACE every session shares one workspace that never expires.
"""

from __future__ import annotations

import functools
import inspect
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from playground.services import Services
from playground.workspace import Workspace

MAX_RENEW_INTERVAL_S = 60.0


def session_id(request: gr.Request | None) -> str:
    """The browser session behind a request ("anonymous" for a call without one)."""
    return getattr(request, "session_hash", None) or "anonymous"


def session_workspace(services: Services, request: gr.Request | None) -> Workspace:
    """The workspace of the browser session that made this request (marked as used now)."""
    return services.session_workspace(session_id(request))


def session_services(services: Services, request: gr.Request | None) -> Services:
    """The services as this session uses them: remote models called with the keys it entered."""
    return services.for_session(session_id(request))


def _request_of(args: tuple, kwargs: dict) -> gr.Request | None:
    return next((a for a in (*args, *kwargs.values()) if isinstance(a, gr.Request)), None)


def holds_workspace(services: Services) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a handler's session busy while it runs, so a long answer or evaluation is never "idle".

    The wrapper keeps the handler's signature (Gradio reads it for gr.Request and gr.Progress) and
    its kind (a generator stays a generator, so streaming still streams).
    """

    def decorate(handler: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.isgeneratorfunction(handler):

            @functools.wraps(handler)
            def streaming(*args: Any, **kwargs: Any) -> Any:
                with services.sessions.busy(session_id(_request_of(args, kwargs))):
                    yield from handler(*args, **kwargs)

            return streaming

        @functools.wraps(handler)
        def plain(*args: Any, **kwargs: Any) -> Any:
            with services.sessions.busy(session_id(_request_of(args, kwargs))):
                return handler(*args, **kwargs)

        return plain

    return decorate


def renew_interval_s(idle_s: float) -> float:
    """How often an open page renews its workspace's lease: well inside the idle time."""
    return max(1.0, min(MAX_RENEW_INTERVAL_S, idle_s / 4))


def attach_session_lifecycle(app: gr.Blocks, services: Services) -> None:
    """Release a session's workspace when its page closes or it has been idle too long.

    Call inside the app's Blocks context. The state holds the session id: when its time to live
    lapses, Gradio calls the delete callback, which removes the workspace if it really is idle.
    """
    if services.settings.shared_workspace:
        return  # one workspace for everyone, kept for the next start
    pool = services.sessions
    idle_s = services.settings.workspace_idle_s
    lease = gr.State(None, time_to_live=idle_s, delete_callback=lambda session: session and pool.expire(session))

    def renew(current: str | None, request: gr.Request) -> object:
        """Restart the state's time to live while the session keeps using its workspace."""
        session = session_id(request)
        idle = pool.idle_for(session)
        if idle is None or idle >= idle_s:
            return gr.skip()  # never used, or idle: let the time to live run out
        return session

    def close(request: gr.Request) -> None:
        pool.release(session_id(request))

    timer = gr.Timer(renew_interval_s(idle_s))
    timer.tick(renew, lease, lease, show_progress="hidden", queue=False)
    app.unload(close)


def export(folder: Path, name: str, text: str) -> str:
    """Write an export into the workspace's exports folder; the path Gradio may serve for download."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return downloadable(path)


def downloadable(path: Path) -> str:
    """A path Gradio may serve: an export kept in the workspace, copied into a private temp folder.

    Gradio only hands out files under the working directory or the system's temp folder, and the
    workspaces may live anywhere (`PLAYGROUND_CACHE`, a persistent disk); allowing that whole folder
    would expose other sessions' data, so each download gets its own copy.
    """
    folder = Path(tempfile.mkdtemp(prefix="playground-download-"))
    return str(shutil.copy2(path, folder / path.name))
