"""The workshop as a facilitator runs it, in a real browser: lanes and models per round, the link, votes, the board.

The app listens on every interface (as on a LAN). The facilitator opens a room, whose link is the
machine's network address (never loopback when one exists) with a QR code; picks two lanes for
the round, the fine-tuned one on a shipped adapter that is not the scenario's own; runs an example
question from the evaluation set. Three participants open the shown link in their own browsers and
vote: two for answer A, one "tie". The reveal shows the reference answer and each lane with its
model. A second round, all three for A, then the leaderboard ranks the two lanes (on the
facilitator's page and the participants'), and the whole session downloads as JSON.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from playground.config import Settings
from playground.evaluation.reference import find_reference
from playground.scenarios import ScenarioCatalog
from playground.workshop.join_link import lan_address
from tests.browser.conftest import SMALL_LIMITS, open_identified, open_room, running_app

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ADAPTER = "support-tone"  # shipped, and not the first scenario's own adapter
CELLS = "[role=gridcell]"


@pytest.fixture(scope="module")
def lan_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on 0.0.0.0 (private: PLAYGROUND_PUBLIC=0), reached here on loopback."""
    environment = SMALL_LIMITS | {"GRADIO_SERVER_NAME": "0.0.0.0", "PLAYGROUND_PUBLIC": "0"}
    with running_app(tmp_path_factory.mktemp("arena") / "app.log", environment) as url:
        yield url


def _open(browser, url: str) -> tuple[object, object]:
    return open_identified(browser, url, width=1000, height=900)


def _pick(page, elem_id: str, option: str) -> None:
    page.locator(f"#{elem_id} input").click()
    page.get_by_role("option", name=option, exact=True).click()


def _vote(page, text: str, said: str) -> None:
    page.locator("#workshop-choice label").filter(has_text=re.compile(rf"^\s*{re.escape(text)}\s*$")).click()
    page.locator("#workshop-vote").click()
    page.locator("#workshop-join-status").filter(has_text=f"you voted {said}").wait_for()


def _run_round(host, participants: list, question: str, number: int) -> None:
    _pick(host, "workshop-examples", question)
    host.wait_for_function(
        f"() => document.querySelector('#workshop-question textarea').value === {json.dumps(question)}"
    )
    host.locator("#workshop-run").click()
    host.locator(f"#workshop-answers .workshop-round[data-round='{number}'][data-state='voting']").wait_for()
    for page in participants:
        page.locator(f"#workshop-join-answers .workshop-round[data-round='{number}'][data-state='voting']").wait_for()
        assert page.locator("#workshop-join-answers .workshop-choice").count() == 2
        markup = page.locator("#workshop-join-panel").inner_html()
        assert "data-lane" not in markup and ADAPTER not in markup, "a participant saw a lane before the reveal"


def _reveal(host, number: int) -> dict[str, tuple[str, str, int]]:
    """Reveal the round; each label's (lane, model, votes) as the facilitator's cards show them."""
    host.locator("#workshop-reveal").click()
    host.locator(f"#workshop-answers .workshop-round[data-round='{number}'][data-state='revealed']").wait_for()
    return {
        card.get_attribute("data-label"): (
            card.get_attribute("data-lane"),
            card.get_attribute("data-model"),
            int(card.get_attribute("data-votes")),
        )
        for card in host.locator("#workshop-answers .workshop-choice").all()
    }


def _board(host, rounds: int) -> list[list[str]]:
    board = host.locator("#workshop-leaderboard")
    header = lambda: [th.get_attribute("title") for th in board.locator("[role=columnheader]").all()]  # noqa: E731
    host.locator("#workshop-status").filter(has_text=f"Round {rounds} revealed").wait_for()
    board.locator(CELLS).filter(has_text=re.compile(r"^\s*2\s*$")).first.wait_for()  # the second rank is in
    rows = [
        [cell.text_content().strip() for cell in row.locator(CELLS).all()]
        for row in board.locator(f"[role=row]:has({CELLS})").all()
    ]
    return [header(), *rows]


def test_a_facilitator_runs_two_rounds_of_chosen_lanes_and_the_board_ranks_them(browser, lan_app: str) -> None:
    scenario = ScenarioCatalog(Settings().sample_data_dir).get()  # the page opens on the first scenario
    assert scenario.extra.get("adapter") != ADAPTER, "the adapter picked must differ from the scenario's own"
    first_question, second_question = scenario.example_questions[:2]
    reference = find_reference(scenario, first_question)
    assert reference is not None, "the example question is an item of the evaluation set"
    contexts = []
    try:
        context, host = _open(browser, lan_app)
        contexts.append(context)
        code, link = open_room(host)
        assert link.endswith(f"/?room={code}")
        qr = host.locator("#workshop-qr .workshop-join-qr")
        assert qr.locator("svg").count() == 1
        if lan_address() is not None:  # this machine has a network address: the link must use it
            assert urlsplit(link).hostname == lan_address() and qr.get_attribute("data-kind") == "lan"
        else:
            assert "Only this machine" in qr.inner_text()

        # The round's lanes: Prompting on the default model, Fine-tuned on a shipped adapter; no RAG.
        host.locator("#workshop-lanes .token").filter(has_text="RAG").locator(".token-remove").click()
        host.locator("#workshop-rag-model").wait_for(state="hidden")
        _pick(host, "workshop-finetuned-adapter", ADAPTER)

        participants = []
        for _ in range(3):  # each opens the link the page shows, in a browser of their own
            context, page = _open(browser, link)
            contexts.append(context)
            page.locator("#workshop-join-status").filter(has_text=f"Joined room {code}").wait_for()
            participants.append(page)
        host.locator("#workshop-status").filter(has_text="3 joined").wait_for()

        _run_round(host, participants, first_question, 1)
        first, second, third = participants
        _vote(first, "A", "A")
        _vote(second, "A", "A")
        _vote(third, "Tie: all as good", "tie")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        third.screenshot(path=str(SCREENSHOTS / "workshop-participant.png"), full_page=True)
        host.locator("#workshop-status").filter(has_text="3 vote(s) in").wait_for()

        cards = _reveal(host, 1)
        assert sorted(lane for lane, _, _ in cards.values()) == ["finetuned", "prompting"]
        assert {model for lane, model, _ in cards.values() if lane == "finetuned"} == {ADAPTER}
        assert sorted(votes for _, _, votes in cards.values()) == [0, 2]
        assert host.locator("#workshop-answers .workshop-other-votes").get_attribute("data-ties") == "1"
        shown = host.locator("#workshop-reference .reference-answer")
        shown.wait_for()
        assert shown.inner_text().strip() == reference.item.reference.strip()
        assert host.locator("#workshop-reference .workshop-score").count() == 2
        assert ADAPTER in host.locator("#workshop-reference").inner_text()
        wins = Counter({f"{lane} · {model}": votes for lane, model, votes in cards.values()})

        _run_round(host, participants, second_question, 2)
        for page in participants:
            _vote(page, "A", "A")
        host.locator("#workshop-status").filter(has_text="3 vote(s) in").wait_for()
        cards = _reveal(host, 2)
        wins.update({f"{lane} · {model}": votes for lane, model, votes in cards.values()})

        header, *rows = _board(host, 2)
        entrant, rating, votes_for, ties = (
            header.index(name) for name in ("lane · model", "rating", "votes for", "ties")
        )
        assert len(rows) == 2, rows
        leader = max(wins, key=wins.get)
        assert wins[leader] > min(wins.values())  # five votes in all: never a draw
        assert rows[0][entrant] == leader, (rows, wins)
        assert float(rows[0][rating]) > float(rows[1][rating])
        assert {row[ties] for row in rows} == {"1"}
        assert sorted(int(row[votes_for]) for row in rows) == sorted(wins.values())
        assert "half a win" in host.locator("#workshop-board-note").inner_text()
        for page in participants:  # the room sees the same board
            top = page.locator("#workshop-join-board tr[data-rank='1'] td").nth(1)
            top.filter(has_text=leader).wait_for()
            assert page.locator("#workshop-join-board tr[data-rank]").count() == 2

        with host.expect_download() as download:
            host.locator("#workshop-session-json").click()
        session = json.loads(Path(download.value.path()).read_text())
        assert [r["question"] for r in session["rounds"]] == [first_question, second_question]
        assert all({lane["lane"] for lane in r["lanes"]} == {"prompting", "finetuned"} for r in session["rounds"])
        assert session["rounds"][0]["votes"]["tie"] == 1
        assert session["leaderboard"]["standings"][0]["entrant"] == leader
    finally:
        for context in contexts:
            context.close()
