"""The prompting lane builds exactly the messages the user expects; the registry names lanes."""

from __future__ import annotations

import pytest

from playground.lanes import LaneError, UnknownLaneError, get_lane, lane_names
from tests.fakes import FakeGateway, final_answer


def test_few_shot_puts_examples_between_system_and_question(scenario) -> None:
    answer = final_answer("prompting", "Capital of France?", scenario)
    assert answer.messages == [
        {"role": "system", "content": "You are a terse assistant."},
        {"role": "user", "content": "What is 2 + 2?"},
        {"role": "assistant", "content": "4"},
        {"role": "user", "content": "What colour is the sky?"},
        {"role": "assistant", "content": "Blue."},
        {"role": "user", "content": "Capital of France?"},
    ]
    assert answer.passages == []


def test_zero_shot_with_an_edited_system_prompt(scenario) -> None:
    gateway = FakeGateway()
    final_answer("prompting", "Hi?", scenario, gateway=gateway, shots="zero-shot", system_prompt="Answer in French.")
    assert gateway.calls[0]["messages"] == [
        {"role": "system", "content": "Answer in French."},
        {"role": "user", "content": "Hi?"},
    ]


def test_blank_system_prompt_sends_no_system_message(scenario) -> None:
    answer = final_answer("prompting", "Hi?", scenario, shots="zero-shot", system_prompt="  ")
    assert answer.messages == [{"role": "user", "content": "Hi?"}]


def test_one_call_is_one_step_and_the_totals_are_its_tokens(scenario) -> None:
    answer = final_answer("prompting", "Hi?", scenario, gateway=FakeGateway(reply="Hello there."))
    assert [(s.kind, s.name) for s in answer.steps] == [("llm", "answer")]
    assert answer.usage == answer.steps[0].usage and answer.usage.completion_tokens == 2


def test_unknown_shots_mode_is_refused_with_the_choices() -> None:
    with pytest.raises(LaneError, match="'many-shot' is not one of zero-shot, few-shot"):
        get_lane("prompting").options("m", shots="many-shot")


def test_registry_lists_lanes_and_names_them_in_errors() -> None:
    assert lane_names()[0] == "prompting" and "echo" not in lane_names()
    with pytest.raises(UnknownLaneError, match="unknown lane 'telepathy'; known: prompting"):
        get_lane("telepathy")
