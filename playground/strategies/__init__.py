"""The strategy registry: each lane of the comparison by name."""

from __future__ import annotations

from playground.strategies.base import LaneContext, LaneOptions, Prepared, Strategy, StrategyError
from playground.strategies.finetuned import FinetunedStrategy
from playground.strategies.prompting import PromptingStrategy
from playground.strategies.rag import RagStrategy

__all__ = [
    "LaneContext",
    "LaneOptions",
    "Prepared",
    "Strategy",
    "StrategyError",
    "UnknownStrategyError",
    "get_strategy",
    "lane_names",
]


class UnknownStrategyError(KeyError):
    """No lane of that name is registered."""

    def __str__(self) -> str:
        return str(self.args[0])


def _registry() -> dict[str, Strategy]:
    strategies: list[Strategy] = [PromptingStrategy(), RagStrategy(), FinetunedStrategy()]
    return {s.name: s for s in strategies}


def lane_names() -> list[str]:
    """Registered lanes, in display order."""
    return list(_registry())


def get_strategy(name: str) -> Strategy:
    """The named strategy; the error lists the known names."""
    registry = _registry()
    if name not in registry:
        raise UnknownStrategyError(f"unknown lane '{name}'; known: {', '.join(registry)}")
    return registry[name]
