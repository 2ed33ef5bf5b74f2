"""A workshop's votes for the facilitator: table rows, a CSV, and a brief with a "Workshop votes" section.

Only revealed rounds are exported: a round's vote is final once its lanes are shown. Each row puts
an answer's votes next to what was measured for it (tokens, cost, latency, sources, status), so the
room's preference can be weighed against what each lane costs.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from statistics import mean
from typing import Any

from playground.brief.criteria import Criteria
from playground.brief.document import Brief
from playground.brief.recommend import Recommendation
from playground.costs.charts import break_even_figure
from playground.costs.hardware import Hardware
from playground.costs.projection import LaneCostLine, break_evens
from playground.model_ref import ModelRef
from playground.records import Answer
from playground.workshop.rooms import Tally

VOTE_COLUMNS = [
    "round",
    "question",
    "label",
    "lane",
    "votes",
    "share",
    "model",
    "prompt tokens",
    "completion tokens",
    "cost (USD)",
    "TTFT (s)",
    "latency (s)",
    "sources",
    "status",
]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _status(answer: Answer | None) -> str:
    if answer is None:
        return "no answer"
    if answer.error:
        return f"error: {answer.error}"
    return "done" if answer.done else "running"


def vote_rows(tallies: list[Tally], revealed_only: bool = True) -> list[dict[str, Any]]:
    """One row per answer: its round, label, lane, votes and share of the round's votes, and its figures."""
    chosen = [t for t in tallies if t.revealed or not revealed_only]
    totals = Counter[int]()
    for tally in chosen:
        totals[tally.round] += tally.votes
    rows = []
    for tally in chosen:
        answer = tally.answer
        measured = answer if answer is not None and answer.done and not answer.error else None  # figures to show
        total = totals[tally.round]
        rows.append(
            {
                "round": tally.round,
                "question": tally.question,
                "label": tally.label,
                "lane": tally.lane,
                "votes": tally.votes,
                "share": f"{tally.votes / total:.0%}" if total else "—",
                "model": str(ModelRef.parse(answer.model)) if answer is not None else "",  # an adapter by name
                "prompt tokens": measured.usage.prompt_tokens if measured else None,
                "completion tokens": measured.usage.completion_tokens if measured else None,
                "cost (USD)": _cost(measured) if measured else None,
                "TTFT (s)": _rounded(measured.ttft_s) if measured else None,
                "latency (s)": _rounded(measured.latency_s) if measured else None,
                "sources": len(answer.passages) if answer is not None else 0,
                "status": _status(answer),
            }
        )
    return rows


def _cost(answer: Answer | None) -> str:
    """A cost as a plain number a spreadsheet reads, or "unknown" (never a silent 0)."""
    if answer is None or answer.cost_usd is None:
        return "unknown"
    return f"{answer.cost_usd:.6f}"


def votes_csv(tallies: list[Tally]) -> str:
    """The revealed rounds' rows as CSV text (a header row first)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=VOTE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in vote_rows(tallies):
        writer.writerow({column: "" if row[column] is None else row[column] for column in VOTE_COLUMNS})
    return out.getvalue()


def _per_answer_cost(answers: list[Answer]) -> float | None:
    """The mean cost of a lane's measured answers; unknown when any of them is."""
    measured = [a for a in answers if a.done and not a.error]
    if not measured or any(a.cost_usd is None for a in measured):
        return None
    return mean(a.cost_usd for a in measured if a.cost_usd is not None)


def _summary(tallies: list[Tally]) -> str:
    rounds = sorted({t.round for t in tallies})
    by_lane = Counter[str]()
    for tally in tallies:
        by_lane[tally.lane] += tally.votes
    total = sum(by_lane.values())
    head = f"Workshop export: the room voted on {len(rounds)} round(s) without seeing which lane wrote which answer."
    if not total:
        preference = "No votes were cast."
    else:
        ranked = ", ".join(f"{lane} {count}" for lane, count in by_lane.most_common())
        preference = f"Votes per lane over all rounds: {ranked} (of {total})."
    return (
        f"{head} {preference} Quality was not evaluated and no lane is recommended here: "
        "build the full brief in the Brief tab for a recommendation against the room's criteria."
    )


def workshop_brief(
    scenario: str, description: str, tallies: list[Tally], hardware: Hardware, volume: float = 10_000
) -> Brief:
    """A brief of the revealed rounds: each question's answers, the votes next to their figures, the costs."""
    revealed = [t for t in tallies if t.revealed]
    rounds = sorted({t.round for t in revealed})
    questions = [next(t.question for t in revealed if t.round == number) for number in rounds]
    answers = [{t.lane: t.answer for t in revealed if t.round == number and t.answer is not None} for number in rounds]
    lanes = list(dict.fromkeys(t.lane for t in revealed))
    lines = [LaneCostLine(lane, _per_answer_cost([a[lane] for a in answers if lane in a])) for lane in lanes]
    return Brief(
        scenario=scenario,
        description=description,
        questions=questions,
        answers=answers,
        hardware=hardware,
        volume=volume,
        criteria=Criteria(),
        cost_lines=lines,
        break_evens=break_evens(lines),
        recommendation=Recommendation(None, _summary(revealed)),
        charts={"break-even": break_even_figure(lines, volume)},
        votes=vote_rows(revealed),
    )
