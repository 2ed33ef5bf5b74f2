"""The training estimate: steps as the trainer takes them, tokens from the examples, speed from the cards."""

from __future__ import annotations

import pytest

from playground.costs.hardware import get_hardware
from playground.training.estimate import estimate_training, measured_throughput

CARDS = [
    {"device": "cpu", "tokens": 66_558, "seconds": 913.38},
    {"device": "cpu", "tokens": 71_102, "seconds": 886.3},
    {"device": "cuda", "tokens": 0, "seconds": 10},  # no tokens recorded: left out
    {"device": "cpu"},  # an old card without figures
]


def test_throughput_is_all_tokens_over_all_seconds_of_the_devices_runs() -> None:
    cpu = measured_throughput(CARDS, "cpu")
    assert cpu.tokens_per_s == pytest.approx((66_558 + 71_102) / (913.38 + 886.3))
    assert cpu.basis == "measured over 2 training runs"
    assert measured_throughput(CARDS, "cuda").tokens_per_s is None


def test_an_epoch_of_2000_examples_at_the_measured_speed() -> None:
    throughput = measured_throughput(CARDS[:1], "cpu")  # 72.87 tokens/s
    estimate = estimate_training([100] * 2000, batch_size=8, epochs=1.0, max_steps=None, throughput=throughput)
    assert estimate.steps == 250 and estimate.tokens == 200_000
    assert estimate.seconds == pytest.approx(200_000 / (66_558 / 913.38))
    assert estimate.cost_usd == pytest.approx(0.067 * estimate.seconds / 3600)  # cpu: this machine's preset
    assert estimate.warnings == ()
    assert "2,000 examples, 250 steps, 200,000 tokens" in estimate.describe()


def test_few_examples_and_a_short_run_are_warned_about_and_an_unmeasured_device_says_so() -> None:
    throughput = measured_throughput(CARDS, "cuda")
    estimate = estimate_training([50] * 40, 8, 1.0, 2, throughput, get_hardware("H100"))
    assert estimate.steps == 2 and estimate.tokens == 800 and estimate.seconds is None and estimate.cost_usd is None
    assert any("only 40 examples" in w for w in estimate.warnings)
    assert any("see only 40% of the examples" in w for w in estimate.warnings)
    assert "not measured for cuda" in estimate.describe()
