"""A whole workshop session as one download: JSON for tools, a Markdown brief for people.

Both hold every round (its question, the lanes with the model each ran on, their answers and
measured figures, the votes including "tie" and "all bad") and the leaderboard over the revealed
rounds. Votes are counts per answer: no participant's id leaves the app.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from playground.model_ref import ModelRef
from playground.workshop.leaderboard import ALL_BAD, TIE, Leaderboard, leaderboard
from playground.workshop.rooms import RoundVotes, Tally

METHOD = (
    "Bradley-Terry ratings (choix) on the Elo scale (1000 + 400·θ/ln 10) from the revealed rounds' votes: "
    "a vote for one answer beats each other answer of its round; a tie vote is half a win each way for every "
    "pair; an all-bad vote is counted but is no comparison. Interval: 95% bootstrap over the votes (fixed seed)."
)
BOARD_HEAD = "| rank | lane · model | rating | 95% interval | votes for | ties | all bad |"


def session_board(votes: Sequence[RoundVotes]) -> Leaderboard:
    """The leaderboard over the revealed rounds (a round's vote is final once its lanes are shown)."""
    return leaderboard([ballot for round_ in votes if round_.revealed for ballot in round_.ballots()])


def _lane(tally: Tally) -> dict[str, Any]:
    answer = tally.answer
    usage = answer.usage if answer is not None else None
    return {
        "label": tally.label,
        "lane": tally.lane,
        "entrant": tally.entrant or tally.lane,
        "model": str(ModelRef.parse(answer.model)) if answer is not None else None,
        "answer": answer.text if answer is not None else None,
        "error": answer.error if answer is not None else None,
        "votes": tally.votes,
        "prompt_tokens": usage.prompt_tokens if usage is not None else None,
        "completion_tokens": usage.completion_tokens if usage is not None else None,
        "cost_usd": answer.cost_usd if answer is not None else None,
        "latency_s": round(answer.latency_s, 3) if answer is not None and answer.latency_s is not None else None,
    }


def session_record(code: str, tallies: Sequence[Tally], votes: Sequence[RoundVotes]) -> dict[str, Any]:
    """The session as plain data: rounds with lanes, models, answers and votes; the leaderboard."""
    board = session_board(votes)
    rounds = [
        {
            "round": round_.number,
            "question": round_.question,
            "revealed": round_.revealed,
            "lanes": [_lane(t) for t in tallies if t.round == round_.number],
            "votes": {
                **{label: round_.counts.get(label, 0) for label in round_.entrants},
                "tie": round_.counts.get(TIE, 0),
                "all_bad": round_.counts.get(ALL_BAD, 0),
            },
        }
        for round_ in votes
    ]
    standings = [
        {
            "rank": s.rank,
            "entrant": s.entrant,
            "rating": s.rating,
            "interval_95": [s.low, s.high],
            "votes_for": s.wins,
            "ties": s.ties,
            "all_bad": s.all_bad,
            "votes_in_its_rounds": s.ballots,
        }
        for s in board.standings
    ]
    return {
        "room": code,
        "rounds": rounds,
        "leaderboard": {
            "method": METHOD,
            "votes": board.votes,
            "ties": board.ties,
            "all_bad": board.all_bad,
            "comparisons": board.comparisons,
            "standings": standings,
        },
    }


def session_json(record: dict[str, Any]) -> str:
    """The record as indented JSON."""
    return json.dumps(record, indent=2, ensure_ascii=False) + "\n"


def _cell(value: object) -> str:
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")


def _quoted(text: str | None) -> str:
    lines = (text or "(no answer)").splitlines() or [""]
    return "\n".join(f"> {line}" for line in lines)


def session_markdown(record: dict[str, Any]) -> str:
    """The record as a Markdown brief: the leaderboard first, then each round with its answers."""
    board = record["leaderboard"]
    out = [f"# Workshop {record['room']}: the room's verdict", "", "## Leaderboard", "", board["method"], ""]
    if board["standings"]:
        out += [
            "| rank | lane · model | rating | 95% interval | votes for | ties | all bad |",
            "|---|---|---|---|---|---|---|",
        ]
        for s in board["standings"]:
            low, high = s["interval_95"]
            out.append(
                f"| {s['rank']} | {_cell(s['entrant'])} | {s['rating']:.0f} | {low:.0f}-{high:.0f} | "
                f"{s['votes_for']} | {s['ties']} | {s['all_bad']} |"
            )
    else:
        out.append("No revealed round yet.")
    out += ["", f"{board['votes']} vote(s): {board['ties']} tie, {board['all_bad']} all bad.", ""]
    for round_ in record["rounds"]:
        state = "" if round_["revealed"] else " (not revealed: votes still open)"
        out += [f"## Round {round_['round']}{state}", "", f"**Question:** {_cell(round_['question'])}", ""]
        votes = round_["votes"]
        out += [f"Votes: tie {votes['tie']}, all bad {votes['all_bad']}.", ""]
        for lane in round_["lanes"]:
            out += [
                f"### Answer {lane['label']} · {_cell(lane['entrant'])} ({lane['votes']} vote(s))",
                "",
                f"Model: `{lane['model']}`" + (f" · error: {_cell(lane['error'])}" if lane["error"] else ""),
                "",
                _quoted(lane["answer"]),
                "",
            ]
    return "\n".join(out).rstrip() + "\n"
