"""Volume projection: each lane's total cost as questions add up, and where one overtakes another.

A lane's total at a volume of V questions is its one-off cost (index, training) plus its measured
cost per answer times V. Two lines cross once at most: below that volume the lane with the smaller
one-off cost is cheaper, above it the one with the smaller per-answer cost. A lane whose costs are
unknown is left out of the arithmetic and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

from playground.costs.one_off import OneOffCost


@dataclass(frozen=True)
class LaneCostLine:
    """One lane's cost as a line: what it pays once, and what each answer costs."""

    lane: str
    per_answer_usd: float | None
    one_off: tuple[OneOffCost, ...] = ()

    @property
    def one_off_usd(self) -> float | None:
        costs = [item.cost_usd for item in self.one_off]
        if any(cost is None for cost in costs):
            return None
        return float(sum(cost for cost in costs if cost is not None))

    @property
    def known(self) -> bool:
        return self.per_answer_usd is not None and self.one_off_usd is not None

    def total(self, volume: float) -> float | None:
        """One-off plus `volume` answers; None when either part is unknown."""
        if not self.known:
            return None
        assert self.per_answer_usd is not None and self.one_off_usd is not None
        return self.one_off_usd + self.per_answer_usd * volume

    def monthly(self, volume: float) -> float | None:
        """A month of `volume` answers once the one-off cost is paid."""
        return None if self.per_answer_usd is None else self.per_answer_usd * volume

    def to_dict(self, volume: float) -> dict[str, Any]:
        return {
            "lane": self.lane,
            "per_answer_usd": self.per_answer_usd,
            "one_off_usd": self.one_off_usd,
            "one_off": [item.to_dict() for item in self.one_off],
            "monthly_usd": self.monthly(volume),
            "first_month_usd": self.total(volume),
        }


@dataclass(frozen=True)
class BreakEven:
    """The volume at which `cheaper_after` becomes cheaper in total than `cheaper_before`."""

    cheaper_before: str
    cheaper_after: str
    volume: float

    def describe(self) -> str:
        return (
            f"{self.cheaper_after} overtakes {self.cheaper_before} at {self.volume:,.0f} questions: "
            f"below that {self.cheaper_before} costs less in total, above it {self.cheaper_after}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {"cheaper_before": self.cheaper_before, "cheaper_after": self.cheaper_after, "volume": self.volume}


def break_even(a: LaneCostLine, b: LaneCostLine) -> BreakEven | None:
    """Where two lanes' totals cross at a positive volume; None if they never do (or a cost is unknown)."""
    if not (a.known and b.known):
        return None
    assert a.per_answer_usd is not None and b.per_answer_usd is not None
    assert a.one_off_usd is not None and b.one_off_usd is not None
    slope = a.per_answer_usd - b.per_answer_usd
    if slope == 0:
        return None
    volume = (b.one_off_usd - a.one_off_usd) / slope
    if volume <= 0:
        return None
    # before the crossing the lane with the smaller one-off cost is cheaper
    before, after = (a, b) if a.one_off_usd < b.one_off_usd else (b, a)
    return BreakEven(before.lane, after.lane, volume)


def break_evens(lines: list[LaneCostLine]) -> list[BreakEven]:
    """Every pair of lanes whose totals cross, by volume."""
    found = [point for a, b in combinations(lines, 2) if (point := break_even(a, b)) is not None]
    return sorted(found, key=lambda point: point.volume)


def cheapest_at(lines: list[LaneCostLine], volume: float) -> LaneCostLine | None:
    """The lane with the smallest total at `volume` (None when no lane's cost is known)."""
    known = [line for line in lines if line.known]
    return min(known, key=lambda line: line.total(volume) or 0.0) if known else None
