"""The RAG lane and prompting's context-stuffing variant, with a toy embedder and a fake model."""

from __future__ import annotations

import pytest

from playground.lanes import LaneContext, LaneError, get_lane, run_lane
from playground.scenarios import Scenario
from tests.fakes import FakeGateway, final_answer, lane_job


@pytest.fixture
def with_kb(scenario: Scenario, kb) -> tuple[Scenario, LaneContext]:
    return scenario, LaneContext(knowledge=lambda s: kb)


def test_rag_puts_numbered_passages_with_sources_in_the_prompt(with_kb) -> None:
    scenario, context = with_kb
    prepared = final_answer("rag", "What is the meal per diem?", scenario, context, k=2)
    assert prepared.passages and prepared.passages[0].source == "travel.md"
    user = prepared.messages[-1]["content"]
    assert "[1] (travel.md / Travel policy > Per diem)" in user
    assert user.rstrip().endswith("Question: What is the meal per diem?")
    assert prepared.messages[0] == {"role": "system", "content": scenario.system_prompt}
    assert set(prepared.timings) == {"embed_s", "retrieval_s"}
    assert [(s.kind, s.name) for s in prepared.steps] == [("tool", "search_knowledge"), ("llm", "answer")]


def test_best_last_puts_the_best_passage_next_to_the_question_keeping_rank_numbers(with_kb) -> None:
    scenario, context = with_kb
    first = final_answer("rag", "What is the meal per diem?", scenario, context, k=2, passage_order="best_first")
    last = final_answer("rag", "What is the meal per diem?", scenario, context, k=2)  # the default, chosen on dev
    assert [p.source for p in last.passages] == [p.source for p in first.passages]  # the ranking itself is kept
    best = "[1] (travel.md / Travel policy > Per diem)"
    user_first, user_last = first.messages[-1]["content"], last.messages[-1]["content"]
    assert user_first.index(best) < user_first.index("[2] (")
    assert user_last.index("[2] (") < user_last.index(best) < user_last.index("Question:")


def test_the_rag_instruction_is_editable_and_defaults_to_the_shipped_one(with_kb) -> None:
    scenario, context = with_kb
    default = final_answer("rag", "Q?", scenario, context, k=1).messages[-1]["content"]
    assert default.startswith("Answer the question using only the passages below.")
    edited = final_answer("rag", "Q?", scenario, context, k=1, rag_instruction="Quote the figure exactly.")
    assert edited.messages[-1]["content"].startswith("Quote the figure exactly.\n\n[1] (")


def test_rag_lane_answer_carries_passages_and_timings(with_kb) -> None:
    scenario, context = with_kb
    job = lane_job("rag", "fake/m", k=3, search_mode="fts")
    final = list(run_lane(FakeGateway(reply="$80 [1]"), "meal per diem?", scenario, job, context))[-1]
    assert final.error is None and final.text == "$80 [1]"
    assert final.passages[0].source == "travel.md" and final.timings["retrieval_s"] > 0
    assert final.to_dict()["passages"][0]["source"] == "travel.md"


def test_rag_without_a_knowledge_base_is_a_lane_error(scenario) -> None:
    job = lane_job("rag", "fake/m")
    final = list(run_lane(FakeGateway(), "Q?", scenario, job, LaneContext()))[-1]
    assert final.done and "has no knowledge base" in final.error


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"k": 0}, r"Passages retrieved \(k\): 0 is outside 1 to 20"),
        ({"search_mode": "psychic"}, "'psychic' is not one"),
        ({"passage_order": "random"}, "Passage order: 'random' is not one of best_first, best_last"),
    ],
)
def test_bad_rag_options_are_refused(options, message) -> None:
    with pytest.raises(LaneError, match=message):
        get_lane("rag").options("m", **options)


def test_stuffing_puts_every_document_in_the_system_prompt(with_kb) -> None:
    scenario, context = with_kb
    answer = final_answer("prompting", "Q?", scenario, context, context="whole knowledge base", shots="zero-shot")
    system = answer.messages[0]["content"]
    for fact in ("$80 per day", "Teodora Blanchet", "$2,450"):
        assert fact in system


def test_stuffing_past_the_context_window_is_a_clear_refusal(with_kb) -> None:
    scenario, context = with_kb
    job = lane_job("prompting", "fake/small", context="whole knowledge base", max_tokens=16)
    gateway = FakeGateway(window=40)
    final = list(run_lane(gateway, "Q?", scenario, job, context))[-1]
    assert final.done and "exceeds fake/small's context window of 40" in final.error
    assert gateway.calls == [], "nothing was sent to the model"
