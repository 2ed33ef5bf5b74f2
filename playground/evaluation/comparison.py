"""Paired comparisons and the verdict: which lane wins, on the same questions, and by how much.

Every lane answers the same questions, so two lanes are compared question by question (wins,
losses, ties) and by the mean of their per-question differences on the primary metric, with a
95% paired-bootstrap interval. "A beats B" only when that interval excludes zero; otherwise the
honest statement is "no clear difference at n = ...". The verdict paragraph names the winner on
quality, on cost and on latency, each with the figure behind it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import bootstrap

from playground.evaluation.scoring import BOOTSTRAP_SEED, HEADLINE, METRICS, Metric, lane_costs

# The metric a scenario's questions are judged by when the scenario names none (by question kind).
PRIMARY = {"number": "abs_error", "choice": "choice_correct", "text": "keyword_coverage"}


@dataclass(frozen=True)
class Comparison:
    """Lane `a` against lane `b` on one metric, over the questions both have a value for."""

    a: str
    b: str
    metric: str  # its key in JSON (mae, hit_rate, keyword_coverage, ...)
    wins: int  # questions where a did better than b
    losses: int
    ties: int
    mean_difference: float  # mean of (a - b); for lower-is-better metrics a negative value favours a
    ci95: tuple[float, float] | None
    higher_is_better: bool

    @property
    def n(self) -> int:
        return self.wins + self.losses + self.ties

    @property
    def winner(self) -> str | None:
        """The lane the interval favours, or None when it includes zero."""
        if self.ci95 is None:
            return None
        low, high = self.ci95
        if low > 0 or high < 0:
            a_better = (low > 0) == self.higher_is_better
            return self.a if a_better else self.b
        return None

    def statement(self) -> str:
        winner = self.winner
        if winner is None:
            return f"no clear difference between {self.a} and {self.b} at n = {self.n}"
        loser = self.b if winner == self.a else self.a
        return f"{winner} beats {loser} at n = {self.n}"

    def to_json(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "metric": self.metric,
            "wins": self.wins,
            "losses": self.losses,
            "ties": self.ties,
            "mean_difference": self.mean_difference,
            "ci95": list(self.ci95) if self.ci95 else None,
            "winner": self.winner,
            "statement": self.statement(),
        }


def primary_metric(rows: pd.DataFrame, declared: str | None = None) -> Metric | None:
    """The scenario's declared metric (by JSON key or column), else the usual one for its questions."""
    present = [m for m in METRICS if m.column in rows and rows[m.column].notna().any()]
    if declared:
        for metric in present:
            if declared in (metric.key, metric.column):
                return metric
    kind = str(rows["kind"].mode().iloc[0]) if not rows.empty else "text"
    wanted = [PRIMARY.get(kind, "token_f1"), *HEADLINE.get(kind, HEADLINE["text"])]
    return next((m for column in wanted for m in present if m.column == column), None)


def paired_difference_interval(differences: np.ndarray) -> tuple[float, float] | None:
    """95% percentile bootstrap of the mean paired difference (questions resampled together)."""
    if len(differences) < 2:
        return None
    if np.all(differences == differences[0]):
        return float(differences[0]), float(differences[0])
    result = bootstrap(
        (differences,),
        np.mean,
        n_resamples=2000,
        method="percentile",
        rng=np.random.default_rng(BOOTSTRAP_SEED),
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def compare(rows: pd.DataFrame, metric: Metric, a: str, b: str) -> Comparison | None:
    """Lane a against lane b on the questions both have a value for (None when they share none)."""
    pivot = rows[rows["lane"].isin([a, b])].pivot_table(
        index="question_number", columns="lane", values=metric.column, aggfunc="first"
    )
    if a not in pivot or b not in pivot:
        return None
    both = pivot[[a, b]].dropna()
    if both.empty:
        return None
    differences = (both[a] - both[b]).to_numpy(dtype=float)
    better = differences > 0 if metric.higher_is_better else differences < 0
    worse = differences < 0 if metric.higher_is_better else differences > 0
    return Comparison(
        a,
        b,
        metric.key,
        wins=int(better.sum()),
        losses=int(worse.sum()),
        ties=int(len(differences) - better.sum() - worse.sum()),
        mean_difference=float(differences.mean()),
        ci95=paired_difference_interval(differences),
        higher_is_better=metric.higher_is_better,
    )


def all_comparisons(rows: pd.DataFrame, metric: Metric) -> list[Comparison]:
    """Every pair of lanes, in the run's lane order."""
    lanes = list(dict.fromkeys(rows["lane"]))
    pairs = (compare(rows, metric, a, b) for a, b in itertools.combinations(lanes, 2))
    return [c for c in pairs if c is not None]


def verdict(rows: pd.DataFrame, metrics: pd.DataFrame, metric: Metric | None, comparisons: list[Comparison]) -> str:
    """One paragraph: the best lane on quality, on cost and on latency, each with its figure."""
    if rows.empty or metric is None:
        return "No answers were scored, so there is no verdict."
    scores = metrics[metrics["column"] == metric.column].set_index("lane")["value"]
    if scores.empty:
        return f"No lane has a {metric.label} value, so there is no verdict on quality."
    best = scores.idxmax() if metric.higher_is_better else scores.idxmin()
    beaten = [c for c in comparisons if c.winner == best]
    rivals = [c for c in comparisons if best in (c.a, c.b) and c.winner is None]
    quality = f"On quality ({metric.label}), {best} leads with {_figure(scores[best])}"
    if beaten:
        losers = ", ".join(c.b if c.a == best else c.a for c in beaten)
        quality += f"; the paired test says it beats {losers}"
    if rivals:
        tied = ", ".join(c.b if c.a == best else c.a for c in rivals)
        quality += f"; against {tied} there is no clear difference at n = {rivals[0].n}"
    parts = [quality + "."]
    costs = {lane: lane_costs(group) for lane, group in rows.groupby("lane", sort=False)}
    priced = {lane: c["cost_per_question_usd"] for lane, c in costs.items() if c["cost_per_question_usd"] is not None}
    if priced and len(priced) == len(costs):
        low = min(priced.values())
        cheapest = [lane for lane, cost in priced.items() if cost == low]
        verb = "is cheapest" if len(cheapest) == 1 else "are cheapest"
        parts.append(f"On cost, {_names(cheapest)} {verb} at ${low:.6f} per question.")
    else:
        tokens = {lane: c["tokens_per_question"] for lane, c in costs.items()}
        fewest = min(tokens, key=tokens.__getitem__)
        parts.append(
            f"Prices are unknown for some lanes, so on cost the figure is tokens: {fewest} uses the fewest, "
            f"{tokens[fewest]:.0f} per question."
        )
    latency = {lane: c["latency_p50_s"] for lane, c in costs.items() if c["latency_p50_s"] is not None}
    if latency:
        fastest = min(latency, key=latency.__getitem__)
        parts.append(f"On latency, {fastest} is fastest at {latency[fastest]:.2f} s median per answer.")
    return " ".join(parts)


def miss_split(group: pd.DataFrame) -> dict[str, int] | None:
    """For a lane that retrieved: wrong answers whose source was not retrieved, and those where it was."""
    if "recall_at_k" not in group or group["recall_at_k"].isna().all():
        return None
    scored = group[group["recall_at_k"].notna()]
    wrong = scored[~scored["correct"].fillna(False).astype(bool)]
    retrieval = int((wrong["recall_at_k"] == 0).sum())
    return {"retrieval_misses": retrieval, "generation_misses": len(wrong) - retrieval}


def _names(lanes: list[str]) -> str:
    return lanes[0] if len(lanes) == 1 else f"{', '.join(lanes[:-1])} and {lanes[-1]}"


def _figure(value: float) -> str:
    return f"{value:.3f}" if abs(value) < 10 else f"{value:,.1f}"
