"""The recommendation: every stated criterion checked with its figure; unmeasured never passes."""

from __future__ import annotations

import pytest

from playground.brief.criteria import Criteria, CriteriaError
from playground.brief.recommend import FAILS, MEETS, NOT_APPLICABLE, NOT_MEASURED, LaneFigures, recommend

PROMPTING = LaneFigures("prompting", 0.30, "keyword coverage", monthly_usd=6.0, latency_s=1.0, latency_basis="x")
RAG = LaneFigures(
    "rag", 0.55, "keyword coverage", monthly_usd=7.0, stays_current=True, latency_s=2.5, latency_basis="x"
)
TUNED = LaneFigures("finetuned", 0.60, "keyword coverage", monthly_usd=3.0, stays_current=False, adapter_examples=752)


def _status(recommendation, lane: str, start: str) -> str:
    return next(c.status for c in recommendation.checks if c.lane == lane and c.criterion.startswith(start))


def test_changing_facts_and_a_quality_bar_pick_rag_and_say_why() -> None:
    criteria = Criteria(min_quality=0.5, knowledge_changes="weekly", budget_per_month_usd=10)
    result = recommend([PROMPTING, RAG, TUNED], criteria, volume=10_000)
    assert result.lane == "rag"
    assert _status(result, "prompting", "keyword coverage") == FAILS
    assert _status(result, "finetuned", "knowledge changes") == FAILS
    assert _status(result, "prompting", "knowledge changes") == NOT_APPLICABLE
    assert _status(result, "rag", "budget") == MEETS
    assert "keyword coverage 0.55" in result.text and "$7.00 a month at 10,000 questions" in result.text
    assert "Ruled out: prompting" in result.text and "finetuned (knowledge changes weekly)" in result.text


def test_an_unmeasured_figure_is_shown_and_never_counts_as_a_pass() -> None:
    result = recommend([PROMPTING, RAG, TUNED], Criteria(max_latency_s=2.0, tone_matters=True), volume=100)
    assert _status(result, "finetuned", "latency") == NOT_MEASURED
    assert _status(result, "rag", "latency") == FAILS
    assert all(c.status == NOT_MEASURED for c in result.checks if c.criterion.startswith("house style"))
    assert result.lane == "finetuned", "the best quality among lanes that fail nothing"
    assert "Not measured, so not checked: house style" in result.text and "; latency ≤ 2 s." in result.text


def test_too_little_data_rules_the_adapter_out_and_none_left_names_the_closest() -> None:
    assert _status(recommend([TUNED], Criteria(examples_available=100), 1), "finetuned", "100 training") == FAILS
    result = recommend([PROMPTING, TUNED], Criteria(min_quality=0.9), volume=1)
    assert result.lane is None and result.text.startswith("No lane meets every stated criterion. Closest: finetuned")


def test_without_criteria_quality_then_cost_decides_and_lower_is_better_is_respected() -> None:
    assert recommend([PROMPTING, RAG, TUNED], Criteria(), 1).lane == "finetuned"
    mae = [
        LaneFigures("a", 120.0, "MAE", higher_is_better=False),
        LaneFigures("b", 55.0, "MAE", higher_is_better=False),
    ]
    assert recommend(mae, Criteria(min_quality=100), 1).lane == "b"
    assert recommend([], Criteria(), 1).lane is None


def test_impossible_criteria_are_refused() -> None:
    with pytest.raises(CriteriaError, match="choose one of never"):
        Criteria(knowledge_changes="hourly")
    with pytest.raises(CriteriaError, match="budget per month usd cannot be negative"):
        Criteria(budget_per_month_usd=-1)
