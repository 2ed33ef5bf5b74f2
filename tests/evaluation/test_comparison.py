"""Paired comparisons and the verdict, on hand-built runs where the answer is known."""

from __future__ import annotations

import pytest

from playground.evaluation.comparison import compare, miss_split, primary_metric
from playground.evaluation.report import EvalResults
from playground.evaluation.runner import EvalRow, EvalRun
from playground.evaluation.scoring import METRICS, rows_frame
from playground.evaluation.sets import EvalItem
from playground.records import Answer, Passage, Usage
from tests.fakes import lane_job

GOOD, BAD = lane_job("finetuned", "local/x"), lane_job("prompting", "local/x")
MAE = next(m for m in METRICS if m.key == "mae")


def _run(good: list[str], bad: list[str], truths: list[str]) -> EvalRun:
    items = [EvalItem(i + 1, f"q{i}", truth, "number") for i, truth in enumerate(truths)]
    rows = []
    for job, texts, latency in ((GOOD, good, 2.0), (BAD, bad, 1.0)):
        for item, text in zip(items, texts, strict=True):
            answer = Answer(lane=job.lane, model="local/x", text=text, latency_s=latency, usage=Usage(10, 2))
            rows.append(EvalRow(item, job, answer))
    return EvalRun("pricing", "eval.jsonl", items, [GOOD, BAD], rows)


def test_a_clearly_better_lane_beats_the_other_and_the_verdict_says_so() -> None:
    truths = [str(100 + i) for i in range(30)]
    run = _run([f"${100 + i + 1}" for i in range(30)], [f"${200 + i}" for i in range(30)], truths)
    results = EvalResults.from_run(run)
    (pair,) = results.comparisons
    assert (pair.a, pair.b, pair.metric) == ("finetuned", "prompting", "mae")
    assert (pair.wins, pair.losses, pair.ties) == (30, 0, 0)
    assert pair.mean_difference == pytest.approx(-99.0)
    assert pair.ci95 is not None and pair.ci95[1] < 0 and pair.winner == "finetuned"
    assert pair.statement() == "finetuned beats prompting at n = 30"
    assert results.verdict.startswith("On quality (MAE ($)), finetuned leads with 1.000")
    assert "beats prompting" in results.verdict and "prompting is fastest at 1.00 s" in results.verdict
    assert "tokens" in results.verdict, "no prices locally: the cost figure is tokens, never $0"
    payload = results.to_json()
    assert payload["comparisons"][0]["winner"] == "finetuned" and payload["verdict"] == results.verdict
    assert payload["primary_metric"] == "mae"


def test_a_coin_flip_is_no_clear_difference() -> None:
    truths = ["100"] * 20
    good = ["$110" if i % 2 else "$90" for i in range(20)]
    bad = ["$90" if i % 2 else "$110" for i in range(20)]
    comparison = compare(rows_frame(_run(good, bad, truths)), MAE, "finetuned", "prompting")
    assert comparison is not None and comparison.winner is None and comparison.ties == 20
    assert comparison.statement() == "no clear difference between finetuned and prompting at n = 20"


def test_only_questions_both_lanes_scored_are_paired() -> None:
    truths = ["100", "100", "100"]
    comparison = compare(
        rows_frame(_run(["$100", "$100", "$100"], ["$150", "no idea", "$150"], truths)), MAE, "finetuned", "prompting"
    )
    assert comparison is not None and comparison.n == 2


def test_a_declared_primary_metric_wins_over_the_usual_one() -> None:
    rows = rows_frame(_run(["$100"], ["$150"], ["100"]))
    assert primary_metric(rows).key == "mae"
    assert primary_metric(rows, "hit_rate").key == "hit_rate"


def test_rag_misses_split_into_retrieval_and_generation() -> None:
    rag = lane_job("rag", "local/x", k=2)
    items = [EvalItem(i, f"q{i}", "Paris is the capital", "text", source="france.md") for i in (1, 2, 3)]
    found, other = Passage("france.md", "Paris", 0.9), Passage("spain.md", "Madrid", 0.9)
    answers = [("Paris is the capital", found), ("Lyon", found), ("Madrid", other)]
    rows = []
    for item, (text, passage) in zip(items, answers, strict=True):
        answer = Answer(lane="rag", model="local/x", text=text, passages=[passage], timings={"retrieval_s": 0.01})
        rows.append(EvalRow(item, rag, answer))
    frame = rows_frame(EvalRun("kb", "eval.jsonl", items, [rag], rows))
    assert miss_split(frame) == {"retrieval_misses": 1, "generation_misses": 1}
