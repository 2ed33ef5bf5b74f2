"""The fine-tuned lane: the same base model with a LoRA adapter trained on the team's examples."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from playground.lanes.base import (
    TRAINED_SYSTEM_PROMPT,
    Control,
    Lane,
    LaneContext,
    LaneError,
    LaneOptions,
    Recorder,
    opening_messages,
    trained_system_prompt,
)
from playground.lanes.registry import register
from playground.llm import ChatGateway
from playground.model_ref import ModelRef
from playground.records import Answer
from playground.scenarios import Scenario


@dataclass(frozen=True)
class FinetunedOptions(LaneOptions):
    adapter: str | None = None  # None: the scenario's own adapter


ADAPTER = Control(
    "adapter", "Adapter (base model from its card)", "adapter", info="empty: the scenario's adapter", flag="--adapter"
)


def adapter_model(scenario: Scenario, options: LaneOptions, context: LaneContext) -> ModelRef:
    """The chosen adapter, or the scenario's own, on the base model it was trained on."""
    if context.adapters is None:
        raise LaneError("no adapter registry in this context")
    name = getattr(options, "adapter", None) or scenario.extra.get("adapter")
    if not name:
        raise LaneError(
            f"{scenario.title} has no adapter of its own: train one in the Train tab (or with `train`), "
            "or choose one under Adapter"
        )
    return ModelRef.for_adapter(context.adapters.get(str(name)))


class AdapterLane(Lane):
    """A lane that runs on its adapter's base model, not on the model picker's."""

    uses_model_picker = False
    one_off = ("adapter",)

    def model_for(self, scenario: Scenario, options: LaneOptions, context: LaneContext) -> ModelRef:
        return adapter_model(scenario, options, context)


@register
class FinetunedLane(AdapterLane):
    """No retrieval and no examples in the prompt: the skill lives in the adapter's weights.

    Its system message is the one its training data used (not the scenario's instructions): that is
    the prompt the adapter learned to answer, so anything added would test a prompt it never saw."""

    name = "finetuned"
    on_by_default = True
    title = "Fine-tuned"
    order = 50
    summary = (
        "A LoRA adapter trained on many examples. Helps with a specialist skill or a house tone; costs a "
        "training run and lots of data, and can forget what the base model knew."
    )
    options_type = FinetunedOptions
    controls = (ADAPTER, TRAINED_SYSTEM_PROMPT)

    def run(
        self, question: str, scenario: Scenario, options: LaneOptions, context: LaneContext, gateway: ChatGateway
    ) -> Iterator[Answer]:
        assert isinstance(options, FinetunedOptions)
        model = self.model_for(scenario, options, context)
        recorder = Recorder(Answer(lane=self.name, model=str(model)), gateway, options)
        recorder.answer.messages = opening_messages(trained_system_prompt(scenario, options))
        recorder.answer.messages.append({"role": "user", "content": question})
        yield recorder.snapshot()
        yield from recorder.call("answer", recorder.answer.messages, model)
        yield recorder.finish()
