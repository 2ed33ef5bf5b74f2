"""The prompting lane: a system prompt plus zero or a few worked examples, then the question."""

from __future__ import annotations

from playground.scenarios import Scenario
from playground.strategies.base import LaneOptions, Prepared

SHOT_MODES = ("zero-shot", "few-shot")


class PromptingStrategy:
    """Everything the model knows comes from its weights and the prompt."""

    name = "prompting"
    title = "Prompting"

    def prepare(self, question: str, scenario: Scenario, options: LaneOptions) -> Prepared:
        if options.shots not in SHOT_MODES:
            raise ValueError(f"unknown shots mode '{options.shots}'; use one of {', '.join(SHOT_MODES)}")
        system = scenario.system_prompt if options.system_prompt is None else options.system_prompt
        messages = [{"role": "system", "content": system}] if system.strip() else []
        if options.shots == "few-shot":
            for shot in scenario.few_shot:
                messages.append({"role": "user", "content": shot.question})
                messages.append({"role": "assistant", "content": shot.answer})
        messages.append({"role": "user", "content": question})
        return Prepared(messages=messages)
