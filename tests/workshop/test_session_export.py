"""The whole session as JSON and a Markdown brief: every round's lanes, models, answers and votes, the leaderboard."""

from __future__ import annotations

import json
import random

from playground.records import Answer, Usage
from playground.workshop.rooms import Rooms
from playground.workshop.session_export import session_json, session_markdown, session_record

ENTRANTS = {"prompting": "prompting · local/m", "finetuned": "finetuned · support-tone"}


def _answer(lane: str) -> Answer:
    model = "local/m::support-tone" if lane == "finetuned" else "local/m"
    return Answer(lane, model, text=f"answer of {lane}\nsecond line", usage=Usage(50, 9), latency_s=0.5, done=True)


def _session() -> tuple[Rooms, str]:
    rooms = Rooms(rng=random.Random(3))
    code = rooms.open()
    for question, votes in (("Why?", ["A", "TIE", "ALL BAD"]), ("How?", ["B", "B"])):
        number = rooms.start_round(code, question, list(ENTRANTS), entrants=ENTRANTS)
        rooms.record_answers(code, number, {lane: _answer(lane) for lane in ENTRANTS})
        for i, vote in enumerate(votes):
            rooms.vote(code, f"p{i}", vote)
        rooms.reveal(code)
    number = rooms.start_round(code, "Open?", list(ENTRANTS), entrants=ENTRANTS)  # a third round, not revealed
    rooms.record_answers(code, number, {lane: _answer(lane) for lane in ENTRANTS})
    rooms.vote(code, "p0", "A")
    return rooms, code


def test_every_round_is_exported_with_lanes_models_answers_and_votes() -> None:
    rooms, code = _session()
    record = json.loads(session_json(session_record(code, rooms.tallies(code), rooms.round_votes(code))))
    assert [r["question"] for r in record["rounds"]] == ["Why?", "How?", "Open?"]
    first = record["rounds"][0]
    assert first["votes"]["tie"] == 1 and first["votes"]["all_bad"] == 1
    assert sum(first["votes"][lane["label"]] for lane in first["lanes"]) == 1
    lanes = {lane["lane"]: lane for lane in first["lanes"]}
    assert lanes["finetuned"]["entrant"] == "finetuned · support-tone"
    assert "support-tone" in lanes["finetuned"]["model"]
    assert lanes["prompting"]["answer"] == "answer of prompting\nsecond line"
    assert lanes["prompting"]["completion_tokens"] == 9
    board = record["leaderboard"]
    assert board["votes"] == 5 and board["ties"] == 1 and board["all_bad"] == 1  # the open round's vote is not in
    assert [s["rank"] for s in board["standings"]] == [1, 2]
    for standing in board["standings"]:
        low, high = standing["interval_95"]
        assert low <= standing["rating"] <= high
    assert "half a win" in board["method"]
    assert record["rounds"][2]["revealed"] is False


def test_the_markdown_brief_leads_with_the_leaderboard_and_quotes_every_answer() -> None:
    rooms, code = _session()
    text = session_markdown(session_record(code, rooms.tallies(code), rooms.round_votes(code)))
    assert text.index("## Leaderboard") < text.index("## Round 1")
    assert "| 1 | " in text and "finetuned · support-tone" in text
    assert "## Round 3 (not revealed: votes still open)" in text
    assert text.count("> answer of prompting") == 3 and "> second line" in text
    assert "p0" not in text  # no participant id leaves the app
