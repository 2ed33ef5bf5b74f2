"""Row scores and lane metrics of a hand-built run, against values computed by hand."""

from __future__ import annotations

import math

import pytest

from playground.evaluation.judge import JudgeScores
from playground.evaluation.runner import EvalRow, EvalRun
from playground.evaluation.scoring import (
    confidence_interval,
    disagreements,
    headline_column,
    metrics_frame,
    rows_frame,
    score_row,
    scoreboard,
)
from playground.evaluation.sets import EvalItem
from playground.lanes import LaneJob
from playground.records import Answer, Passage, Usage
from tests.fakes import lane_job

PROMPTING = lane_job("prompting", "local/x")
RAG = lane_job("rag", "local/x", k=2)
PRICES = [EvalItem(1, "q1", "$100.00", "number"), EvalItem(2, "q2", "100", "number"), EvalItem(3, "q3", "50", "number")]


def _row(item: EvalItem, job: LaneJob, text: str, latency: float = 1.0, cost: float | None = None, **kw) -> EvalRow:
    answer = Answer(lane=job.lane, model=job.options.model, text=text, latency_s=latency, cost_usd=cost, **kw)
    answer.usage = Usage(10, 2)
    return EvalRow(item, job, answer)


def _price_run() -> EvalRun:
    answers = ["It costs $110.", "about 300 dollars", "I don't know"]
    pairs = enumerate(zip(PRICES, answers, strict=True))
    rows = [_row(item, PROMPTING, text, latency=i + 1.0) for i, (item, text) in pairs]
    return EvalRun("pricing", "eval.jsonl", PRICES, [PROMPTING], rows)


def test_number_row_scores() -> None:
    scores = score_row(_row(PRICES[0], PROMPTING, "$1,299.99"))
    assert scores["predicted"] == 1299.99 and scores["truth"] == 100.0
    assert scores["abs_error"] == pytest.approx(1199.99) and scores["hit"] == 0.0 and not scores["correct"]
    missing = score_row(_row(PRICES[2], PROMPTING, "I don't know"))
    assert missing["predicted"] is None and missing["hit"] == 0.0 and "abs_error" not in missing


def test_failed_answer_is_scored_as_a_miss() -> None:
    row = _row(PRICES[0], PROMPTING, "$100", error="model exploded")
    assert score_row(row)["hit"] == 0.0


def test_price_metrics_by_hand() -> None:
    rows = rows_frame(_price_run())
    metrics = metrics_frame(rows).set_index("key")
    assert metrics.loc["mae", "value"] == pytest.approx((10 + 200) / 2)
    rmsle = math.sqrt(((math.log1p(110) - math.log1p(100)) ** 2 + (math.log1p(300) - math.log1p(100)) ** 2) / 2)
    assert metrics.loc["rmsle", "value"] == pytest.approx(rmsle)
    assert metrics.loc["hit_rate", "value"] == pytest.approx(1 / 3)  # the unparsed answer is a miss
    assert metrics.loc["near_miss_rate", "value"] == 0.0
    assert metrics.loc["mae", "n"] == 2 and metrics.loc["hit_rate", "n"] == 3
    assert headline_column(metrics.reset_index()) == "hit"


def test_scoreboard_costs_and_latency_percentiles() -> None:
    run = _price_run()
    rows = rows_frame(run)
    board = scoreboard(rows, metrics_frame(rows)).set_index("lane")
    assert board.loc["prompting", "latency_p50_s"] == pytest.approx(2.0)
    assert board.loc["prompting", "latency_p95_s"] == pytest.approx(2.9)  # numpy's linear interpolation
    assert board.loc["prompting", "total_cost_usd"] is None  # unknown, never $0
    priced = EvalRun("p", "s", PRICES, [PROMPTING], [_row(i, PROMPTING, "1", cost=0.002) for i in PRICES])
    rows = rows_frame(priced)
    board = scoreboard(rows, metrics_frame(rows)).set_index("lane")
    assert board.loc["prompting", "total_cost_usd"] == pytest.approx(0.006)
    assert board.loc["prompting", "cost_per_question_usd"] == pytest.approx(0.002)


def test_text_and_retrieval_metrics_by_hand() -> None:
    item = EvalItem(1, "Who runs finance?", "Marcus Webb", "text", source="people.md")
    other = EvalItem(2, "Per diem?", "$80 per day", "text", source="travel.md")
    passages = [Passage("travel.md", "t", 0.9), Passage("people.md", "p", 0.8)]
    rows = [
        _row(item, RAG, "Marcus Webb", passages=passages, timings={"retrieval_s": 0.1}),  # rank 2
        _row(other, RAG, "It is 80 dollars", passages=passages[1:], timings={"retrieval_s": 0.1}),  # absent
        _row(item, PROMPTING, "Marcus Webb runs finance"),
        _row(other, PROMPTING, "I don't know"),
    ]
    frame = rows_frame(EvalRun("kb", "s", [item, other], [RAG, PROMPTING], rows))
    metrics = metrics_frame(frame).set_index(["lane", "key"])["value"]
    assert metrics["rag", "recall_at_k"] == pytest.approx(0.5)
    assert metrics["rag", "mrr"] == pytest.approx((1 / 2 + 0) / 2)
    assert metrics["rag", "exact_match"] == pytest.approx(0.5)
    # "80 dollars" vs "80 per day": answer tokens it is 80 dollars (4), reference 80 per day (3), common 1
    f1_other = 2 * (1 / 4) * (1 / 3) / (1 / 4 + 1 / 3)
    assert metrics["rag", "token_f1"] == pytest.approx((1.0 + f1_other) / 2)
    assert ("prompting", "recall_at_k") not in metrics.index  # only a lane that retrieves is scored on it
    # prompting: "marcus webb runs finance" vs "marcus webb": P=2/4, R=1 -> F1 2/3
    assert metrics["prompting", "token_f1"] == pytest.approx((2 / 3 + 0) / 2)
    split = disagreements(frame)
    assert set(split["question_number"]) == set()  # both lanes right on 1 (F1>=0.5), both wrong on 2


def test_disagreements_keep_questions_the_lanes_split_on() -> None:
    rows = [_row(PRICES[0], PROMPTING, "$100"), _row(PRICES[0], RAG, "$500"), _row(PRICES[1], PROMPTING, "$100")]
    rows.append(_row(PRICES[1], RAG, "$101"))
    frame = rows_frame(EvalRun("p", "s", PRICES[:2], [PROMPTING, RAG], rows))
    assert set(disagreements(frame)["question_number"]) == {1}


def test_judge_scores_and_cost_reach_the_rows() -> None:
    item = EvalItem(1, "q", "r", "text")
    row = _row(item, PROMPTING, "r")
    row.judge = JudgeScores({"accuracy": 4, "completeness": 2, "relevance": 5}, Usage(100, 10), 0.0005)
    frame = rows_frame(EvalRun("kb", "s", [item], [PROMPTING], [row]))
    metrics = metrics_frame(frame).set_index("key")["value"]
    assert metrics["judge_accuracy"] == 4 and metrics["judge_completeness"] == 2
    board = scoreboard(frame, metrics_frame(frame))
    assert board.loc[0, "judge_cost_usd"] == pytest.approx(0.0005) and board.loc[0, "judge_unreadable"] == 0
    row.judge = JudgeScores(dict.fromkeys(("accuracy", "completeness", "relevance")), Usage(), None, "no scores")
    frame = rows_frame(EvalRun("kb", "s", [item], [PROMPTING], [row]))
    assert scoreboard(frame, metrics_frame(frame)).loc[0, "judge_unreadable"] == 1


def test_confidence_interval_brackets_the_mean() -> None:
    import numpy as np

    values = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0])
    low, high = confidence_interval(values, np.mean)
    assert low < values.mean() < high and 0.0 <= low and high <= 1.0
    assert confidence_interval(np.array([1.0]), np.mean) is None
    assert confidence_interval(np.array([1.0, 1.0]), np.mean) == (1.0, 1.0)
