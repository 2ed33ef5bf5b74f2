"""The chain lane: several prompts, each step's output feeding the next (prompt chaining).

A scenario declares its chain in `scenario.yaml` under `chain:`, a list of steps. A model step
has a `prompt` (with `{question}` and `{<earlier step name>}` placeholders) and an optional
`max_tokens`; a retrieval step has `retrieve:` (a query template) and searches the scenario's
knowledge base. The last step's output is the answer. Every step is a call, so a chain costs
several inference calls: that is the lecture's "slows everything down", measured.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

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
from playground.lanes.builtin.rag import RETRIEVAL_CONTROLS, retrieve
from playground.lanes.registry import register
from playground.llm import ChatGateway
from playground.records import Answer
from playground.scenarios import Scenario

MAX_STEPS = 8
MAX_STEP_TOKENS = 8192


@dataclass(frozen=True)
class ChainStep:
    """One step: a prompt for the model, or a query for the knowledge base."""

    name: str
    prompt: str | None = None
    retrieve: str | None = None
    max_tokens: int | None = None


@dataclass(frozen=True)
class ChainOptions(LaneOptions):
    steps: str | None = None  # the chain as YAML; None: the scenario's own
    k: int = 5  # retrieval steps: passages retrieved


def scenario_chain_yaml(scenario: Scenario) -> str:
    """The scenario's chain as editable YAML (empty when it declares none)."""
    steps = scenario.extra.get("chain")
    return yaml.safe_dump(steps, sort_keys=False, allow_unicode=True, width=100) if steps else ""


def parse_chain(spec: Any) -> list[ChainStep]:
    """Steps from YAML text or a list of mappings; LaneError says what is wrong and where."""
    if isinstance(spec, str):
        try:
            spec = yaml.safe_load(spec)
        except yaml.YAMLError as exc:
            raise LaneError(f"the chain is not valid YAML ({' '.join(str(exc).split())})") from exc
    if not isinstance(spec, list) or not spec:
        raise LaneError("the chain needs a list of steps, each with a name and a prompt (or retrieve)")
    if len(spec) > MAX_STEPS:
        raise LaneError(f"the chain has {len(spec)} steps; at most {MAX_STEPS}")
    steps: list[ChainStep] = []
    known = {"question"}
    for number, item in enumerate(spec, start=1):
        if not isinstance(item, dict) or not item.get("name"):
            raise LaneError(f"chain step {number} needs a name")
        name = str(item["name"])
        if name in known:
            raise LaneError(f"chain step {number}: the name '{name}' is taken (question, or an earlier step)")
        prompt, query = item.get("prompt"), item.get("retrieve")
        if (prompt is None) == (query is None):
            raise LaneError(f"chain step '{name}' needs exactly one of prompt or retrieve")
        template = str(prompt if prompt is not None else query)
        for field in _fields(template, name):
            if field not in known:
                raise LaneError(f"chain step '{name}' uses {{{field}}}, which no earlier step produces")
        steps.append(
            ChainStep(
                name,
                None if prompt is None else str(prompt),
                None if query is None else str(query),
                _step_tokens(name, item.get("max_tokens")),
            )
        )
        known.add(name)
    if steps[-1].prompt is None:
        raise LaneError("the chain's last step must be a prompt: its output is the answer")
    return steps


def _step_tokens(step: str, value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_STEP_TOKENS:
        raise LaneError(f"chain step '{step}': max_tokens must be a whole number from 1 to {MAX_STEP_TOKENS}")
    return value


def _fields(template: str, step: str) -> set[str]:
    """The placeholders of a step's template: plain `{name}` only.

    A format spec (`{question:>2000000000}` builds a 2 GB string), a conversion (`{question!r}`) or
    attribute and index access (`{question.__class__}`) is refused here, before anything runs.
    """
    try:
        parts = [(field, spec, conversion) for _, field, spec, conversion in string.Formatter().parse(template)]
    except ValueError as exc:
        raise LaneError(f"chain step '{step}': {exc} (write a literal brace as {{{{ or }}}})") from exc
    fields = [field for field, spec, conversion in parts if field is not None]
    if any(spec or conversion for field, spec, conversion in parts if field is not None) or any(
        not field.isidentifier() for field in fields
    ):
        raise LaneError(
            f"chain step '{step}': use {{question}} or {{<step name>}} as they are, with no format spec, "
            "conversion or attribute; write a literal brace as {{ or }}"
        )
    return set(fields)


@register
class ChainLane(Lane):
    """Prompt chaining: each step's output becomes part of the next step's prompt."""

    name = "chain"
    one_off = ("index",)
    title = "Prompt chain"
    order = 20
    summary = (
        "Several prompts in a row (extract, then answer; draft, check, rewrite). Helps a small model with "
        "a task too big for one prompt; costs one model call per step, so more tokens and more time."
    )
    options_type = ChainOptions
    controls = (
        Control(
            "steps",
            "Chain steps (YAML: name, prompt or retrieve; {question} and {step name} are filled in)",
            "yaml",
            flag="--chain-steps",
            scenario_default=scenario_chain_yaml,
        ),
        RETRIEVAL_CONTROLS[0],  # k, for retrieval steps
        SYSTEM_PROMPT,
    )

    def run(
        self, question: str, scenario: Scenario, options: LaneOptions, context: LaneContext, gateway: ChatGateway
    ) -> Iterator[Answer]:
        assert isinstance(options, ChainOptions)
        recorder = Recorder(Answer(lane=self.name, model=str(options.model)), gateway, options)
        yield recorder.snapshot()
        spec = options.steps if options.steps else scenario.extra.get("chain")
        if not spec:
            raise LaneError(f"scenario '{scenario.name}' declares no chain: add steps in the lane's settings")
        steps = parse_chain(spec)
        outputs: dict[str, str] = {"question": question}
        for number, step in enumerate(steps, start=1):
            last = number == len(steps)
            try:
                if step.retrieve is not None:
                    query = step.retrieve.format_map(outputs)
                    outputs[step.name] = retrieve(recorder, query, scenario, options, context)
                    continue
                assert step.prompt is not None
                messages = opening_messages(system_prompt(scenario, options))
                messages.append({"role": "user", "content": step.prompt.format_map(outputs)})
                recorder.answer.messages = messages  # "Messages sent": the step running now, the last one at the end
                yield from recorder.call(step.name, messages, visible=last, max_tokens=step.max_tokens)
            except Exception as exc:
                raise LaneError(f"chain step '{step.name}' failed: {exc}") from exc
            outputs[step.name] = recorder.last.strip()
            yield recorder.snapshot()
        yield recorder.finish()
