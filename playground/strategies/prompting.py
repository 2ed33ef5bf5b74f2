"""The prompting lane: a system prompt plus zero or a few worked examples, then the question.

Its context-stuffing variant puts the whole knowledge base into the prompt: no retrieval, but a
prompt that grows (and costs) with the knowledge base until it no longer fits the context window.
"""

from __future__ import annotations

from playground.knowledge.parsing import Document
from playground.prompts import load_prompt
from playground.scenarios import Scenario
from playground.strategies.base import (
    LaneContext,
    LaneOptions,
    Prepared,
    StrategyError,
    knowledge_for,
    opening_messages,
    system_prompt,
)

SHOT_MODES = ("zero-shot", "few-shot")
CONTEXT_MODES = ("none", "whole knowledge base")


def document_text(document: Document) -> str:
    """A document as plain text with its section headings, for the stuffed prompt."""
    parts = [f"## {document.source}: {document.title}"]
    for section in document.sections:
        parts.append(f"### {section.heading}\n{section.text}" if section.heading else section.text)
    return "\n\n".join(parts)


class PromptingStrategy:
    """Everything the model knows comes from its weights and the prompt."""

    name = "prompting"
    title = "Prompting"

    def prepare(self, question: str, scenario: Scenario, options: LaneOptions, context: LaneContext) -> Prepared:
        if options.shots not in SHOT_MODES:
            raise StrategyError(f"unknown shots mode '{options.shots}'; use one of {', '.join(SHOT_MODES)}")
        if options.context not in CONTEXT_MODES:
            raise StrategyError(f"unknown context mode '{options.context}'; use one of {', '.join(CONTEXT_MODES)}")
        system = system_prompt(scenario, options)
        if options.context == "whole knowledge base":
            documents = knowledge_for(context, scenario).documents()
            stuffed = load_prompt("stuffed").format(documents="\n\n".join(document_text(d) for d in documents))
            system = f"{system}\n\n{stuffed}".strip()
        messages = opening_messages(system)
        if options.shots == "few-shot":
            for shot in scenario.few_shot:
                messages.append({"role": "user", "content": shot.question})
                messages.append({"role": "assistant", "content": shot.answer})
        messages.append({"role": "user", "content": question})
        return Prepared(messages=messages)
