"""The recommendation: every lane checked against every stated criterion, each check with its figure.

A lane fails a criterion only on a measured figure (or on what it structurally is: an adapter does
not read edited documents). A figure that was not measured is shown as "not measured" and never
counts as a pass. Among the lanes that fail nothing, the best measured quality wins, then the lower
monthly cost; the text says which figures decided it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from playground.brief.criteria import FAST_CHANGES, Criteria

STYLE_BAR = 0.8  # the share of answers meeting every house rule that counts as "follows the house style"
MEETS, FAILS, NOT_MEASURED, NOT_APPLICABLE = "meets", "fails", "not measured", "n/a"


@dataclass(frozen=True)
class LaneFigures:
    """What was measured for one lane (None: not measured)."""

    lane: str
    quality: float | None = None
    quality_metric: str | None = None
    higher_is_better: bool = True
    quality_n: int | None = None  # evaluation questions behind the quality figure
    style_compliance: float | None = None
    latency_s: float | None = None
    latency_basis: str = ""
    monthly_usd: float | None = None
    first_month_usd: float | None = None
    stays_current: bool | None = None  # True: reads an index edits update; False: baked in; None: no knowledge
    adapter_examples: int | None = None


@dataclass(frozen=True)
class Check:
    """One lane against one criterion."""

    criterion: str
    lane: str
    status: str
    figure: str

    def to_dict(self) -> dict[str, Any]:
        return {"criterion": self.criterion, "lane": self.lane, "status": self.status, "figure": self.figure}


@dataclass(frozen=True)
class Recommendation:
    """The chosen lane (None when none qualifies), the reasoning and every check behind it."""

    lane: str | None
    text: str
    checks: list[Check] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"lane": self.lane, "text": self.text, "checks": [check.to_dict() for check in self.checks]}


def _money(value: float | None) -> str:
    return "not measured" if value is None else f"${value:,.4f}" if value < 1 else f"${value:,.2f}"


def check_lane(figures: LaneFigures, criteria: Criteria, volume: float) -> list[Check]:
    """Every stated criterion for one lane."""
    lane, checks = figures.lane, []
    if criteria.min_quality is not None:
        name = figures.quality_metric or "quality"
        if figures.quality is None:
            checks.append(
                Check(
                    f"{name} {'≥' if figures.higher_is_better else '≤'} {criteria.min_quality:g}",
                    lane,
                    NOT_MEASURED,
                    "no evaluation of this lane",
                )
            )
        else:
            ok = (
                figures.quality >= criteria.min_quality
                if figures.higher_is_better
                else figures.quality <= criteria.min_quality
            )
            label = f"{name} {'≥' if figures.higher_is_better else '≤'} {criteria.min_quality:g}"
            sample = f" (n = {figures.quality_n})" if figures.quality_n else ""
            checks.append(Check(label, lane, MEETS if ok else FAILS, f"{name} {figures.quality:.3g}{sample}"))
    if criteria.knowledge_changes in FAST_CHANGES:
        label = f"knowledge changes {criteria.knowledge_changes}"
        if figures.stays_current is None:
            checks.append(Check(label, lane, NOT_APPLICABLE, "uses no knowledge of the team's own"))
        elif figures.stays_current:
            checks.append(Check(label, lane, MEETS, "reads the index, which an edit updates at once"))
        else:
            checks.append(Check(label, lane, FAILS, "its facts are trained in: every change needs a new training run"))
    if criteria.tone_matters:
        label = f"house style (≥ {STYLE_BAR:.0%} of answers follow every rule)"
        if figures.style_compliance is None:
            checks.append(
                Check(
                    label, lane, NOT_MEASURED, "no house-style score (the scenario declares no rules, or no evaluation)"
                )
            )
        else:
            status = MEETS if figures.style_compliance >= STYLE_BAR else FAILS
            checks.append(Check(label, lane, status, f"style compliance {figures.style_compliance:.0%}"))
    if criteria.examples_available is not None:
        label = f"{criteria.examples_available:,} training examples available"
        if figures.adapter_examples is None:
            checks.append(Check(label, lane, NOT_APPLICABLE, "needs no training data"))
        else:
            status = MEETS if criteria.examples_available >= figures.adapter_examples else FAILS
            checks.append(Check(label, lane, status, f"its adapter learned from {figures.adapter_examples:,} examples"))
    if criteria.budget_per_month_usd is not None:
        label = f"budget {_money(criteria.budget_per_month_usd)} a month at {volume:,.0f} questions"
        if figures.monthly_usd is None:
            checks.append(Check(label, lane, NOT_MEASURED, "cost per answer unknown"))
        else:
            status = MEETS if figures.monthly_usd <= criteria.budget_per_month_usd else FAILS
            extra = (
                ""
                if figures.first_month_usd is None
                else f" (first month with one-off costs {_money(figures.first_month_usd)})"
            )
            checks.append(Check(label, lane, status, f"{_money(figures.monthly_usd)} a month{extra}"))
    if criteria.max_latency_s is not None:
        label = f"latency ≤ {criteria.max_latency_s:g} s"
        if figures.latency_s is None:
            checks.append(Check(label, lane, NOT_MEASURED, "no latency measured"))
        else:
            status = MEETS if figures.latency_s <= criteria.max_latency_s else FAILS
            checks.append(Check(label, lane, status, f"{figures.latency_s:.2f} s ({figures.latency_basis})"))
    return checks


def _rank_key(figures: LaneFigures) -> tuple[float, float]:
    quality = figures.quality
    if quality is None:
        score = float("-inf")
    else:
        score = quality if figures.higher_is_better else -quality
    return (-score, figures.monthly_usd if figures.monthly_usd is not None else float("inf"))


def recommend(lanes: list[LaneFigures], criteria: Criteria, volume: float) -> Recommendation:
    """The lane that fails no stated criterion with the best measured quality, then the lowest monthly cost."""
    checks = {figures.lane: check_lane(figures, criteria, volume) for figures in lanes}
    every = [check for lane_checks in checks.values() for check in lane_checks]
    if not lanes:
        return Recommendation(None, "No lane was measured, so there is nothing to recommend.", every)
    passing = [f for f in lanes if not any(c.status == FAILS for c in checks[f.lane])]
    if not passing:
        closest = min(lanes, key=lambda f: (sum(c.status == FAILS for c in checks[f.lane]), _rank_key(f)))
        failed = "; ".join(f"{c.criterion} ({c.figure})" for c in checks[closest.lane] if c.status == FAILS)
        return Recommendation(
            None, f"No lane meets every stated criterion. Closest: {closest.lane}, which fails: {failed}.", every
        )
    best = min(passing, key=_rank_key)
    met = [c for c in checks[best.lane] if c.status == MEETS]
    unmeasured = [c for c in checks[best.lane] if c.status == NOT_MEASURED]
    parts = [f"Recommended: **{best.lane}**."]
    if met:
        parts.append("It meets " + "; ".join(f"{c.criterion} ({c.figure})" for c in met) + ".")
    elif not every:
        parts.append("No criteria were stated, so the lanes are ranked by measured quality, then monthly cost.")
    if best.quality is not None:
        others = [f for f in passing if f is not best and f.quality is not None]
        versus = (
            ""
            if not others
            else " (next: " + ", ".join(f"{f.lane} {f.quality:.3g}" for f in sorted(others, key=_rank_key)[:2]) + ")"
        )
        parts.append(f"Best {best.quality_metric} among the lanes that fail nothing: {best.quality:.3g}{versus}.")
    else:
        parts.append("Quality was not measured (run an evaluation); it is chosen on cost.")
    if best.monthly_usd is not None:
        parts.append(f"It costs {_money(best.monthly_usd)} a month at {volume:,.0f} questions.")
    if unmeasured:
        parts.append("Not measured, so not checked: " + "; ".join(c.criterion for c in unmeasured) + ".")
    ruled_out = [f.lane for f in lanes if f not in passing]
    if ruled_out:
        parts.append(
            "Ruled out: "
            + ", ".join(
                f"{lane} ({'; '.join(c.criterion for c in checks[lane] if c.status == FAILS)})" for lane in ruled_out
            )
            + "."
        )
    return Recommendation(best.lane, " ".join(parts), every)
