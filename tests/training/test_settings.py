"""Training settings declared once: the `train` flags, presets, limits and the card all follow them."""

from __future__ import annotations

import argparse
import json
from dataclasses import fields
from pathlib import Path

import pytest

from playground.cli.train import add_command, config_from_args, with_scenario
from playground.config import REPO_ROOT
from playground.errors import UsageError
from playground.scenarios import ScenarioCatalog
from playground.training.data import TrainingSet
from playground.training.settings import PRESETS, SPECS, SettingsError, TrainSettings
from playground.training.trainer import TrainConfig, TrainingRun, build_card
from playground.training.validation import MetricError


def _train_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="playground")
    add_command(parser.add_subparsers(dest="command"))
    return parser


def _parse(*flags: str) -> argparse.Namespace:
    return _train_parser().parse_args(["train", "data.jsonl", "--out", "adapters/demo", *flags])


def test_every_setting_is_a_train_flag_with_its_help() -> None:
    (train,) = _train_parser()._subparsers._group_actions[0].choices.values()
    flags = {action.option_strings[0]: action for action in train._actions if action.option_strings}
    for spec in SPECS:
        assert flags[spec.flag].help == spec.help
    # the command-line contract's flags keep their names
    assert {"--max-steps", "--epochs", "--rank", "--alpha", "--learning-rate", "--batch-size"} <= set(flags)
    assert {"--max-seq-length", "--seed", "--max-examples", "--system-prompt", "--preset"} <= set(flags)


def test_flags_override_the_preset_which_overrides_the_defaults() -> None:
    config = config_from_args(_parse("--preset", "GPU", "--rank", "4", "--max-examples", "10"))
    assert config.settings == TrainSettings(**(PRESETS["GPU"] | {"rank": 4, "max_examples": 10}))
    assert config_from_args(_parse()).settings == TrainSettings()


def test_the_child_argv_parses_back_to_the_same_settings() -> None:
    settings = TrainSettings.from_preset("quick CPU demo", seed=7, system_prompt="Be brief.", learning_rate=1e-3)
    assert config_from_args(_parse(*settings.argv())).settings == settings
    assert "--max-examples" not in settings.argv()  # unset optional settings are left out


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--rank", "0"], "argument --rank: must be at least 1"),
        (["--epochs", "0"], "argument --epochs: must be at least 0.01"),
        (["--learning-rate", "2"], "argument --learning-rate: must be at most 1"),
        (["--batch-size", "two"], "argument --batch-size: invalid int value: 'two'"),
    ],
)
def test_out_of_range_flags_are_usage_errors(flags: list[str], message: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        _parse(*flags)
    assert exit_.value.code == 2 and message in capsys.readouterr().err


def test_settings_refuse_values_outside_their_limits() -> None:
    with pytest.raises(SettingsError, match="LoRA rank must be at least 1"):
        TrainSettings(rank=0)
    with pytest.raises(SettingsError, match="Batch size is required"):
        TrainSettings(batch_size=None)
    with pytest.raises(SettingsError, match="unknown preset 'huge'"):
        TrainSettings.from_preset("huge")
    for name in PRESETS:
        TrainSettings.from_preset(name)  # every preset is within the limits


def test_the_card_keeps_its_keys(tmp_path: Path) -> None:
    shipped = json.loads((REPO_ROOT / "adapters" / "pricing" / "card.json").read_text())
    config = TrainConfig(data=tmp_path / "d.jsonl", out=tmp_path / "a", settings=TrainSettings(max_steps=3))
    training = TrainingSet("d.jsonl", ((),) * 4, "abc", "chat")
    card = build_card(config, training, TrainingRun(3, 1.23456, 7.0, "cpu", 700, True), backend="unsloth x")
    # a new card has the shipped cards' keys, in their order (forgetting is added later, by its probe)
    assert list(card) == [key for key in shipped if key != "forgetting"]
    assert card["validation"] is None  # nothing held out is recorded as such
    assert list(card["hyperparameters"]) == list(shipped["hyperparameters"])
    assert shipped["validation"]["saved_step"] == shipped["validation"]["best_step"]  # the kept weights
    assert card["hyperparameters"]["max_steps"] == 3 and card["train_loss"] == 1.2346
    assert card["tokens_per_s"] == 100.0 and card["backend"] == "unsloth x"
    assert [f.name for f in fields(TrainSettings)] == [s.name for s in SPECS]


def test_a_scenario_gives_the_data_the_metric_and_its_house_rules() -> None:
    catalog = ScenarioCatalog(REPO_ROOT / "sample_data")
    tone = with_scenario(config_from_args(_train_parser().parse_args(_scenario_args("support-tone"))), catalog)
    assert tone.data == catalog.get("support-tone").train_set and tone.metric == "style_compliance"
    assert tone.house_rules and "closing" in tone.house_rules
    knowledge = config_from_args(_train_parser().parse_args([*_scenario_args("company-knowledge"), "--metric", "none"]))
    assert with_scenario(knowledge, catalog).metric is None  # asked for loss only
    chosen = config_from_args(_parse("--metric", "hit", "--scenario", "company-knowledge"))
    filled = with_scenario(chosen, catalog)
    assert filled.metric == "hit_rate" and filled.data == Path("data.jsonl")  # the given file and metric win
    assert with_scenario(config_from_args(_parse()), catalog).metric is None  # no scenario: loss only


def _scenario_args(name: str) -> list[str]:
    return ["train", "--scenario", name, "--out", "adapters/demo"]


def test_an_unknown_metric_or_missing_data_is_one_line() -> None:
    with pytest.raises(MetricError, match="unknown validation metric 'bleu'"):
        config_from_args(_parse("--metric", "bleu"))
    bare = config_from_args(_train_parser().parse_args(["train", "--out", "adapters/demo"]))
    with pytest.raises(UsageError, match="give the training file, or --scenario NAME"):
        with_scenario(bare, ScenarioCatalog(REPO_ROOT / "sample_data"))
