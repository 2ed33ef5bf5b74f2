"""The Workshop tab in a real browser: a facilitator and three participants, each in their own browser context.

The facilitator opens a room and runs a round; two participants join by the link, one by the typed
code; two vote A and one B (after first voting A: a re-vote replaces the vote); the facilitator
reveals, and the counts stand against the lanes that wrote A and B. Until the reveal, no participant
sees a lane's name.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from playground.lanes import default_lanes, get_lane
from tests.browser.conftest import open_room

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"  # shown in the README
LANE_WORDS = re.compile(
    r"\b(" + "|".join(re.escape(w) for n in default_lanes() for w in (n, get_lane(n).title)) + r")\b",
    re.IGNORECASE,
)


def _open(browser, url: str) -> tuple[object, object]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(240_000)
    page.goto(url)
    return context, page


def _assert_anonymous(page, when: str) -> None:
    panel = page.locator("#workshop-join-panel")
    text, markup = panel.inner_text(), panel.inner_html()
    assert not LANE_WORDS.search(text), f"a participant saw a lane's name {when}: {text!r}"
    assert "data-lane" not in markup and not LANE_WORDS.search(markup), f"a lane's name is in the page {when}"


def _vote(page, label: str) -> None:
    page.locator("#workshop-choice label").filter(has_text=re.compile(rf"^\s*{label}\s*$")).click()
    page.locator("#workshop-vote").click()
    page.locator("#workshop-join-status").filter(has_text=f"you voted {label}").wait_for()


def test_a_room_votes_on_anonymous_answers_then_sees_the_lanes(browser, app_url: str) -> None:
    contexts = []
    try:
        context, host = _open(browser, app_url)
        contexts.append(context)
        code, link = open_room(host)
        assert link == f"{app_url.rstrip('/')}/?room={code}"

        participants = []
        for _ in range(2):  # by the link: it opens the Workshop tab in Join mode and joins
            context, page = _open(browser, link)
            contexts.append(context)
            participants.append(page)
        context, typed = _open(browser, app_url)  # by the code, typed in lower case
        contexts.append(context)
        typed.get_by_role("tab", name="Workshop").click()
        typed.get_by_role("tab", name="Join").click()
        typed.locator("#workshop-join-code input, #workshop-join-code textarea").first.fill(code.lower())
        typed.locator("#workshop-join").click()
        participants.append(typed)
        for page in participants:
            page.locator("#workshop-join-status").filter(has_text=f"Joined room {code}").wait_for()
            _assert_anonymous(page, "after joining")
        host.locator("#workshop-status").filter(has_text="3 joined").wait_for()

        host.locator("#workshop-question textarea").fill("What is 2 + 2?")
        host.locator("#workshop-run").click()
        host.locator("#workshop-answers .workshop-round[data-state='voting']").wait_for()
        assert not LANE_WORDS.search(host.locator("#workshop-answers").inner_text())  # the screen is projected
        for page in participants:
            page.locator("#workshop-join-answers .workshop-round[data-state='voting']").wait_for()
            assert page.locator("#workshop-join-answers .workshop-choice").count() == len(default_lanes())
            _assert_anonymous(page, "while voting")

        first, second, third = participants
        _vote(first, "A")
        _vote(second, "A")
        _vote(third, "A")
        _vote(third, "B")  # a change of mind replaces the earlier vote
        for page in participants:
            _assert_anonymous(page, "after voting")
        host.locator("#workshop-status").filter(has_text="3 vote(s) in").wait_for()

        host.locator("#workshop-reveal").click()
        host.locator("#workshop-answers .workshop-round[data-state='revealed']").wait_for()
        cards = {
            card.get_attribute("data-label"): (card.get_attribute("data-lane"), card.get_attribute("data-votes"))
            for card in host.locator("#workshop-answers .workshop-choice").all()
        }
        assert sorted(lane for lane, _ in cards.values()) == sorted(default_lanes())
        assert {label: votes for label, (_, votes) in cards.items()} == {"A": "2", "B": "1", "C": "0"}
        lane_a, lane_b = cards["A"][0], cards["B"][0]

        tally = host.locator("#workshop-tally")
        cells = "[role=gridcell]"
        tally.locator(cells).filter(has_text=re.compile(rf"^\s*{lane_a}\s*$")).first.wait_for(timeout=30_000)
        header = [th.get_attribute("title") for th in tally.locator("[role=columnheader]").all()]
        rows = [
            [cell.text_content().strip() for cell in row.locator(cells).all()]
            for row in tally.locator(f"[role=row]:has({cells})").all()
        ]
        lane_at, votes_at = header.index("lane"), header.index("votes")
        by_lane = {row[lane_at]: row[votes_at] for row in rows}
        assert by_lane[lane_a] == "2" and by_lane[lane_b] == "1", (header, rows)

        for page in participants:  # the room sees the reveal too
            page.locator("#workshop-join-answers .workshop-round[data-state='revealed']").wait_for()
            assert page.locator("#workshop-join-answers [data-label='A']").get_attribute("data-lane") == lane_a
            assert get_lane(lane_a).title in page.locator("#workshop-join-answers").inner_text()

        with host.expect_download() as download:
            host.locator("#workshop-csv").click()
        exported = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
        assert {row["lane"]: row["votes"] for row in exported}[lane_a] == "2"
        assert host.locator("#workshop-brief-md").is_visible() and host.locator("#workshop-brief-html").is_visible()

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        host.screenshot(path=str(SCREENSHOTS / "workshop-round.png"), full_page=True)
    finally:
        for context in contexts:
            context.close()
