"""What the room says it needs: the criteria a recommendation is checked against.

Every criterion is optional; one left empty is not checked. Each is compared with a measured figure
per lane, and a lane without that figure shows "not measured" rather than passing by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playground.errors import UsageError

CHANGE_RATES = ("never", "yearly", "monthly", "weekly", "daily")
FAST_CHANGES = {"monthly", "weekly", "daily"}  # faster than an adapter is sensibly retrained


class CriteriaError(UsageError):
    """A criterion outside what makes sense (a usage error: exit code 2)."""


@dataclass(frozen=True)
class Criteria:
    """The needs a workshop states; None means "not a criterion"."""

    min_quality: float | None = None  # on the scenario's primary metric (a ceiling when lower is better)
    knowledge_changes: str | None = None  # one of CHANGE_RATES
    tone_matters: bool = False
    examples_available: int | None = None  # training examples the team can provide
    budget_per_month_usd: float | None = None
    max_latency_s: float | None = None

    def __post_init__(self) -> None:
        if self.knowledge_changes is not None and self.knowledge_changes not in CHANGE_RATES:
            raise CriteriaError(f"knowledge changes: choose one of {', '.join(CHANGE_RATES)}")
        for name in ("budget_per_month_usd", "max_latency_s", "examples_available"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise CriteriaError(f"{name.replace('_', ' ')} cannot be negative")

    def to_dict(self) -> dict[str, Any]:
        return {
            "min_quality": self.min_quality,
            "knowledge_changes": self.knowledge_changes,
            "tone_matters": self.tone_matters,
            "examples_available": self.examples_available,
            "budget_per_month_usd": self.budget_per_month_usd,
            "max_latency_s": self.max_latency_s,
        }
