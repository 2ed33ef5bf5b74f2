"""The prompting lane: a system prompt plus zero or a few worked examples, then the question.

Its context-stuffing variant puts the whole knowledge base into the prompt: no retrieval, but a
prompt that grows (and costs) with the knowledge base until it no longer fits the context window.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from playground.knowledge.parsing import Document
from playground.lanes.base import (
    SYSTEM_PROMPT,
    Control,
    Lane,
    LaneContext,
    LaneOptions,
    Recorder,
    knowledge_for,
    opening_messages,
    system_prompt,
)
from playground.lanes.registry import register
from playground.llm import ChatGateway
from playground.prompts import load_prompt
from playground.records import Answer
from playground.scenarios import Scenario

SHOT_MODES = ("zero-shot", "few-shot")
CONTEXT_MODES = ("none", "whole knowledge base")


@dataclass(frozen=True)
class PromptingOptions(LaneOptions):
    shots: str = "few-shot"
    context: str = "none"  # "whole knowledge base": context stuffing


def document_text(document: Document) -> str:
    """A document as plain text with its section headings, for the stuffed prompt."""
    parts = [f"## {document.source}: {document.title}"]
    for section in document.sections:
        parts.append(f"### {section.heading}\n{section.text}" if section.heading else section.text)
    return "\n\n".join(parts)


def prompting_messages(
    question: str, scenario: Scenario, options: PromptingOptions, context: LaneContext
) -> list[dict[str, str]]:
    """System prompt (stuffed with the knowledge base if asked), the worked examples, the question."""
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
    return messages


@register
class PromptingLane(Lane):
    """Everything the model knows comes from its weights and the prompt."""

    name = "prompting"
    on_by_default = True
    title = "Prompting"
    order = 10
    summary = (
        "System prompt and worked examples. Helps when the model already knows enough and needs the format; "
        "costs one call, and a prompt that grows with every example (or the whole knowledge base, stuffed)."
    )
    options_type = PromptingOptions
    controls = (
        Control("shots", "Examples in the prompt", "choice", SHOT_MODES, flag="--shots"),
        Control(
            "context",
            "Knowledge in the prompt",
            "choice",
            CONTEXT_MODES,
            info="'whole knowledge base' stuffs every document into the prompt",
            flag="--context",
        ),
        SYSTEM_PROMPT,
    )

    def run(
        self, question: str, scenario: Scenario, options: LaneOptions, context: LaneContext, gateway: ChatGateway
    ) -> Iterator[Answer]:
        assert isinstance(options, PromptingOptions)
        recorder = Recorder(Answer(lane=self.name, model=str(options.model)), gateway, options)
        yield recorder.snapshot()
        recorder.answer.messages = prompting_messages(question, scenario, options, context)
        yield recorder.snapshot()
        yield from recorder.call("answer", recorder.answer.messages)
        yield recorder.finish()
