"""The tools lane: calls, results, and every way a call can go wrong (the lane still answers)."""

from __future__ import annotations

import json

import pytest

from playground.lanes import LaneContext, LaneError
from playground.lanes.tools import calculate
from tests.fakes import FakeGateway, final_answer, lane_job


def _scripted(*turns: str, final: str = "Plain answer."):
    """A gateway replying with the given turns in order (then `final`), like a model would."""
    replies = list(turns)

    def reply_for(messages):
        return replies.pop(0) if replies else final

    return FakeGateway(reply_for=reply_for)


def _call(tool: str, text: str) -> str:
    return json.dumps({"tool": tool, "input": text})


def test_a_tool_call_then_a_final_answer_records_every_step(scenario) -> None:
    gateway = _scripted(_call("calculator", "12 * 3.5"), _call("final_answer", ""), final="It is 42.")
    answer = final_answer("tools", "What is 12 times 3.5?", scenario, LaneContext(), gateway)
    assert answer.error is None and answer.text == "It is 42."
    assert [(s.kind, s.name) for s in answer.steps] == [
        ("llm", "turn 1"),
        ("tool", "calculator"),
        ("llm", "turn 2"),
        ("llm", "answer"),
    ]
    assert answer.steps[1].output == "42"
    assert "response_format" not in gateway.calls[-1]["params"], "the answer itself is free text, streamed"
    answering = gateway.calls[-1]["messages"]
    assert "calculator(12 * 3.5):\n42" in answering[-1]["content"]
    assert not any("final_answer" in m["content"] for m in answering), "no JSON turns in the answer's prompt"
    assert "Result of calculator:\n42" in gateway.calls[1]["messages"][-1]["content"]
    schema = gateway.calls[0]["params"]["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["tool"]["enum"] == ["calculator", "search_knowledge", "final_answer"]
    llm = [s for s in answer.steps if s.kind == "llm"]
    assert answer.usage.prompt_tokens == sum(s.usage.prompt_tokens for s in llm)
    assert answer.usage.completion_tokens == sum(s.usage.completion_tokens for s in llm)


def test_a_malformed_call_is_an_error_step_and_the_lane_answers_anyway(scenario) -> None:
    answer = final_answer("tools", "Q?", scenario, LaneContext(), _scripted("I think maybe 4"))
    assert answer.error is None and answer.text == "Plain answer."
    bad = [s for s in answer.steps if s.error]
    assert len(bad) == 1 and "malformed tool call (not JSON)" in bad[0].error
    assert answer.steps[-1].name == "answer"


def test_an_unknown_tool_is_reported_to_the_model_and_in_the_steps(scenario) -> None:
    gateway = _scripted(_call("telepathy", "x"), _call("final_answer", ""), final="Done.")
    answer = final_answer("tools", "Q?", scenario, LaneContext(), gateway)
    assert answer.text == "Done."
    assert any(s.name == "telepathy" and "unknown tool 'telepathy'" in s.error for s in answer.steps)
    assert "unknown tool 'telepathy'; available: calculator" in gateway.calls[1]["messages"][-1]["content"]


def test_the_step_limit_stops_the_loop_and_the_lane_still_answers(scenario) -> None:
    gateway = _scripted(*[_call("calculator", "1 + 1")] * 3)  # it never stops calling on its own
    answer = final_answer("tools", "Q?", scenario, LaneContext(), gateway, max_steps=2)
    assert answer.error is None and answer.text == "Plain answer."
    assert sum(1 for s in answer.steps if s.name == "calculator" and not s.error) == 2
    assert any(s.error == "step limit reached: 2 tool calls allowed" for s in answer.steps)
    assert len(gateway.calls) == 4  # three turns, then the answer


def test_a_failing_tool_is_an_error_step_with_its_message(scenario) -> None:
    gateway = _scripted(_call("calculator", "__import__('os')"), _call("final_answer", ""), final="Sorry.")
    answer = final_answer("tools", "Q?", scenario, LaneContext(), gateway)
    failed = next(s for s in answer.steps if s.kind == "tool")
    assert failed.error and "cannot calculate" in failed.error and answer.text == "Sorry."


@pytest.mark.parametrize(
    ("expression", "value"),
    [("2 + 3 * 4", "14"), ("$1,299.99 * 0.8", "1039.99"), ("2**10", "1024"), ("max(1, 2) + round(2.567, 1)", "4.6")],
)
def test_the_calculator_does_arithmetic(expression: str, value: str, scenario) -> None:
    assert calculate(expression, scenario, LaneContext()) == value


@pytest.mark.parametrize("expression", ["open('x')", "().__class__", "9**9**9**9", "", "x" * 300])
def test_the_calculator_refuses_anything_else(expression: str, scenario) -> None:
    with pytest.raises(LaneError):
        calculate(expression, scenario, LaneContext())


def test_the_step_limit_has_limits() -> None:
    with pytest.raises(LaneError, match="Tool calls allowed: 0 is outside 1 to 8"):
        lane_job("tools", max_steps=0)


def test_a_model_with_function_calling_gets_the_tools_as_functions(scenario) -> None:
    from playground.llm import ToolCall

    def calls_for(messages):
        if messages[-1]["role"] == "user":
            return [ToolCall("c1", "calculator", json.dumps({"input": "6 * 7"}))]
        return []

    gateway = FakeGateway(reply_for=lambda m: "" if m[-1]["role"] == "user" else "42, by the calculator.")
    gateway.tool_models, gateway.tool_calls_for = ("api/smart",), calls_for
    answer = final_answer("tools", "6 times 7?", scenario, LaneContext(), gateway, model="api/smart")
    assert answer.error is None and answer.text == "42, by the calculator."
    assert [(s.kind, s.name, s.output) for s in answer.steps] == [
        ("llm", "turn 1", 'calculator({"input": "6 * 7"})'),
        ("tool", "calculator", "42"),
        ("llm", "turn 2", "42, by the calculator."),
    ]
    first = gateway.calls[0]["params"]
    assert [t["function"]["name"] for t in first["tools"]] == ["calculator", "search_knowledge"]
    assert "response_format" not in first
    assert gateway.calls[1]["messages"][-1] == {"role": "tool", "tool_call_id": "c1", "content": "42"}
    assert len(gateway.calls) == 2, "the model's own answer ends the lane: no extra call"


def test_function_calls_past_the_step_limit_are_refused_but_answered(scenario) -> None:
    from playground.llm import ToolCall

    many = [ToolCall(f"c{i}", "calculator", json.dumps({"input": f"{i} + 1"})) for i in range(3)]
    gateway = FakeGateway(
        reply_for=lambda m: "" if m[-1]["role"] != "user" or "Now answer" not in m[-1]["content"] else "Done."
    )
    gateway.tool_models = ("api/smart",)
    gateway.tool_calls_for = lambda m: many if m[-1]["role"] == "user" and "Now answer" not in m[-1]["content"] else []
    answer = final_answer("tools", "Sums?", scenario, LaneContext(), gateway, model="api/smart", max_steps=2)
    ran = [s for s in answer.steps if s.name == "calculator"]
    assert [s.error for s in ran] == [None, None, "step limit reached: 2 tool calls allowed"]
    replies = [m for m in gateway.calls[-1]["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in replies] == ["c0", "c1", "c2"], "every call gets a reply"
    assert gateway.calls[-1]["params"]["tool_choice"] == "none" and answer.text == "Done."


def test_a_turn_the_provider_refuses_is_an_error_step_and_the_lane_still_answers(scenario) -> None:
    from playground.llm import ModelError

    def reply_for(messages):
        if "final_answer" in messages[0]["content"]:  # a tool turn
            raise ModelError("response_format is not supported by this provider")
        return "Answer without tools."

    answer = final_answer("tools", "Q?", scenario, LaneContext(), FakeGateway(reply_for=reply_for))
    assert answer.error is None and answer.text == "Answer without tools."
    assert answer.steps[0].error == "response_format is not supported by this provider"
    assert answer.messages[-1] == {"role": "user", "content": "Q?"}, "no tool results: the question as asked"
