"""What a lane is: a name, its options and controls (as data), and a `run` that yields its answer.

A lane may call the model any number of times and use tools; each call becomes a `Step` of the
answer, and the answer's tokens and cost are the sums over its steps. The Compare and Evaluate
tabs and the command line build a lane's widgets and flags from its `controls`, so none of them
branches on a lane's name.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar

from playground.errors import PlaygroundError
from playground.llm import ChatGateway, Completion
from playground.records import Answer, Step, Usage
from playground.scenarios import Scenario, training_system_prompt

if TYPE_CHECKING:
    from playground.costs.hardware import Hardware
    from playground.knowledge.base import KnowledgeBase
    from playground.model_ref import ModelRef
    from playground.training.registry import AdapterRegistry


class LaneError(PlaygroundError, ValueError):
    """A lane cannot run as configured (no knowledge base, failed step); one line."""


class LaneOptionError(LaneError):
    """A lane setting is outside its choices or limits: a usage error (exit code 2)."""

    exit_code = 2


@dataclass(frozen=True)
class Control:
    """One setting a user may change, described as data; the UI and the CLI build widgets from it.

    kind: "choice" (choices), "int" / "float" (minimum, maximum, step), "text", "adapter" (a
    name from the adapter registry, empty for the scenario's own) or "yaml" (a structured value
    edited as YAML text). `flag` is the command-line option (None: not on the command line).
    """

    field: str
    label: str
    kind: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    info: str = ""
    flag: str | None = None
    scenario_default: Callable[[Scenario], Any] | None = None  # a value that follows the scenario

    def check(self, value: Any) -> Any:
        """The value as the options want it, or LaneError naming the setting and its limits."""
        if value is None:
            return None
        if self.kind == "choice":
            if value not in self.choices:
                raise LaneOptionError(f"{self.label}: '{value}' is not one of {', '.join(self.choices)}")
            return value
        if self.kind in ("int", "float"):
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise LaneOptionError(f"{self.label}: '{value}' is not a number") from None
            if not math.isfinite(number) or (self.kind == "int" and not number.is_integer()):
                kind = "whole number" if self.kind == "int" else "finite number"
                raise LaneOptionError(f"{self.label}: '{value}' is not a {kind}")
            low = -math.inf if self.minimum is None else self.minimum
            high = math.inf if self.maximum is None else self.maximum
            if not low <= number <= high:
                raise LaneOptionError(f"{self.label}: {number:g} is outside {low:g} to {high:g}")
            return int(number) if self.kind == "int" else number
        return value


@dataclass(frozen=True)
class LaneOptions:
    """Settings every lane has; a lane's own options dataclass adds its fields to these."""

    model: str
    max_tokens: int = 256
    temperature: float = 0.0
    system_prompt: str | None = None  # None: the scenario's (with its instructions; an adapter's training one)


@dataclass(frozen=True)
class LaneContext:
    """Collaborators a lane may need, bound to one workspace (and, in an evaluation, to one question)."""

    knowledge: Callable[[Scenario], KnowledgeBase] | None = None
    adapters: AdapterRegistry | None = None
    category: str | None = None  # the evaluation item's category, for lanes that use it (the baseline)
    hardware: Hardware | None = None  # prices local work (None: the default preset, this machine)


COMMON_LIMITS = (  # settings every lane has; the UI's shared widgets and the CLI's flags stay within these
    Control("max_tokens", "Longest answer (tokens)", "int", minimum=1, maximum=8192, step=8),
    Control("temperature", "Temperature", "float", minimum=0.0, maximum=2.0, step=0.1),
)

SYSTEM_PROMPT = Control(
    "system_prompt",
    "System prompt (editable; the scenario's instructions included)",
    "text",
    flag="--system-prompt",
    scenario_default=lambda scenario: scenario.instructed_system_prompt,
)
TRAINED_SYSTEM_PROMPT = Control(  # an adapter lane: the prompt its training data used, nothing added
    "system_prompt",
    "System prompt (editable; as in the adapter's training data)",
    "text",
    flag="--system-prompt",
    scenario_default=training_system_prompt,
)


class Lane:
    """One lane of the comparison. Subclasses set the class attributes and implement `run`."""

    name: ClassVar[str]
    title: ClassVar[str]
    summary: ClassVar[str] = ""  # when it helps and what it costs, for the README and the UI
    options_type: ClassVar[type[LaneOptions]] = LaneOptions
    controls: ClassVar[tuple[Control, ...]] = ()
    uses_model_picker: ClassVar[bool] = True  # False: the lane picks its model (an adapter's base)
    order: ClassVar[int] = 100  # display order among the lanes
    on_by_default: ClassVar[bool] = False  # runs when no lanes are chosen (ask, eval, Compare)
    one_off: ClassVar[tuple[str, ...]] = ()  # what it pays once before its first answer: "index", "adapter"

    def options(self, model: str, **values: Any) -> LaneOptions:
        """This lane's options from any settings: unknown names are ignored, None keeps the default."""
        names = {f.name for f in fields(self.options_type)}
        limits = {c.field: c for c in (*COMMON_LIMITS, *self.controls)}
        chosen: dict[str, Any] = {}
        for name, value in values.items():
            if name not in names or name == "model":
                continue
            if value is None and name != "system_prompt":
                continue
            chosen[name] = limits[name].check(value) if name in limits else value
        return self.options_type(model=model, **chosen)

    def variants(self, options: LaneOptions) -> list[tuple[str, LaneOptions]]:
        """The rows this lane contributes to an evaluation: (label, options); most lanes have one."""
        return [(self.name, options)]

    def model_for(self, scenario: Scenario, options: LaneOptions, context: LaneContext) -> str | ModelRef:
        """The model this lane calls; lanes that pick their own (an adapter's base) say which."""
        return options.model

    def run(
        self,
        question: str,
        scenario: Scenario,
        options: LaneOptions,
        context: LaneContext,
        gateway: ChatGateway,
    ) -> Iterator[Answer]:
        """Yield the answer as it grows, starting with `recorder.snapshot()` before any work (so a lane
        that fails early still shows its model and steps); raise LaneError (or any error) to fail it."""
        raise NotImplementedError


def system_prompt(scenario: Scenario, options: LaneOptions) -> str:
    """The lane's edited system prompt, or (not edited) the scenario's followed by its instructions."""
    return scenario.instructed_system_prompt if options.system_prompt is None else options.system_prompt


def trained_system_prompt(scenario: Scenario, options: LaneOptions) -> str:
    """An adapter lane's edited system prompt, or (not edited) exactly the one its training data used."""
    return training_system_prompt(scenario) if options.system_prompt is None else options.system_prompt


def opening_messages(system: str) -> list[dict[str, str]]:
    """A system message, or none when the system prompt is blank."""
    return [{"role": "system", "content": system}] if system.strip() else []


def knowledge_for(context: LaneContext, scenario: Scenario) -> KnowledgeBase:
    """The scenario's knowledge base in this workspace, or a clear LaneError."""
    if context.knowledge is None or scenario.knowledge_base is None:
        raise LaneError(f"scenario '{scenario.name}' has no knowledge base")
    return context.knowledge(scenario)


class Recorder:
    """Builds one answer: times it from the lane's start and records each call as a step."""

    def __init__(self, answer: Answer, gateway: ChatGateway, options: LaneOptions) -> None:
        self.answer = answer
        self.gateway = gateway
        self.options = options
        self.started = time.perf_counter()

    def snapshot(self) -> Answer:
        """The live answer; the runner copies what it passes on, and sees the steps of a failed lane."""
        return self.answer

    def tool(self, name: str, tool_input: Any, run: Callable[[], str]) -> str:
        """Run a tool call and record it; a failure becomes an error step and LaneError."""
        began = time.perf_counter()
        try:
            output = run()
        except Exception as exc:
            self.answer.add_step(
                Step("tool", name, tool_input, "", latency_s=time.perf_counter() - began, error=str(exc))
            )
            raise LaneError(f"{name} failed: {exc}") from exc
        self.answer.add_step(Step("tool", name, tool_input, output, latency_s=time.perf_counter() - began))
        return output

    def call(
        self,
        name: str,
        messages: list[dict[str, str]],
        model: str | ModelRef | None = None,
        *,
        visible: bool = True,
        max_tokens: int | None = None,
        **params: Any,
    ) -> Iterator[Answer]:
        """Stream one model call; a visible call's tokens become the answer's text as they arrive.

        The generated text is in `self.last` afterwards.
        """
        target = model if model is not None else self.options.model
        tokens = max_tokens or self.options.max_tokens
        began = time.perf_counter()
        self.last = ""
        completion: Completion | None = None
        try:
            self.gateway.check_fits(target, messages, tokens)
            for item in self.gateway.stream(target, messages, tokens, self.options.temperature, **params):
                if isinstance(item, Completion):
                    completion = item
                    continue
                self.last += item
                if visible:
                    if self.answer.ttft_s is None:
                        self.answer.ttft_s = time.perf_counter() - self.started
                    self.answer.text = self.last
                    yield self.snapshot()
        except Exception as exc:
            self.answer.add_step(
                Step(
                    "llm",
                    name,
                    messages,
                    self.last,
                    latency_s=time.perf_counter() - began,
                    error=str(exc),
                    model=str(target),
                )
            )
            raise
        if completion is None:  # a stream that ended without its summary: measure what we saw
            completion = Completion(self.last, Usage(), time.perf_counter() - began, time.perf_counter() - began, None)
        self.last = completion.text or self.last
        self.answer.add_step(
            Step(
                "llm",
                name,
                messages,
                self.last,
                usage=completion.usage,
                cost_usd=completion.cost_usd,
                latency_s=completion.latency_s,
                cached=getattr(completion, "cached", False),
                model=str(target),
            )
        )
        if visible:
            self.answer.text = self.last
            if self.answer.ttft_s is None:
                self.answer.ttft_s = completion.ttft_s + (began - self.started)

    def complete(self, name: str, messages: list[dict[str, Any]], **params: Any) -> Completion:
        """One whole (not streamed) model call, recorded as a step; for turns the user doesn't watch."""
        began = time.perf_counter()
        try:
            self.gateway.check_fits(self.options.model, messages, self.options.max_tokens)
            completion = self.gateway.complete(
                self.options.model, messages, self.options.max_tokens, self.options.temperature, **params
            )
        except Exception as exc:
            self.answer.add_step(
                Step(
                    "llm",
                    name,
                    messages,
                    "",
                    latency_s=time.perf_counter() - began,
                    error=str(exc),
                    model=str(self.options.model),
                )
            )
            raise
        output = completion.text or "; ".join(f"{c.name}({c.arguments})" for c in completion.tool_calls)
        self.answer.add_step(
            Step(
                "llm",
                name,
                messages,
                output,
                usage=completion.usage,
                cost_usd=completion.cost_usd,
                latency_s=completion.latency_s,
                cached=completion.cached,
                model=str(self.options.model),
            )
        )
        return completion

    def finish(self) -> Answer:
        """The finished answer: latency from the lane's start (a fully cached one keeps its recorded times)."""
        if self.answer.cached:
            self.answer.latency_s = sum(s.latency_s for s in self.answer.steps)
        else:
            self.answer.latency_s = time.perf_counter() - self.started
        return self.answer
