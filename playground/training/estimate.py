"""Before training: how long it will take and what it will cost, from the data's tokens and a measured speed.

The speed is what this machine measured: the tokens and seconds its adapters' cards record on the
same device (sum of tokens over sum of seconds). A device no card was trained on has no measured
speed, so its estimate says "not measured" rather than guessing. Warnings name data too small to
teach a skill or a tone, and runs that stop before seeing every example.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from playground.costs.hardware import Hardware, training_hardware

FEW_EXAMPLES = 100  # below this an adapter rarely learns a skill or a tone (the shipped ones used 300 to 2,000)


@dataclass(frozen=True)
class Throughput:
    """Training tokens per second on a device, and the runs it was measured on."""

    device: str
    tokens_per_s: float | None
    basis: str


@dataclass(frozen=True)
class TrainingEstimate:
    """The expected run: steps, tokens, seconds and cost on the hardware, with warnings."""

    examples: int
    steps: int
    tokens: int
    seconds: float | None
    cost_usd: float | None
    hardware: Hardware
    throughput: Throughput
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def describe(self) -> str:
        """One paragraph for the Train tab."""
        if self.seconds is None:
            timing = f"time and cost not measured for {self.throughput.device}: {self.throughput.basis}"
        else:
            timing = (
                f"about {_duration(self.seconds)} and ${self.cost_usd:.4f} at {self.hardware.assumption} "
                f"({self.throughput.tokens_per_s:.0f} tokens/s, {self.throughput.basis})"
            )
        text = f"{self.examples:,} examples, {self.steps:,} steps, {self.tokens:,} tokens to train on: {timing}."
        return " ".join([text, *(f"⚠ {warning}" for warning in self.warnings)])

    def to_dict(self) -> dict[str, Any]:
        return {
            "examples": self.examples,
            "steps": self.steps,
            "tokens": self.tokens,
            "seconds": self.seconds,
            "cost_usd": self.cost_usd,
            "tokens_per_s": self.throughput.tokens_per_s,
            "warnings": list(self.warnings),
        }


def measured_throughput(cards: Iterable[dict[str, Any]], device: str = "cpu") -> Throughput:
    """Tokens per second over every card trained on `device` that records its tokens and seconds."""
    runs = [
        (float(card["tokens"]), float(card["seconds"]) - _validation_seconds(card))
        for card in cards
        if card.get("device") == device and card.get("tokens") and card.get("seconds")
    ]
    runs = [(tokens, seconds) for tokens, seconds in runs if seconds > 0]
    if not runs:
        return Throughput(device, None, f"no adapter here was trained on {device}")
    tokens, seconds = sum(t for t, _ in runs), sum(s for _, s in runs)
    return Throughput(device, tokens / seconds, f"measured over {len(runs)} training run{'s' * (len(runs) != 1)}")


def _validation_seconds(card: dict[str, Any]) -> float:
    """The seconds a run spent evaluating its validation slice: not training speed."""
    validation = card.get("validation")
    return float(validation.get("seconds") or 0.0) if isinstance(validation, dict) else 0.0


def estimate_training(
    token_counts: list[int],
    batch_size: int,
    epochs: float,
    max_steps: int | None,
    throughput: Throughput,
    hardware: Hardware | None = None,
) -> TrainingEstimate:
    """Steps as the trainer takes them (max steps, else epochs), tokens from the examples' own counts."""
    examples = len(token_counts)
    steps = max_steps or max(1, math.ceil(examples * epochs / batch_size))
    seen = steps * batch_size  # examples fed, cycling through the data
    mean_tokens = sum(token_counts) / examples if examples else 0.0
    tokens = round(mean_tokens * seen)
    priced_on = hardware or training_hardware(throughput.device)
    seconds = tokens / throughput.tokens_per_s if throughput.tokens_per_s else None
    warnings = []
    if examples < FEW_EXAMPLES:
        warnings.append(
            f"only {examples} examples: too few to teach a skill or a tone reliably "
            "(the shipped adapters learned from 300 to 2,000)"
        )
    if examples and seen < examples:
        warnings.append(f"{steps} steps of {batch_size} see only {seen / examples:.0%} of the examples")
    cost = None if seconds is None else priced_on.cost_of(seconds)
    return TrainingEstimate(examples, steps, tokens, seconds, cost, priced_on, throughput, tuple(warnings))


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
