"""A workshop's export: the votes CSV and a brief with its votes section, revealed rounds only."""

from __future__ import annotations

import csv
import io
import random

from playground.costs.hardware import get_hardware
from playground.records import Answer, Passage, Usage
from playground.workshop.export import VOTE_COLUMNS, vote_rows, votes_csv, workshop_brief
from playground.workshop.rooms import Rooms


def _answer(lane: str, cost: float | None, text: str = "") -> Answer:
    passages = [Passage("faq.md", "text", 0.9)] if lane == "rag" else []
    return Answer(
        lane,
        "local/m",
        text=text or f"answer of {lane}",
        usage=Usage(100, 20),
        cost_usd=cost,
        ttft_s=0.2,
        latency_s=1.23456,
        passages=passages,
        done=True,
    )


def _room() -> tuple[Rooms, str, dict[str, str]]:
    rooms = Rooms(rng=random.Random(5))
    code = rooms.open()
    number = rooms.start_round(code, "Which plan?", ["prompting", "rag", "finetuned"])
    rooms.record_answers(
        code,
        number,
        {
            "prompting": _answer("prompting", 0.00002, "Use <b>Pro</b> | now"),
            "rag": _answer("rag", 0.00001),
            "finetuned": _answer("finetuned", None),
        },
    )
    labels = {c.lane: c.label for c in rooms.reveal(code).choices if c.lane}
    rooms.start_round(code, "Unrevealed?", ["prompting"])  # not exported until it is revealed
    return rooms, code, labels


def _vote(rooms: Rooms, code: str, labels: dict[str, str]) -> None:
    # Votes are cast before the reveal in real use; the tally is what matters here.
    room = rooms._rooms[code]
    room.rounds[0].votes = {"p1": labels["rag"], "p2": labels["rag"], "p3": labels["prompting"]}


def test_rows_put_votes_next_to_the_figures() -> None:
    rooms, code, labels = _room()
    _vote(rooms, code, labels)
    rows = {row["lane"]: row for row in vote_rows(rooms.tallies(code))}
    assert set(rows) == {"prompting", "rag", "finetuned"}  # the unrevealed round is left out
    assert rows["rag"]["votes"] == 2 and rows["rag"]["share"] == "67%" and rows["rag"]["sources"] == 1
    assert rows["prompting"]["label"] == labels["prompting"] and rows["prompting"]["votes"] == 1
    assert rows["finetuned"]["cost (USD)"] == "unknown"  # never a silent 0
    assert rows["prompting"]["cost (USD)"] == "0.000020" and rows["prompting"]["latency (s)"] == 1.235
    assert rows["prompting"]["prompt tokens"] == 100 and rows["prompting"]["status"] == "done"
    assert len(vote_rows(rooms.tallies(code), revealed_only=False)) == 4


def test_csv_has_a_header_and_one_line_per_answer() -> None:
    rooms, code, labels = _room()
    _vote(rooms, code, labels)
    parsed = list(csv.DictReader(io.StringIO(votes_csv(rooms.tallies(code)))))
    assert list(parsed[0]) == VOTE_COLUMNS
    assert {row["lane"]: row["votes"] for row in parsed} == {"prompting": "1", "rag": "2", "finetuned": "0"}


def test_the_brief_carries_the_votes_and_escapes_answers() -> None:
    rooms, code, labels = _room()
    _vote(rooms, code, labels)
    brief = workshop_brief("Pricing", "A demo.", rooms.tallies(code), get_hardware())
    markdown = brief.to_markdown()
    assert brief.questions == ["Which plan?"]
    assert "## Workshop votes" in markdown and "Unrevealed?" not in markdown
    assert f"| 1 | Which plan? | {labels['rag']} | rag | 2 | 67% |" in markdown
    assert "Votes per lane over all rounds: rag 2, prompting 1, finetuned 0 (of 3)" in markdown
    assert "no lane is recommended" in markdown
    page = brief.to_html()
    assert "Use &lt;b&gt;Pro&lt;/b&gt;" in page and "<b>Pro</b>" not in page
    assert "Workshop votes</h2>" in page


def test_a_brief_without_votes_says_so() -> None:
    rooms = Rooms(rng=random.Random(1))
    code = rooms.open()
    number = rooms.start_round(code, "Q?", ["prompting"])
    rooms.record_answers(code, number, {"prompting": _answer("prompting", 0.001)})
    rooms.reveal(code)
    brief = workshop_brief("S", "", rooms.tallies(code), get_hardware())
    assert "No votes were cast." in brief.to_markdown()
    assert brief.cost_lines[0].per_answer_usd == 0.001
