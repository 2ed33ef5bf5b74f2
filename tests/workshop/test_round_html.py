"""The Workshop tab's answer cards: model output shown as text, lanes and votes only after the reveal."""

from __future__ import annotations

import random

from playground.records import Answer
from playground.ui.workshop_tab import round_html
from playground.workshop.rooms import Rooms


def _rooms() -> tuple[Rooms, str]:
    rooms = Rooms(rng=random.Random(2))
    code = rooms.open()
    number = rooms.start_round(code, "Who is <b>boss</b>?", ["prompting", "rag"])
    rooms.record_answers(
        code,
        number,
        {
            "prompting": Answer("prompting", "m", text="Ask <name> & <script>alert(1)</script>", done=True),
            "rag": Answer("rag", "m", text="RAG says hi", done=True),
        },
    )
    return rooms, code


def test_answers_and_question_are_escaped() -> None:
    rooms, code = _rooms()
    page = round_html(rooms.view(code).current)
    assert "Ask &lt;name&gt; &amp; &lt;script&gt;" in page and "<script>" not in page and "<name>" not in page
    assert "&lt;b&gt;boss&lt;/b&gt;" in page


def test_cards_name_lanes_and_votes_only_after_the_reveal() -> None:
    rooms, code = _rooms()
    rooms.vote(code, "p1", "A")
    before = round_html(rooms.view(code, "p1").current)
    assert "data-lane" not in before and "data-votes" not in before and 'data-state="voting"' in before
    assert "your vote" in before
    after = round_html(rooms.reveal(code))
    assert 'data-state="revealed"' in after and 'data-lane="prompting"' in after and 'data-lane="rag"' in after
    assert 'data-votes="1"' in after and "Prompting" in after


def test_no_round_shows_the_waiting_line() -> None:
    assert "Waiting for the facilitator" in round_html(None)
