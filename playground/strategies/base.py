"""What a strategy is: it turns a question into the messages a model sees (retrieving if it must)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from playground.records import Passage
from playground.scenarios import Scenario


@dataclass(frozen=True)
class LaneOptions:
    """Per-lane settings the user can change (in the UI or on the command line)."""

    model: str
    system_prompt: str | None = None  # None: the scenario's system prompt
    shots: str = "few-shot"  # "zero-shot" or "few-shot"
    max_tokens: int = 256
    temperature: float = 0.0
    adapter: str | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Prepared:
    """The messages to send and any passages retrieved for them."""

    messages: list[dict[str, str]]
    passages: list[Passage] = field(default_factory=list)
    model: str | None = None  # a strategy may route to another model string (an adapter, say)


class Strategy(Protocol):
    """One lane of the comparison."""

    name: str
    title: str

    def prepare(self, question: str, scenario: Scenario, options: LaneOptions) -> Prepared: ...
