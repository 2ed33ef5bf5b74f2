"""Turn evaluation results into what the Evaluate tab shows: a readable scoreboard and row table."""

from __future__ import annotations

import pandas as pd

from playground.evaluation.report import EvalResults
from playground.evaluation.scoring import disagreements
from playground.ui.formatting import format_cost

ROW_COLUMNS = {
    "question_number": "#",
    "lane": "lane",
    "question": "question",
    "reference": "reference",
    "answer": "answer",
    "correct": "right?",
    "latency_s": "latency (s)",
    "cached": "cached",
    "error": "error",
}
COST_COLUMNS = ("cost_per_question_usd", "total_cost_usd", "judge_cost_usd")


def _known(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def _number(value: object) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    return round(float(value), 3) if isinstance(value, float) else value


def scoreboard_table(results: EvalResults | None) -> pd.DataFrame:
    """One row per lane; costs as prices or "unknown", numbers rounded."""
    if results is None or results.board.empty:
        return pd.DataFrame({"lane": [], "questions": []})
    board = results.board.copy()
    for column in COST_COLUMNS:
        if column in board:
            board[column] = board[column].map(lambda v: format_cost(_known(v)))
    board = board.rename(
        columns={
            "cost_per_question_usd": "cost / question",
            "total_cost_usd": "total cost",
            "judge_cost_usd": "judge cost",
            "latency_p50_s": "latency p50 (s)",
            "latency_p95_s": "latency p95 (s)",
            "tokens_per_question": "tokens / question",
            "model_calls_per_question": "model calls / question",
        }
    )
    return board.map(_number)


def rows_table(results: EvalResults | None, only_disagreements: bool = False) -> pd.DataFrame:
    """Every answer (or only those on questions where the lanes split), in short columns."""
    if results is None or results.rows.empty:
        return pd.DataFrame(columns=list(ROW_COLUMNS.values()))
    rows = disagreements(results.rows) if only_disagreements else results.rows
    table = rows[list(ROW_COLUMNS)].rename(columns=ROW_COLUMNS)
    table["question"] = table["question"].str.slice(0, 160)
    table["right?"] = table["right?"].map({True: "yes", False: "no"})
    table["error"] = table["error"].fillna("")
    return table.map(_number)


def run_summary(results: EvalResults) -> str:
    """One line on what ran: the set, how many answers, how long, what came from the cache."""
    run = results.run
    answers, cached = len(results.rows), int(results.rows["cached"].sum()) if not results.rows.empty else 0
    state = "cancelled" if run.cancelled else "done"
    return (
        f"**{state}**: {len(run.items)} questions from `{run.set_name}`, {len(run.jobs)} lanes: {answers} answers"
        f" in {run.seconds:.1f} s (batches of {run.batch_size}); {cached} from the cache."
    )
