"""The Train tab's setting fields are built from the training settings' declaration."""

from __future__ import annotations

import gradio as gr
import pytest

from playground.training.settings import PRESETS, TAB_SPECS, SettingsError, TrainSettings
from playground.ui.train_tab import field_values, setting_fields, settings_from_fields


def test_one_field_per_declared_setting_with_its_label_limits_and_value() -> None:
    with gr.Blocks():
        numbers = setting_fields(TrainSettings.from_preset("GPU"))
    assert [n.elem_id for n in numbers] == [spec.elem_id for spec in TAB_SPECS]
    assert {"train-rank", "train-lr", "train-max-steps", "train-batch", "train-seq-len"} <= {n.elem_id for n in numbers}
    for number, spec in zip(numbers, TAB_SPECS, strict=True):
        assert number.label == spec.label and number.maximum == spec.maximum
    by_id = {n.elem_id: n for n in numbers}
    assert by_id["train-rank"].value == PRESETS["GPU"]["rank"] and by_id["train-rank"].precision == 0
    assert by_id["train-max-steps"].value == 0 and by_id["train-max-steps"].minimum == 0  # 0: epochs decide


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_fields_round_trip_to_settings(preset: str) -> None:
    settings = TrainSettings.from_preset(preset)
    assert settings_from_fields(tuple(field_values(settings))) == settings


def test_zero_max_steps_means_epochs_decide_and_empty_required_fields_are_named() -> None:
    values = dict(zip([s.name for s in TAB_SPECS], field_values(TrainSettings(max_steps=5)), strict=True))
    assert settings_from_fields(tuple((values | {"max_steps": 0}).values())).max_steps is None
    with pytest.raises(SettingsError, match="LoRA rank is required"):
        settings_from_fields(tuple((values | {"rank": None}).values()))
