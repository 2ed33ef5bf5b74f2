"""Pages speak for the visitor id their browser stored: a reload keeps the workspace, the room and the vote.

The handlers are called directly, as Gradio calls them: each page is a new session_hash, and the
browser's stored token is what the load event gets.
"""

from __future__ import annotations

import random
import threading
import time
import warnings
from pathlib import Path

import gradio as gr
import pytest

from playground.config import Settings
from playground.records import Answer
from playground.scenarios import ScenarioCatalog
from playground.services import Services
from playground.ui.session import attach_session_lifecycle, session_id, session_workspace
from playground.ui.workshop_tab import build_workshop_tab
from playground.workshop.rooms import NotHostError, Rooms
from tests.fakes import FakeGateway

LANES = ["prompting", "rag"]


class Page:
    """One page load: its own session_hash, the handlers of the app it was served by."""

    def __init__(self, app: gr.Blocks, name: str, url: str = "http://127.0.0.1:7860/") -> None:
        self.fns = {fn.name: fn.fn for fn in app.fns.values()}
        self.request = gr.Request(session_hash=name, query_params={})
        self.url = url

    def arrive(self, stored: object) -> str:
        """The load event with what the browser had stored; returns what it stores now."""
        token, _ = self.fns["arrive"](stored, self.request)
        return token

    def __call__(self, name: str, *args: object) -> object:
        with warnings.catch_warnings(record=True) as self.warned:  # gr.Warning outside a running app
            warnings.simplefilter("always")
            return self.fns[name](self.request, *args)


@pytest.fixture
def services(tmp_path: Path, scenario_root: Path) -> Services:
    settings = Settings(sample_data_dir=scenario_root, cache_dir=tmp_path / "cache", workspace_idle_s=60)
    services = Services(settings=settings, gateway=FakeGateway(), scenarios=ScenarioCatalog(scenario_root))
    services.model_choices = lambda: ["fake/m"]  # the fake gateway lists no models
    return services


@pytest.fixture
def rooms() -> Rooms:
    return Rooms(idle_s=600, rng=random.Random(3))


@pytest.fixture
def app(services: Services, rooms: Rooms) -> gr.Blocks:
    with gr.Blocks() as app:
        arrived = attach_session_lifecycle(app, services)
        picker = gr.Dropdown(["demo"], value="demo")
        build_workshop_tab(services, picker, None, arrived, rooms=rooms)
    return app


def test_a_reloaded_page_works_in_the_same_workspace_and_a_forged_id_gets_a_new_one(app, services) -> None:
    first = Page(app, "page-1")
    token = first.arrive(None)  # a new browser
    workspace = session_workspace(services, first.request)
    (workspace.root / "upload.md").parent.mkdir(parents=True, exist_ok=True)
    (workspace.root / "upload.md").write_text("mine")

    first.fns["close"](first.request)  # the reload closes the old page...
    assert workspace.root.is_dir(), "closing the page removed the workspace a reload comes back to"
    second = Page(app, "page-2")
    assert second.arrive(token) == token  # ...and the new one loads with the stored id
    assert session_workspace(services, second.request).root == workspace.root
    assert (workspace.root / "upload.md").read_text() == "mine"

    identity, signature = token.split(".")
    for forged in (f"{identity}.{signature[::-1]}", "local", "anonymous", {"id": identity}):
        intruder = Page(app, f"intruder-{len(str(forged))}")
        replaced = intruder.arrive(forged)
        assert replaced != forged and services.identities.signer.verify(replaced) is not None
        assert session_workspace(services, intruder.request).root != workspace.root


def test_a_client_that_skipped_the_page_load_gets_its_own_id_never_a_shared_one(app, services) -> None:
    script_a, script_b = gr.Request(session_hash="script-a"), gr.Request(session_hash="script-b")
    ids = {session_id(services, script_a), session_id(services, script_b), session_id(services, None)}
    assert len(ids) == 3 and "anonymous" not in ids
    assert session_id(services, script_a) == session_id(services, script_a)


def test_a_facilitator_who_reloads_is_back_in_the_room_and_a_stranger_cannot_run_it(app, services, rooms) -> None:
    host = Page(app, "host-1")
    token = host.arrive(None)
    opened = host("open_new", host.url)
    code = opened[0]
    assert len(code) == 5

    reloaded = Page(app, "host-2")
    reloaded.arrive(token)
    landing = reloaded("land", reloaded.url)
    facilitator = landing[-8:]  # room state, code box, link, status, answers, timer, QR code, leaderboard
    assert facilitator[:3] == [code, code, f"http://127.0.0.1:7860/?room={code}"]
    assert "joined" in facilitator[3]
    rooms.start_round(code, "Why?", LANES, host=session_id(services, reloaded.request))  # still the host

    stranger = Page(app, "stranger")
    stranger.arrive(None)
    assert all(update is gr.skip() or update == gr.skip() for update in stranger("land", stranger.url))
    with pytest.raises(NotHostError):
        rooms.reveal(code, host=session_id(services, stranger.request))


def _round_ready(rooms: Rooms, code: str, host: str) -> None:
    number = rooms.start_round(code, "Which is best?", LANES, host=host)
    rooms.record_answers(code, number, {lane: Answer(lane, "m", text=lane, done=True) for lane in LANES}, host=host)


def test_a_participant_who_reloads_sees_their_vote_and_cannot_vote_twice(app, services, rooms) -> None:
    host = Page(app, "host")
    host.arrive(None)
    code = host("open_new", host.url)[0]
    _round_ready(rooms, code, session_id(services, host.request))

    voter = Page(app, "voter-1")
    token = voter.arrive(None)
    voter("enter", code)
    voter("cast", code, "A", None)
    assert rooms.view(code).current.votes_cast == 1

    reloaded = Page(app, "voter-2")
    reloaded.arrive(token)
    landing = reloaded("land", reloaded.url)  # no link: back in the room they joined
    assert code in landing and any("you voted **A**" in str(update) for update in landing)
    reloaded("cast", code, "B", None)  # a second vote replaces the first
    view = rooms.view(code)
    assert view.current.votes_cast == 1 and view.participants == 1
    rooms.reveal(code, host=session_id(services, host.request))
    assert {c.label: c.votes for c in rooms.view(code).current.choices} == {"A": 0, "B": 1}


def test_a_tie_vote_and_the_leaderboard_survive_a_reload(app, services, rooms) -> None:
    host = Page(app, "board-host")
    token = host.arrive(None)
    code = host("open_new", host.url)[0]
    _round_ready(rooms, code, session_id(services, host.request))
    for name, label in (("v1", "A"), ("v2", "A"), ("v3", "TIE")):
        voter = Page(app, name)
        voter.arrive(None)
        voter("enter", code)
        status, _ = voter("cast", code, label, None)
        assert ("you voted **tie**" if label == "TIE" else f"you voted **{label}**") in status
    rooms.reveal(code, host=session_id(services, host.request))

    reloaded = Page(app, "board-host-2")
    reloaded.arrive(token)
    board = reloaded("land", reloaded.url)[-1]  # the facilitator's leaderboard, rebuilt from the room
    assert list(board["rank"]) == [1, 2] and list(board["votes for"]) == [2, 0] and list(board["ties"]) == [1, 1]
    assert board["rating"].iloc[0] > board["rating"].iloc[1]


def test_a_click_that_reached_the_server_before_its_page_load_works_in_the_visitors_workspace(app, services) -> None:
    first = Page(app, "page-1")
    token = first.arrive(None)
    mine = session_workspace(services, first.request).root
    reloaded = Page(app, "page-2")
    live = gr.Request(request=object(), session_hash="page-2")  # as the server builds it: an HTTP request behind it
    found: list[Path] = []
    click = threading.Thread(target=lambda: found.append(session_workspace(services, live).root))
    click.start()  # the click's request is handled first...
    time.sleep(0.2)
    reloaded.arrive(token)  # ...the page's load event a moment later
    click.join(5)
    assert found == [mine]


def test_every_tab_resolves_its_visitor_through_session_id() -> None:
    """Only ui/session.py reads Gradio's session_hash: a tab reading it itself would skip the wait."""
    ui = Path(__file__).resolve().parents[2] / "playground" / "ui"
    readers = [p.name for p in ui.glob("*.py") if "session_hash" in p.read_text() and p.name != "session.py"]
    assert readers == []
