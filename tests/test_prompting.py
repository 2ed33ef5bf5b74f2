"""The prompting lane builds exactly the messages the user expects."""

from __future__ import annotations

import pytest

from playground.strategies import (
    LaneContext,
    LaneOptions,
    StrategyError,
    UnknownStrategyError,
    get_strategy,
    lane_names,
)

CTX = LaneContext()


def test_few_shot_puts_examples_between_system_and_question(scenario) -> None:
    prepared = get_strategy("prompting").prepare("Capital of France?", scenario, LaneOptions(model="m"), CTX)
    assert prepared.messages == [
        {"role": "system", "content": "You are a terse assistant."},
        {"role": "user", "content": "What is 2 + 2?"},
        {"role": "assistant", "content": "4"},
        {"role": "user", "content": "What colour is the sky?"},
        {"role": "assistant", "content": "Blue."},
        {"role": "user", "content": "Capital of France?"},
    ]
    assert prepared.passages == []


def test_zero_shot_with_an_edited_system_prompt(scenario) -> None:
    options = LaneOptions(model="m", shots="zero-shot", system_prompt="Answer in French.")
    prepared = get_strategy("prompting").prepare("Hi?", scenario, options, CTX)
    assert prepared.messages == [
        {"role": "system", "content": "Answer in French."},
        {"role": "user", "content": "Hi?"},
    ]


def test_blank_system_prompt_sends_no_system_message(scenario) -> None:
    options = LaneOptions(model="m", shots="zero-shot", system_prompt="  ")
    assert get_strategy("prompting").prepare("Hi?", scenario, options, CTX).messages == [
        {"role": "user", "content": "Hi?"}
    ]


def test_unknown_shots_mode_is_refused(scenario) -> None:
    with pytest.raises(StrategyError, match="unknown shots mode 'many-shot'"):
        get_strategy("prompting").prepare("Hi?", scenario, LaneOptions(model="m", shots="many-shot"), CTX)


def test_registry_lists_lanes_and_names_them_in_errors() -> None:
    assert "prompting" in lane_names()
    with pytest.raises(UnknownStrategyError, match="unknown lane 'telepathy'; known: prompting, rag"):
        get_strategy("telepathy")
