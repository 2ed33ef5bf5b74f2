"""The RAG lane and prompting's context-stuffing variant, with a toy embedder and a fake model."""

from __future__ import annotations

import pytest

from playground.lanes import LaneJob, run_lane
from playground.scenarios import Scenario
from playground.strategies import LaneContext, LaneOptions, StrategyError, get_strategy
from tests.fakes import FakeGateway


@pytest.fixture
def with_kb(scenario: Scenario, kb) -> tuple[Scenario, LaneContext]:
    return scenario, LaneContext(knowledge=lambda s: kb)


def test_rag_puts_numbered_passages_with_sources_in_the_prompt(with_kb) -> None:
    scenario, context = with_kb
    prepared = get_strategy("rag").prepare("What is the meal per diem?", scenario, LaneOptions(model="m", k=2), context)
    assert prepared.passages and prepared.passages[0].source == "travel.md"
    user = prepared.messages[-1]["content"]
    assert "[1] (travel.md / Travel policy > Per diem)" in user
    assert user.rstrip().endswith("Question: What is the meal per diem?")
    assert prepared.messages[0] == {"role": "system", "content": scenario.system_prompt}
    assert set(prepared.timings) == {"embed_s", "retrieval_s"}


def test_rag_lane_answer_carries_passages_and_timings(with_kb) -> None:
    scenario, context = with_kb
    job = LaneJob("rag", LaneOptions(model="fake/m", k=3, search_mode="fts"))
    final = list(run_lane(FakeGateway(reply="$80 [1]"), "meal per diem?", scenario, job, context))[-1]
    assert final.error is None and final.text == "$80 [1]"
    assert final.passages[0].source == "travel.md" and final.timings["retrieval_s"] > 0
    assert final.to_dict()["passages"][0]["source"] == "travel.md"


def test_rag_without_a_knowledge_base_is_a_lane_error(scenario) -> None:
    job = LaneJob("rag", LaneOptions(model="fake/m"))
    final = list(run_lane(FakeGateway(), "Q?", scenario, job, LaneContext()))[-1]
    assert final.done and "has no knowledge base" in final.error


@pytest.mark.parametrize(
    ("options", "message"), [({"k": 0}, "k must be at least 1"), ({"search_mode": "psychic"}, "unknown search mode")]
)
def test_bad_rag_options_are_refused(with_kb, options, message) -> None:
    scenario, context = with_kb
    with pytest.raises(StrategyError, match=message):
        get_strategy("rag").prepare("Q?", scenario, LaneOptions(model="m", **options), context)


def test_stuffing_puts_every_document_in_the_system_prompt(with_kb) -> None:
    scenario, context = with_kb
    options = LaneOptions(model="m", context="whole knowledge base", shots="zero-shot")
    system = get_strategy("prompting").prepare("Q?", scenario, options, context).messages[0]["content"]
    for fact in ("$80 per day", "Teodora Blanchet", "$2,450"):
        assert fact in system


def test_stuffing_past_the_context_window_is_a_clear_refusal(with_kb) -> None:
    scenario, context = with_kb
    job = LaneJob("prompting", LaneOptions(model="fake/small", context="whole knowledge base", max_tokens=16))
    gateway = FakeGateway(window=40)
    final = list(run_lane(gateway, "Q?", scenario, job, context))[-1]
    assert final.done and "exceeds fake/small's context window of 40" in final.error
    assert gateway.calls == [], "nothing was sent to the model"
