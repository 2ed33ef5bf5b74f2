"""The tools lane: the model may call tools and read their results, up to a step limit.

A model with native function calling (litellm says which) gets the tools as functions. For the
others, every model turn is constrained to a JSON object `{"tool": ..., "input": ...}` through the
provider's `response_format` JSON schema; llama.cpp turns the schema into a grammar, so even the
135M embedded model emits well-formed calls. `final_answer` ends the tool turns. Then one more
call, streamed, answers the question with the tools' results in view. A malformed or unknown call,
a failing tool or turn, or the step limit becomes a visible error step, and the lane answers anyway.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any

from playground.lanes.base import (
    SYSTEM_PROMPT,
    Control,
    Lane,
    LaneContext,
    LaneError,
    LaneOptions,
    Recorder,
    opening_messages,
    system_prompt,
)
from playground.lanes.registry import register
from playground.lanes.tools import Tool, tools_for
from playground.llm import ChatGateway, Completion, ModelError
from playground.prompts import load_prompt
from playground.records import Answer, Step
from playground.scenarios import Scenario

FINAL = "final_answer"
MAX_INPUT_CHARS = 200  # a tool's input; the turn's token budget leaves room for it and the JSON around it
CALL_TOKENS = 128


@dataclass(frozen=True)
class ToolsOptions(LaneOptions):
    max_steps: int = 3  # tool calls allowed before the model must answer


def call_schema(tools: list[Tool]) -> dict[str, Any]:
    """The JSON schema every model turn must follow: one tool (or the final answer) and its input."""
    schema = {
        "type": "object",
        "properties": {
            "tool": {"type": "string", "enum": [*(t.name for t in tools), FINAL]},
            "input": {"type": "string", "maxLength": MAX_INPUT_CHARS},
        },
        "required": ["tool", "input"],
        "additionalProperties": False,
    }
    return {"type": "json_schema", "json_schema": {"name": "tool_call", "schema": schema, "strict": True}}


def function_spec(tool: Tool) -> dict[str, Any]:
    """A tool as an OpenAI-style function with one string parameter."""
    parameters = {"type": "object", "properties": {"input": {"type": "string"}}, "required": ["input"]}
    return {
        "type": "function",
        "function": {"name": tool.name, "description": tool.description, "parameters": parameters},
    }


def _specs(tools: list[Tool]) -> list[dict[str, Any]]:
    return [function_spec(tool) for tool in tools]


def _assistant_calls(completion: Completion) -> dict[str, Any]:
    """The assistant message that asked for these tool calls, as the provider expects it back."""
    calls = [
        {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
        for c in completion.tool_calls
    ]
    return {"role": "assistant", "content": completion.text or None, "tool_calls": calls}


def call_input(arguments: str) -> str:
    """The `input` argument of a native function call (the raw text when it is not the expected JSON)."""
    try:
        parsed = json.loads(arguments or "{}")
    except ValueError:
        return arguments
    return str(parsed.get("input", arguments)) if isinstance(parsed, dict) else arguments


def _results_message(question: str, recorder: Recorder) -> dict[str, str]:
    """The question with what each successful tool call returned, for the answering call."""
    results = [
        f"{step.name}({step.input}):\n{step.output}"
        for step in recorder.answer.steps
        if step.kind == "tool" and not step.error
    ]
    if not results:  # no tool helped: the question as it was asked
        return {"role": "user", "content": question}
    shown = "\n\n".join(results)
    return {"role": "user", "content": load_prompt("tools_answer").format(question=question, results=shown)}


def parse_call(text: str) -> tuple[str, str]:
    """(tool, input) from a model turn, or LaneError saying why it is not a valid call."""
    try:
        call = json.loads(text)
    except ValueError as exc:
        raise LaneError(f"malformed tool call (not JSON): {text.strip()[:120]!r}") from exc
    if not isinstance(call, dict) or not isinstance(call.get("tool"), str) or "input" not in call:
        raise LaneError(f"malformed tool call (needs tool and input): {text.strip()[:120]!r}")
    return call["tool"], str(call["input"])


@register
class ToolsLane(Lane):
    """Tool use: the model decides which tool to call, reads the result, and answers."""

    name = "tools"
    one_off = ("index",)
    title = "Tools"
    order = 30
    summary = (
        "The model calls tools (calculator, knowledge search, price lookup) and reads their results. Helps "
        "with arithmetic and facts a model cannot hold; costs a model call per tool use, plus the tools."
    )
    options_type = ToolsOptions
    controls = (
        Control("max_steps", "Tool calls allowed", "int", minimum=1, maximum=8, step=1, flag="--max-tool-calls"),
        SYSTEM_PROMPT,
    )

    def run(
        self, question: str, scenario: Scenario, options: LaneOptions, context: LaneContext, gateway: ChatGateway
    ) -> Iterator[Answer]:
        assert isinstance(options, ToolsOptions)
        tools = tools_for(scenario)
        native = gateway.supports_tools(options.model)
        recorder = Recorder(Answer(lane=self.name, model=str(options.model)), gateway, options)
        system = system_prompt(scenario, options)
        if not native:
            listing = "\n".join(f"- {tool.name}: {tool.description}" for tool in tools)
            system = f"{system}\n\n{load_prompt('tools').format(tools=listing)}".strip()
        messages: list[dict[str, Any]] = [*opening_messages(system), {"role": "user", "content": question}]
        recorder.answer.messages = messages
        yield recorder.snapshot()
        turns = self._native_turns if native else self._schema_turns
        try:
            messages, answered = yield from turns(recorder, messages, scenario, options, context, tools)
        except ModelError:
            answered = None  # the failed turn is an error step already; answer from what there is
        if answered is not None:  # a function-calling model answered instead of calling a tool
            recorder.answer.text = answered
            finished = recorder.finish()
            finished.ttft_s = finished.latency_s  # not streamed: the text arrives whole
            yield finished
            return
        # The answer is one more call, streamed, with whatever the tools returned in view.
        if native:  # the provider's own tool messages carry the results
            messages = [*messages, {"role": "user", "content": f"Now answer the original question: {question}"}]
            closing: dict[str, Any] = {"tools": _specs(tools), "tool_choice": "none"}
        else:  # plain text: a small model shown its JSON turns would answer in JSON again
            messages = [*opening_messages(system_prompt(scenario, options)), _results_message(question, recorder)]
            closing = {}
        recorder.answer.messages = messages
        yield from recorder.call("answer", messages, **closing)
        yield recorder.finish()

    def _schema_turns(
        self,
        recorder: Recorder,
        messages: list[dict[str, Any]],
        scenario: Scenario,
        options: ToolsOptions,
        context: LaneContext,
        tools: list[Tool],
    ) -> Generator[Answer, None, tuple[list[dict[str, Any]], str | None]]:
        """Turns held to a JSON schema (any model; llama.cpp turns the schema into a grammar)."""
        by_name = {tool.name: tool for tool in tools}
        schema = call_schema(tools)
        for turn in range(1, options.max_steps + 2):
            yield from recorder.call(
                f"turn {turn}", messages, visible=False, max_tokens=CALL_TOKENS, response_format=schema
            )
            messages = [*messages, {"role": "assistant", "content": recorder.last}]
            try:
                tool_name, tool_input = parse_call(recorder.last)
            except LaneError as exc:
                recorder.answer.add_step(Step("tool", "invalid call", recorder.last, "", error=str(exc)))
                return messages, None
            if tool_name == FINAL:
                return messages, None
            if turn > options.max_steps:
                error = f"step limit reached: {options.max_steps} tool calls allowed"
                recorder.answer.add_step(Step("tool", tool_name, tool_input, "", error=error))
                return messages, None
            result = self._use(recorder, by_name, tool_name, tool_input, scenario, context)
            messages = [*messages, {"role": "user", "content": f"Result of {tool_name}:\n{result}"}]
            yield recorder.snapshot()
        return messages, None

    def _native_turns(
        self,
        recorder: Recorder,
        messages: list[dict[str, Any]],
        scenario: Scenario,
        options: ToolsOptions,
        context: LaneContext,
        tools: list[Tool],
    ) -> Generator[Answer, None, tuple[list[dict[str, Any]], str | None]]:
        """litellm's function calling, for models that have it: the model returns tool calls, we run them."""
        by_name = {tool.name: tool for tool in tools}
        calls_made, turn = 0, 0
        while calls_made < options.max_steps:
            turn += 1
            completion = recorder.complete(f"turn {turn}", messages, tools=_specs(tools), tool_choice="auto")
            if not completion.tool_calls:
                return messages, completion.text
            messages = [*messages, _assistant_calls(completion)]
            for call in completion.tool_calls:  # every call gets a reply, or the provider refuses the next turn
                if calls_made >= options.max_steps:
                    error = f"step limit reached: {options.max_steps} tool calls allowed"
                    recorder.answer.add_step(Step("tool", call.name, call.arguments, "", error=error))
                    result = f"Error: {error}"
                else:
                    calls_made += 1
                    result = self._use(recorder, by_name, call.name, call_input(call.arguments), scenario, context)
                messages = [*messages, {"role": "tool", "tool_call_id": call.id, "content": result}]
            yield recorder.snapshot()
        return messages, None

    @staticmethod
    def _use(
        recorder: Recorder, tools: dict[str, Tool], name: str, tool_input: str, scenario: Scenario, context: LaneContext
    ) -> str:
        """Run one tool call; an unknown tool or a failure is an error step and its message the result."""
        tool = tools.get(name)
        if tool is None:
            error = f"unknown tool '{name}'; available: {', '.join(tools)}"
            recorder.answer.add_step(Step("tool", name, tool_input, "", error=error))
            return f"Error: {error}"
        try:
            return recorder.tool(name, tool_input, lambda: tool.run(tool_input, scenario, context))
        except LaneError as exc:
            return f"Error: {exc}"
