"""Repeats: N runs per lane, latency median/p95/range over generated answers only."""

from __future__ import annotations

import pytest

from playground.lanes.repeats import repeat_lanes, repeat_stats
from playground.records import Answer, Step
from tests.fakes import FakeGateway, lane_job


def _answer(latency: float, cached: bool = False, text: str = "42", error: str | None = None) -> Answer:
    answer = Answer("prompting", "local/m", text=text, latency_s=latency, error=error, cost_usd=latency / 1000)
    answer.add_step(Step("llm", "answer", [], text, latency_s=latency, cached=cached))
    answer.cost_usd = latency / 1000
    return answer


def test_cached_and_failed_answers_are_counted_but_left_out_of_latency() -> None:
    answers = [_answer(1.0), _answer(2.0), _answer(3.0, text="43"), _answer(0.001, cached=True), _answer(9, error="x")]
    stats = repeat_stats("prompting", answers)
    assert (stats.runs, stats.cached, stats.errors, stats.distinct_answers) == (5, 1, 1, 2)
    assert stats.latency_median_s == 2.0 and (stats.latency_min_s, stats.latency_max_s) == (1.0, 3.0)
    assert stats.latency_p95_s == pytest.approx(2.9)  # numpy's linear interpolation over 1, 2, 3
    assert stats.cost_median_usd == pytest.approx(0.0015)  # over the four answers that did not fail


def test_every_lane_runs_n_times(scenario) -> None:
    gateway = FakeGateway(reply="Paris.")
    jobs = [lane_job("prompting"), lane_job("prompting", shots="zero-shot")]
    jobs[1] = type(jobs[1])(jobs[1].lane, jobs[1].options, "zero")
    runs, stats = repeat_lanes(gateway, "Capital?", scenario, jobs, None, 3)
    assert len(runs) == 3 and len(gateway.calls) == 6
    assert stats["prompting"].runs == 3 and stats["zero"].runs == 3 and stats["zero"].distinct_answers == 1
    assert stats["prompting"].latency_median_s is not None and stats["prompting"].cached == 0
