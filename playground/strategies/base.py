"""What a strategy is: it turns a question into the messages a model sees (retrieving if it must)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from playground.records import Passage
from playground.scenarios import Scenario

if TYPE_CHECKING:
    from playground.knowledge.base import KnowledgeBase
    from playground.training.registry import AdapterRegistry


class StrategyError(ValueError):
    """A lane cannot run as configured (no knowledge base, prompt too long, bad option)."""


@dataclass(frozen=True)
class LaneOptions:
    """Per-lane settings the user can change (in the UI or on the command line)."""

    model: str
    system_prompt: str | None = None  # None: the scenario's system prompt
    shots: str = "few-shot"  # "zero-shot" or "few-shot"
    context: str = "none"  # prompting: "none" or "whole knowledge base" (context stuffing)
    max_tokens: int = 256
    temperature: float = 0.0
    adapter: str | None = None
    k: int = 5  # RAG: passages retrieved
    search_mode: str = "hybrid"  # RAG: vector, fts or hybrid
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class LaneContext:
    """Collaborators a strategy may need, bound to one workspace."""

    knowledge: Callable[[Scenario], KnowledgeBase] | None = None
    adapters: AdapterRegistry | None = None


@dataclass(frozen=True)
class Prepared:
    """The messages to send, any passages retrieved for them, and how long preparing took."""

    messages: list[dict[str, str]]
    passages: list[Passage] = field(default_factory=list)
    model: str | None = None  # a strategy may route to another model string (an adapter, say)
    timings: dict[str, float] = field(default_factory=dict)


class Strategy(Protocol):
    """One lane of the comparison."""

    name: str
    title: str

    def prepare(self, question: str, scenario: Scenario, options: LaneOptions, context: LaneContext) -> Prepared: ...


def system_prompt(scenario: Scenario, options: LaneOptions) -> str:
    """The lane's edited system prompt, or the scenario's when it was not edited."""
    return scenario.system_prompt if options.system_prompt is None else options.system_prompt


def opening_messages(system: str) -> list[dict[str, str]]:
    """A system message, or none when the system prompt is blank."""
    return [{"role": "system", "content": system}] if system.strip() else []


def knowledge_for(context: LaneContext, scenario: Scenario) -> KnowledgeBase:
    """The scenario's knowledge base in this workspace, or a clear StrategyError."""
    if context.knowledge is None or scenario.knowledge_base is None:
        raise StrategyError(f"scenario '{scenario.name}' has no knowledge base")
    return context.knowledge(scenario)
