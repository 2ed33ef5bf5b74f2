"""Who a request comes from, which workspace that visitor works in, and how long it lives.

A visitor is the signed id their browser keeps (playground/identity.py) in a BrowserState with a
fixed key: each page sends it once, on load, and the server binds the page's Gradio session_hash
to it, so every handler gets the visitor's id from `session_id(services, request)` and a reload
finds the same workspace, keys, training job and workshop room. A page that never loaded (a raw
API client) gets an id of its own. Each visitor gets their own workspace, so visitors never see
each other's data. It goes once idle: a session state with a time to live whose delete callback
expires it, renewed by a timer while the page keeps using it, and a check after the page closes.
Nothing is removed while work still runs in it. With PLAYGROUND_SHARED_WORKSPACE every visitor
shares one workspace that never expires.
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
from gradio.events import Dependency

from playground.services import Services
from playground.workspace import Workspace

MAX_RENEW_INTERVAL_S = 60.0
STORAGE_KEY = "playground-id"  # fixed: a random one (Gradio's default) would change with every start
READY_JS = "() => { document.body.dataset.visitor = 'ready'; }"  # browser tests wait for it
IDENTIFY_WAIT_S = 2.0  # how long a request whose page has not been identified yet waits for its load


def session_id(services: Services, request: gr.Request | None, *, wait: bool = True) -> str:
    """The visitor behind a request: the id its page loaded with, or one of its own (never shared).

    Every tab's handlers ask here, so an early click is treated alike everywhere: a request that
    reached the server before its page's load event waits (IDENTIFY_WAIT_S at most) for that load
    to bind the page, then acts under the id the page gets (see playground/identity.py for why
    waiting, and what happens if the load is later still). A handler called directly, with no
    HTTP request behind it (tests), has no page on its way and does not wait.
    """
    live = getattr(request, "request", None) is not None
    wait_s = IDENTIFY_WAIT_S if wait and live else 0.0
    return services.identities.resolve(getattr(request, "session_hash", None), wait_s)


def session_workspace(services: Services, request: gr.Request | None) -> Workspace:
    """The workspace of the visitor who made this request (marked as used now)."""
    return services.session_workspace(session_id(services, request))


def session_services(services: Services, request: gr.Request | None) -> Services:
    """The services as this visitor uses them: remote models called with the keys they entered."""
    return services.for_session(session_id(services, request))


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
                with services.sessions.busy(services.pool_key(session_id(services, _request_of(args, kwargs)))):
                    yield from handler(*args, **kwargs)

            return streaming

        @functools.wraps(handler)
        def plain(*args: Any, **kwargs: Any) -> Any:
            with services.sessions.busy(services.pool_key(session_id(services, _request_of(args, kwargs)))):
                return handler(*args, **kwargs)

        return plain

    return decorate


def renew_interval_s(idle_s: float) -> float:
    """How often an open page renews its workspace's lease: well inside the idle time."""
    return max(1.0, min(MAX_RENEW_INTERVAL_S, idle_s / 4))


def attach_session_lifecycle(app: gr.Blocks, services: Services) -> Dependency:
    """Identify each page's visitor on load, and remove a visitor's workspace once it is idle.

    Call inside the app's Blocks context. Returns the load event: chain anything that must know
    the visitor on load (a workshop room to reconnect to) after it with `.then`.
    """
    identities = services.identities
    stored = gr.BrowserState(None, storage_key=STORAGE_KEY, secret=identities.signer.browser_secret)
    pool = services.sessions
    idle_s = services.settings.workspace_idle_s
    shared = services.settings.shared_workspace
    lease = gr.State(None, time_to_live=idle_s, delete_callback=lambda session: session and pool.expire(session))

    def arrive(token: object, request: gr.Request) -> list[object]:
        """Bind this page to the visitor's id (a new one if it had none or a forged one); store it."""
        identity, token = identities.arrive(request.session_hash, token)
        pool.touch(services.pool_key(identity))  # a reload is a use: the idle time starts again
        return [token, gr.skip() if shared else identity]

    arrived = app.load(arrive, stored, [stored, lease], queue=False, show_progress="hidden", api_visibility="private")
    arrived.then(None, js=READY_JS)
    if shared:
        return arrived  # one workspace for everyone, kept for the next start

    def renew(current: str | None, token: object, request: gr.Request) -> object:
        """Restart the state's time to live while the visitor keeps using their workspace."""
        identity = identities.signer.verify(token)
        if identity is not None:  # a page whose binding lapsed (a laptop asleep) speaks for its visitor again
            identities.bind(request.session_hash, identity)
        session = session_id(services, request, wait=False)  # the timer runs after the load: nothing to wait for
        idle = pool.idle_for(session)
        if idle is None or idle >= idle_s:
            return gr.skip()  # never used, or idle: let the time to live run out
        return session

    def close(request: gr.Request) -> None:
        """The page closed: a reload may come back to the workspace, so it goes only once idle."""
        identity = identities.leave(request.session_hash)
        if identity is not None:
            pool.expire_when_idle(identity)

    timer = gr.Timer(renew_interval_s(idle_s))
    timer.tick(renew, [lease, stored], lease, show_progress="hidden", queue=False)
    app.unload(close)
    return arrived


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
