"""The Train tab's charts: training and validation loss together, the held-out metric beside them."""

from __future__ import annotations

from playground.training.jobs import JobState, ValidationReading
from playground.ui.train_tab import loss_frame, validation_frame, validation_summary


def _state(*readings: ValidationReading) -> JobState:
    return JobState(status="running", losses=((1, 3.0), (2, 2.5), (4, 2.0)), validation=readings)


def test_the_loss_chart_has_both_series_and_the_metric_its_own_chart() -> None:
    state = _state(
        ValidationReading(4, 1.0, 2.2, "hit_rate", 0.25),
        ValidationReading(8, 2.0, None, "hit_rate", None),  # a reading without values draws no point
    )
    losses = loss_frame(state)
    assert list(losses.columns) == ["step", "loss", "series"]
    training = [[1, 3.0, "training"], [2, 2.5, "training"], [4, 2.0, "training"]]
    assert losses.values.tolist() == [*training, [4, 2.2, "validation"]]
    metric = validation_frame(state)
    assert metric.values.tolist() == [[4, 1.0, 0.25, "hit_rate"]]
    assert loss_frame(JobState()).empty and validation_frame(JobState()).empty


def test_the_summary_names_the_best_evaluation_by_the_metric_else_the_loss() -> None:
    assert validation_summary(JobState()) == ""
    higher = _state(ValidationReading(4, 1.0, 2.2, "hit_rate", 0.25), ValidationReading(8, 2.0, 2.4, "hit_rate", 0.5))
    assert validation_summary(higher) == (
        "**Validation.** 2 evaluations; best so far at epoch 2 (step 8): hit_rate 0.500."
    )
    lower = _state(
        ValidationReading(4, 1.0, 2.2, "mae", 20.0, higher_is_better=False),
        ValidationReading(8, 2.0, 2.4, "mae", 30.0, higher_is_better=False),
    )
    assert "best so far at epoch 1 (step 4): mae 20.000" in validation_summary(lower)
    loss_only = _state(ValidationReading(4, 1.0, 2.2, None, None), ValidationReading(8, 2.0, 1.9, None, None))
    assert validation_summary(loss_only).endswith("best so far at epoch 2 (step 8): validation loss 1.9000.")
