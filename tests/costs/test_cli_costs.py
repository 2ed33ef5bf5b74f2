"""The command line's cost flags: --hardware prices local work, --repeat adds the spread; bad values exit 2."""

from __future__ import annotations

import json

import pytest

from playground.cli import main

QUESTION = "Morning Forge Ristretto 3: a capsule coffee machine.\nWhat is the price?"


def test_ask_prices_a_local_lane_on_the_chosen_hardware_and_repeats_it(capsys) -> None:
    args = ["ask", QUESTION, "--scenario", "product-pricing", "--lanes", "baseline", "--json"]
    assert main([*args, "--hardware", "T4", "--repeat", "3"]) == 0
    (lane,) = json.loads(capsys.readouterr().out)["lanes"]
    assert lane["cost"]["hardware"]["name"] == "T4" and lane["cost"]["hardware"]["usd_per_hour"] == 0.40
    stages = lane["cost"]["stages"]
    assert lane["cost_usd"] == pytest.approx(sum(stage["cost_usd"] for stage in stages)) and lane["cost_usd"] > 0
    assert lane["repeats"]["runs"] == 3 and lane["repeats"]["latency_median_s"] > 0
    assert lane["repeats"]["distinct_answers"] == 1, "the baseline is deterministic"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--hardware", "TPU"], "unknown hardware 'TPU'; choose one of: this machine"),
        (["--hardware", "custom"], "custom hardware needs an hourly price"),
        (["--repeat", "0"], "argument --repeat: must be at least 1"),
        (["--repeat", "51"], "--repeat: 51 is more than 50"),
    ],
)
def test_bad_cost_flags_exit_2_with_one_line(flags: list[str], message: str, capsys) -> None:
    assert main(["ask", "hi", "--lanes", "baseline", *flags]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
