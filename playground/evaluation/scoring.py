"""Scores: each answer against its reference, then each lane's metrics with 95% confidence intervals.

Per kind of question:
- text: exact match after normalisation, token F1, reference-keyword coverage (and the judge's 1-5
  scores when a judge ran);
- number: the first number in the answer against the reference's; MAE and RMSLE over answers
  with a number, hit and near-miss rates over all (no number, or a failed lane, is a miss);
- choice: whether the answer is the reference choice;
- retrieval (lanes that retrieve, items with a source): recall@k and reciprocal rank.
A failed answer is scored like an empty one. Confidence intervals are percentile bootstraps.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import bootstrap

from playground.evaluation.house_style import HouseRule, style_scores
from playground.evaluation.judge import CRITERIA
from playground.evaluation.numbers import is_hit, is_near_miss, parse_number
from playground.evaluation.retrieval import recall_at_k, reciprocal_rank
from playground.evaluation.runner import EvalRow, EvalRun, retrieved_sources
from playground.evaluation.sets import EvalItem
from playground.evaluation.text_metrics import choice_correct, exact_match, keyword_coverage, token_f1
from playground.model_ref import ModelRef

BOOTSTRAP_SEED = 20261127
TEXT_CORRECT_F1 = 0.5  # a text answer counts as right (for "disagreements") from this token F1


def _rmsle(values: np.ndarray) -> float:
    return float(np.sqrt(np.mean(values)))


@dataclass(frozen=True)
class Metric:
    """A lane-level metric: which row column it summarises, and how."""

    column: str
    key: str  # its name in JSON output
    label: str
    statistic: Callable[[np.ndarray], float] = np.mean
    higher_is_better: bool = True


METRICS = (
    Metric("exact_match", "exact_match", "exact match"),
    Metric("token_f1", "token_f1", "token F1"),
    Metric("keyword_coverage", "keyword_coverage", "keyword coverage"),
    *(Metric(f"judge_{c}", f"judge_{c}", f"judge {c} (1-5)") for c in CRITERIA),
    Metric("abs_error", "mae", "MAE ($)", higher_is_better=False),
    Metric("squared_log_error", "rmsle", "RMSLE", statistic=_rmsle, higher_is_better=False),
    Metric("hit", "hit_rate", "hit rate"),
    Metric("near_miss", "near_miss_rate", "near-miss rate"),
    Metric("choice_correct", "choice_accuracy", "choice accuracy"),
    Metric("style_compliance", "style_compliance", "style compliance"),
    Metric("recall_at_k", "recall_at_k", "recall@k"),
    Metric("reciprocal_rank", "mrr", "MRR"),
)
HEADLINE = {  # the metric that stands for quality, by the kind of most questions in a run
    "number": ("hit", "choice_correct", "judge_accuracy", "token_f1"),
    "choice": ("choice_correct", "hit", "judge_accuracy", "token_f1"),
    "text": ("judge_accuracy", "token_f1", "hit", "choice_correct"),
}


def _text_scores(answer: str, reference: str) -> dict[str, Any]:
    f1 = token_f1(answer, reference)
    scores = {"exact_match": exact_match(answer, reference), "token_f1": f1}
    return scores | {"keyword_coverage": keyword_coverage(answer, reference), "correct": f1 >= TEXT_CORRECT_F1}


def _number_scores(answer: str, reference: str) -> dict[str, Any]:
    predicted, truth = parse_number(answer), parse_number(reference)
    scores: dict[str, Any] = {"predicted": predicted, "truth": truth, "hit": 0.0, "near_miss": 0.0, "correct": False}
    if predicted is not None and truth is not None:
        hit = is_hit(predicted, truth)
        scores |= {
            "abs_error": abs(predicted - truth),
            "squared_log_error": (math.log1p(max(predicted, 0.0)) - math.log1p(max(truth, 0.0))) ** 2,
            "hit": float(hit),
            "near_miss": float(is_near_miss(predicted, truth)),
            "correct": hit,
        }
    return scores


def answer_scores(item: EvalItem, text: str, house_rules: Sequence[HouseRule] = ()) -> dict[str, Any]:
    """One answer's metric columns against its item's reference, by the item's kind (no retrieval, no judge)."""
    if item.kind == "number":
        scores = _number_scores(text, item.reference)
    elif item.kind == "choice":
        correct = choice_correct(text, item.reference)
        scores = {"choice_correct": correct, "correct": bool(correct)}
    else:
        scores = _text_scores(text, item.reference)
    if house_rules and item.kind == "text":
        scores |= style_scores(list(house_rules), text, item.reference)
    return scores


def score_row(row: EvalRow, house_rules: Sequence[HouseRule] = ()) -> dict[str, Any]:
    """The row's metric columns (a failed answer scores as an empty one)."""
    item, answer = row.item, row.answer
    scores = answer_scores(item, "" if answer.error else answer.text, house_rules)
    if item.source and "retrieval_s" in answer.timings:  # the lane retrieved: score what it found
        sources = retrieved_sources(answer.passages)
        scores |= {
            "recall_at_k": recall_at_k(sources, item.source, getattr(row.job.options, "k", len(sources))),
            "reciprocal_rank": reciprocal_rank(sources, item.source),
        }
    if row.judge is not None:
        scores |= {f"judge_{c}": v for c, v in row.judge.scores.items()}
        scores |= {"judge_cost_usd": row.judge.cost_usd, "judge_tokens": row.judge.usage.total_tokens}
        scores["judge_error"] = row.judge.error  # e.g. a reply with no readable scores
    return scores


def rows_frame(run: EvalRun) -> pd.DataFrame:
    """One row per (lane, question): the question, the answer, its cost and timings, and its scores."""
    records = []
    for row in run.rows:
        item, answer = row.item, row.answer
        records.append(
            {
                "question_number": item.number,
                "category": item.category,
                "kind": item.kind,
                "question": item.question,
                "reference": item.reference,
                "source": item.source,
                "lane": row.job.key,
                "model": str(ModelRef.parse(answer.model)),  # an adapter by name, never its folder
                "answer": answer.text,
                "error": answer.error,
                "cached": row.cached,
                "prompt_tokens": answer.usage.prompt_tokens,
                "completion_tokens": answer.usage.completion_tokens,
                "model_calls": sum(1 for step in answer.steps if step.kind == "llm"),
                "cost_usd": answer.cost_usd,
                "ttft_s": answer.ttft_s,
                "latency_s": answer.latency_s,
                "retrieved_sources": " | ".join(retrieved_sources(answer.passages)),
            }
            | score_row(row, run.house_rules)
        )
    return pd.DataFrame.from_records(records)


def confidence_interval(values: np.ndarray, statistic: Callable[[np.ndarray], float]) -> tuple[float, float] | None:
    """95% percentile-bootstrap interval of the statistic; None below two values."""
    if len(values) < 2:
        return None
    if np.all(values == values[0]):
        value = statistic(values)
        return value, value
    result = bootstrap(
        (values,),
        statistic,
        n_resamples=1000,
        method="percentile",
        vectorized=False,
        rng=np.random.default_rng(BOOTSTRAP_SEED),
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def metrics_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """Long form: lane, metric, value, ci_low, ci_high, n (only metrics the run has values for)."""
    records = []
    for lane, group in rows.groupby("lane", sort=False):
        for metric in METRICS:
            if metric.column not in group:
                continue
            values = group[metric.column].dropna().to_numpy(dtype=float)
            if len(values) == 0:
                continue
            interval = confidence_interval(values, metric.statistic)
            records.append(
                {
                    "lane": lane,
                    "metric": metric.label,
                    "column": metric.column,
                    "key": metric.key,
                    "value": float(metric.statistic(values)),
                    "ci_low": interval[0] if interval else None,
                    "ci_high": interval[1] if interval else None,
                    "n": len(values),
                    "higher_is_better": metric.higher_is_better,
                }
            )
    return pd.DataFrame.from_records(
        records, columns=["lane", "metric", "column", "key", "value", "ci_low", "ci_high", "n", "higher_is_better"]
    )


def _known_sum(values: pd.Series) -> float | None:
    """The sum, or None (unknown, never $0) when any value is unknown."""
    return None if values.empty or values.isna().any() else float(values.sum())


def lane_costs(group: pd.DataFrame) -> dict[str, Any]:
    """Cost per question and in total (None when the model has no price), and latency percentiles.

    A cached answer is priced as it was measured when generated, but its latency is left out of the
    percentiles: nothing was generated for it in this run. So is a failed answer's.
    """
    total = _known_sum(group["cost_usd"])
    generated = group[group["error"].isna()]
    if "cached" in generated:
        generated = generated[~generated["cached"].astype(bool)]
    latencies = generated["latency_s"].dropna().to_numpy(dtype=float)
    costs: dict[str, Any] = {
        "cost_per_question_usd": None if total is None else total / len(group),
        "total_cost_usd": total,
    }
    if "judge_cost_usd" in group:  # only when a judge graded this run
        costs["judge_cost_usd"] = _known_sum(group["judge_cost_usd"].dropna())
        costs["judge_unreadable"] = int(group["judge_error"].notna().sum())
    return costs | {
        "latency_p50_s": float(np.percentile(latencies, 50)) if len(latencies) else None,
        "latency_p95_s": float(np.percentile(latencies, 95)) if len(latencies) else None,
        "tokens_per_question": float((group["prompt_tokens"] + group["completion_tokens"]).mean()),
        "model_calls_per_question": float(group["model_calls"].mean()) if "model_calls" in group else None,
    }


def scoreboard(rows: pd.DataFrame, metrics: pd.DataFrame) -> pd.DataFrame:
    """One row per lane: counts, every metric, cost per question and in total, latency p50/p95."""
    records = []
    for lane, group in rows.groupby("lane", sort=False):
        record: dict[str, Any] = {
            "lane": lane,
            "model": group["model"].iloc[0],
            "questions": len(group),
            "errors": int(group["error"].notna().sum()),
            "cached": int(group["cached"].sum()),
        }
        for metric in metrics[metrics["lane"] == lane].itertuples():
            record[metric.metric] = metric.value
        for column in (c for c in group.columns if c.startswith("style: ")):  # each house rule's pass rate
            record[column] = float(group[column].mean())
        records.append(record | lane_costs(group))
    return pd.DataFrame.from_records(records)


def headline_column(metrics: pd.DataFrame, kind: str = "number") -> str | None:
    """The metric that stands for "quality" in a run of mostly `kind` questions (hit rate for prices, F1 for text)."""
    present = set(metrics["column"])
    return next((c for c in HEADLINE.get(kind, HEADLINE["text"]) if c in present), None)


def main_kind(rows: pd.DataFrame) -> str:
    """The kind most of the run's questions are."""
    return str(rows["kind"].mode().iloc[0]) if not rows.empty else "text"


def disagreements(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows of questions on which the lanes do not all agree about right or wrong."""
    verdicts = rows.groupby("question_number")["correct"].nunique()
    split = verdicts[verdicts > 1].index
    return rows[rows["question_number"].isin(split)]
