"""A reload keeps who you are: your upload and adapter, the room you run, the vote you cast.

The browser keeps a signed visitor id (playground/identity.py); each test reloads a real page and
checks that the new page speaks for the same visitor. It uses the shared browser app (conftest.py),
whose workspaces are this checkout's cache.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from playground.config import Settings
from tests.browser.conftest import identified, kb_documents, open_identified

pytestmark = pytest.mark.browser

DOCUMENT = "# Juniper Dock\n\nThe Juniper Dock ferry leaves at 6:40 and carries bicycles free of charge.\n"


@pytest.fixture(scope="module")
def app(app_url: str) -> tuple[str, Path]:
    """The shared browser app, and where it keeps visitors' workspaces (its cache is this checkout's)."""
    return app_url, Settings.from_env().workspaces_dir


def _open(browser, url: str):
    return open_identified(browser, url)


def _reload(page) -> None:
    page.reload()
    identified(page)


def _sessions(workspaces: Path) -> set[str]:
    return {p.name for p in workspaces.glob("session-*")} if workspaces.is_dir() else set()


def test_a_visitor_who_reloads_finds_their_upload_and_adapter(browser, app, tmp_path: Path) -> None:
    url, workspaces = app
    others = _sessions(workspaces)  # the shared app keeps earlier tests' visitors' workspaces
    context, page = _open(browser, url)
    try:
        page.get_by_role("tab", name="Knowledge").click()
        page.locator("#kb-stats").filter(has_text="chunks").wait_for()
        before = kb_documents(page)
        document = tmp_path / "juniper-dock.md"
        document.write_text(DOCUMENT)
        page.locator("#kb-upload input[type=file]").set_input_files(str(document))
        page.locator("#kb-add").click()
        page.locator("#kb-status").filter(has_text="added juniper-dock.md").wait_for()
        (folder,) = [workspaces / name for name in _sessions(workspaces) - others]
        adapter = folder / "adapters" / "my-reload-adapter"  # as a finished training job leaves it
        adapter.mkdir(parents=True)
        (adapter / "adapter_config.json").write_text("{}")
        (adapter / "card.json").write_text(json.dumps({"base_model": "smollm2-135m-instruct", "steps": 2}))

        _reload(page)
        page.get_by_role("tab", name="Knowledge").click()
        page.locator("#kb-stats").filter(has_text="chunks").wait_for()
        assert kb_documents(page) == before + 1
        page.locator("#kb-documents").filter(has_text="juniper-dock.md").wait_for()
        page.get_by_role("tab", name="Train").click()
        page.locator("#train-adapters").filter(has_text="my-reload-adapter").wait_for()
        assert _sessions(workspaces) - others == {folder.name}, "the reload opened a second workspace"
    finally:
        context.close()


def _field(page, elem_id: str):
    return page.locator(f"#{elem_id} input, #{elem_id} textarea").first


def _vote(page, label: str) -> None:
    page.locator("#workshop-choice label").filter(has_text=re.compile(rf"^\s*{label}\s*$")).click()
    page.locator("#workshop-vote").click()
    page.locator("#workshop-join-status").filter(has_text=f"you voted {label}").wait_for()


def test_a_facilitator_and_a_participant_who_reload_keep_the_room_and_one_vote(browser, app) -> None:
    url, _ = app
    contexts = []
    try:
        context, host = _open(browser, url)
        contexts.append(context)
        host.get_by_role("tab", name="Workshop").click()
        host.locator("#workshop-open").click()
        host.wait_for_function("el => el.value.length === 5", arg=_field(host, "workshop-code").element_handle())
        code = _field(host, "workshop-code").input_value()
        link = _field(host, "workshop-link").input_value()

        context, voter = _open(browser, link)
        contexts.append(context)
        voter.locator("#workshop-join-status").filter(has_text=f"Joined room {code}").wait_for()
        host.locator("#workshop-status").filter(has_text="1 joined").wait_for()
        _field(host, "workshop-question").fill("What is 2 + 2?")
        host.locator("#workshop-run").click()
        voter.locator("#workshop-join-answers .workshop-round[data-state='voting']").wait_for()
        _vote(voter, "A")
        host.locator("#workshop-status").filter(has_text="1 vote(s) in").wait_for()

        _reload(voter)  # a participant reloads: back in the room, their vote shown, and still one vote
        voter.locator("#workshop-join-status").filter(has_text="you voted A").wait_for()
        _vote(voter, "B")
        host.locator("#workshop-status").filter(has_text="1 vote(s) in from 1 joined").wait_for()

        _reload(host)  # the facilitator reloads: back in the room they run
        host.locator("#workshop-status").filter(has_text=f"Room {code}").wait_for()
        assert _field(host, "workshop-code").input_value() == code
        host.locator("#workshop-answers .workshop-round[data-state='voting']").wait_for()
        host.locator("#workshop-reveal").click()  # only the room's facilitator may: the reloaded page still is
        host.locator("#workshop-answers .workshop-round[data-state='revealed']").wait_for()
        votes = {
            card.get_attribute("data-label"): card.get_attribute("data-votes")
            for card in host.locator("#workshop-answers .workshop-choice").all()
        }
        assert votes["A"] == "0" and votes["B"] == "1" and sum(map(int, votes.values())) == 1
    finally:
        for context in contexts:
            context.close()
