"""The fine-tuned lane: the same base model with a LoRA adapter trained on the team's examples."""

from __future__ import annotations

from playground.local_models import ADAPTER_SEPARATOR
from playground.scenarios import Scenario
from playground.strategies.base import (
    LaneContext,
    LaneOptions,
    Prepared,
    StrategyError,
    opening_messages,
    system_prompt,
)


class FinetunedStrategy:
    """No retrieval and no examples in the prompt: the skill lives in the adapter's weights."""

    name = "finetuned"
    title = "Fine-tuned"

    def prepare(self, question: str, scenario: Scenario, options: LaneOptions, context: LaneContext) -> Prepared:
        if context.adapters is None:
            raise StrategyError("no adapter registry in this context")
        name = options.adapter or scenario.extra.get("adapter")
        if not name:
            names = context.adapters.names()
            if not names:
                raise StrategyError("no adapter yet: train one in the Train tab (or with `train`)")
            name = names[0]
        adapter = context.adapters.get(str(name))
        messages = opening_messages(system_prompt(scenario, options))
        messages.append({"role": "user", "content": question})
        model = f"local/{adapter.base_model}{ADAPTER_SEPARATOR}{adapter.path.resolve()}"
        return Prepared(messages=messages, model=model)
