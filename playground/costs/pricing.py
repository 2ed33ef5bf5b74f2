"""An answer's cost, stage by stage: remote calls at their price-map price, local work at hardware time.

Every step a lane recorded is one stage (retrieval, each model call, each tool). A remote model
call costs what litellm's price map says for its tokens (the gateway priced it when it returned);
a call without a known price is unknown, never $0, and makes the answer's total unknown. A local
model call, a retrieval or a tool costs its measured seconds at the hardware's hourly price. A
cached stage is priced as it was measured when it was generated, and marked cached.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playground.costs.hardware import Hardware
from playground.model_ref import LOCAL_PREFIX
from playground.records import Answer, Step


@dataclass(frozen=True)
class StageCost:
    """One stage of an answer: what it used and what it cost, and on what basis."""

    stage: str
    kind: str  # "llm" or "tool"
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    cost_usd: float | None
    basis: str
    cached: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "kind": self.kind,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "seconds": round(self.seconds, 4),
            "cost_usd": self.cost_usd,
            "basis": self.basis,
            "cached": self.cached,
        }


@dataclass(frozen=True)
class CostBreakdown:
    """An answer's stages and their total (None when any stage's price is unknown)."""

    stages: tuple[StageCost, ...]
    hardware: Hardware

    @property
    def total_usd(self) -> float | None:
        costs = [stage.cost_usd for stage in self.stages]
        if any(cost is None for cost in costs):
            return None
        return float(sum(cost for cost in costs if cost is not None))

    @property
    def local_seconds(self) -> float:
        """Seconds of work priced at the hardware's rate."""
        return sum(stage.seconds for stage in self.stages if stage.basis.startswith("local"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "total_usd": self.total_usd,
            "hardware": self.hardware.to_dict(),
            "assumption": self.hardware.assumption,
            "stages": [stage.to_dict() for stage in self.stages],
        }


def price_step(step: Step, hardware: Hardware) -> StageCost:
    """One step's cost: its API price for a remote model, its time on the hardware otherwise."""
    remote = step.kind == "llm" and step.model is not None and not step.model.startswith(LOCAL_PREFIX)
    if remote:
        if step.cost_usd is None:
            basis = f"no price for {step.model} in litellm's price map"
        else:
            usage = step.usage
            basis = f"litellm price map: {usage.prompt_tokens} prompt + {usage.completion_tokens} answer tokens"
        cost = step.cost_usd
    else:
        cost = hardware.cost_of(step.latency_s)
        basis = f"local: {step.latency_s:.3f} s at ${hardware.usd_per_hour:.3f}/hour ({hardware.name})"
    return StageCost(
        stage=step.name,
        kind=step.kind,
        prompt_tokens=step.usage.prompt_tokens,
        completion_tokens=step.usage.completion_tokens,
        seconds=step.latency_s,
        cost_usd=cost,
        basis=basis,
        cached=step.cached,
    )


def price_answer(answer: Answer, hardware: Hardware) -> CostBreakdown:
    """The answer's stages priced on `hardware`; a lane that recorded no step costs its whole time locally."""
    steps = answer.steps
    if not steps:  # a lane that did its work without recording a step (or failed before its first)
        steps = [Step("tool", "work", None, "", latency_s=answer.latency_s or 0.0)]
    return CostBreakdown(tuple(price_step(step, hardware) for step in steps), hardware)


def priced(answer: Answer, hardware: Hardware) -> Answer:
    """The answer with its cost filled in (`cost_usd` the stages' total, `cost` the breakdown)."""
    breakdown = price_answer(answer, hardware)
    answer.cost = breakdown
    answer.cost_usd = breakdown.total_usd
    return answer
