"""Repeats: the same question through each lane N times, and the spread of what was measured.

One answer's latency is one sample of a noisy machine; a workshop deciding on speed needs the
median, the 95th percentile and the spread. A cached answer (nothing generated) is counted and
marked, but left out of the latency figures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from playground.lanes.base import ChatGateway, LaneContext
from playground.lanes.running import LaneJob, run_lanes
from playground.records import Answer
from playground.scenarios import Scenario

MAX_REPEATS = 50


@dataclass(frozen=True)
class RepeatStats:
    """One lane's figures over its repeated runs."""

    lane: str
    runs: int
    cached: int
    errors: int
    latency_median_s: float | None
    latency_p95_s: float | None
    latency_min_s: float | None
    latency_max_s: float | None
    cost_median_usd: float | None
    distinct_answers: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "runs": self.runs,
            "cached": self.cached,
            "errors": self.errors,
            "latency_median_s": self.latency_median_s,
            "latency_p95_s": self.latency_p95_s,
            "latency_min_s": self.latency_min_s,
            "latency_max_s": self.latency_max_s,
            "cost_median_usd": self.cost_median_usd,
            "distinct_answers": self.distinct_answers,
        }


def repeat_stats(lane: str, answers: list[Answer]) -> RepeatStats:
    """Median, p95 and range of latency over the generated (not cached, not failed) answers."""
    fresh = [a for a in answers if not a.cached and a.error is None and a.latency_s is not None]
    latencies = np.array([a.latency_s for a in fresh], dtype=float)
    costs = [a.cost_usd for a in answers if a.error is None]
    known = [c for c in costs if c is not None]

    def stat(function: Callable[[np.ndarray], Any]) -> float | None:
        return float(function(latencies)) if len(latencies) else None

    return RepeatStats(
        lane=lane,
        runs=len(answers),
        cached=sum(1 for a in answers if a.cached),
        errors=sum(1 for a in answers if a.error),
        latency_median_s=stat(np.median),
        latency_p95_s=stat(lambda values: np.percentile(values, 95)),
        latency_min_s=stat(np.min),
        latency_max_s=stat(np.max),
        cost_median_usd=float(np.median(known)) if known and len(known) == len(costs) else None,
        distinct_answers=len({a.text.strip() for a in answers if a.error is None}),
    )


def repeat_lanes(
    gateway: ChatGateway,
    question: str,
    scenario: Scenario,
    jobs: list[LaneJob],
    context: LaneContext | None,
    times: int,
) -> tuple[list[dict[str, Answer]], dict[str, RepeatStats]]:
    """Every lane `times` times (the lanes of one run side by side, as in Compare); each run's answers and the stats."""
    runs: list[dict[str, Answer]] = []
    for _ in range(times):
        *_, final = run_lanes(gateway, question, scenario, jobs, context)
        runs.append(final)
    stats = {job.key: repeat_stats(job.key, [run[job.key] for run in runs]) for job in jobs}
    return runs, stats
