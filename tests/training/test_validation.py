"""The validation slice: a deterministic, stratified split; metrics per answer; evaluation points; the card block."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from playground.training.data import TrainingDataError, TrainingSet, load_training_bytes
from playground.training.settings import TrainSettings
from playground.training.trainer import TrainConfig, TrainingRun, build_card
from playground.training.validation import (
    MetricError,
    ValidationPoint,
    best_point,
    evaluation_steps,
    split_training,
    split_validation,
    subset,
    validation_block,
    validation_event,
    validation_metric,
)


def _categories(sizes: dict[str, int]) -> list[str]:
    return [name for name, size in sizes.items() for _ in range(size)]


def test_the_split_is_deterministic_and_follows_the_seed() -> None:
    categories = _categories({"tents": 40, "shoes": 30, "coffee": 30})
    first = split_validation(categories, 0.1, seed=7)
    assert first == split_validation(categories, 0.1, seed=7)
    assert first.validation != split_validation(categories, 0.1, seed=8).validation


def test_the_split_is_stratified_with_no_overlap_and_covers_every_example() -> None:
    categories = _categories({"tents": 40, "shoes": 30, "coffee": 20, "lamps": 10})
    split = split_validation(categories, 0.1, seed=3407)
    assert len(split.validation) == 10 and split.stratified
    assert not set(split.train) & set(split.validation)
    assert sorted(split.train + split.validation) == list(range(100))
    held = Counter(categories[i] for i in split.validation)
    assert held == {"tents": 4, "shoes": 3, "coffee": 2, "lamps": 1}
    # answers are generated round-robin over categories: a capped sample still covers them
    assert {categories[i] for i in split.validation[:4]} == {"tents", "shoes", "coffee", "lamps"}


def test_small_sets_hold_out_at_least_one_and_keep_one_to_train_on() -> None:
    assert len(split_validation([None, None], 0.1, seed=1).validation) == 1
    assert len(split_validation([None] * 5, 0.5, seed=1).validation) == 3  # 2.5 rounds half up
    tiny = split_validation(["a", "b", "c"], 0.5, seed=1)  # only single-example groups: one of them gives its one
    assert len(tiny.validation) == 2 and len(tiny.train) == 1
    categories = _categories({"a": 2, "b": 2, "c": 2})
    pairs = split_validation(categories, 0.5, seed=1)
    assert sorted(categories[i] for i in pairs.train) == ["a", "b", "c"]  # each category keeps one to train on
    with pytest.raises(TrainingDataError, match="1 example cannot be split into training and validation"):
        split_validation(["a"], 0.1, seed=1, source="one.jsonl")


def test_fraction_zero_holds_nothing_out() -> None:
    split = split_validation([None] * 4, 0.0, seed=1)
    assert split.validation == () and split.train == (0, 1, 2, 3)
    assert split_validation(["only"], 0.0, seed=1).train == (0,)


def test_categories_come_from_the_jsonl_records(tmp_path: Path) -> None:
    rows = [
        {"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]}
        | ({"category": "x" if i % 2 else "y"} if i < 6 else {})
        for i in range(8)
    ]
    training = load_training_bytes("t.jsonl", "\n".join(json.dumps(r) for r in rows).encode())
    assert training.categories == ("y", "x", "y", "x", "y", "x", None, None)
    plain = load_training_bytes("p.jsonl", b'{"prompt": "q", "completion": "a"}\n{"prompt": "r", "completion": "b"}')
    assert plain.categories == ()
    split = split_training(training, 0.25, seed=2)
    part = subset(training, split.validation)
    assert len(part) == 2 and part.categories == tuple(training.categories[i] for i in split.validation)


@pytest.mark.parametrize(
    ("name", "answers", "references", "expected"),
    [
        ("hit_rate", ["$100", "no idea", "$500"], ["$110.00", "$50", "$100"], 1 / 3),
        ("mae", ["$100", "no idea"], ["$110", "$50"], 10.0),
        ("keyword_coverage", ["warranty 24 months"], ["The warranty is 24 months"], 1.0),
        ("exact_match", ["Paris."], ["paris"], 1.0),
        ("hit", ["$100"], ["$100"], 1.0),  # the evaluation's column name is accepted too
    ],
)
def test_metrics_score_answers_like_the_evaluation(
    name: str, answers: list[str], references: list[str], expected: float
) -> None:
    metric = validation_metric(name)
    assert metric is not None and metric.score(answers, references) == pytest.approx(expected)


def test_unknown_or_unscorable_metrics_are_one_line() -> None:
    assert validation_metric(None) is None and validation_metric("none") is None
    with pytest.raises(MetricError, match="unknown validation metric 'judge_accuracy'; known: keyword_coverage"):
        validation_metric("judge_accuracy")
    with pytest.raises(MetricError, match="style_compliance needs house rules"):
        validation_metric("style_compliance")
    style = validation_metric("style_compliance", {"closing": "^— The Team$"})
    assert style.score(["Hi,\nfixed.\n— The Team", "Hi"], ["", ""]) == 0.5


def test_evaluation_points_each_epoch_or_four_for_max_steps() -> None:
    assert evaluation_steps(max_steps=8, steps_per_epoch=4, by_epoch=True) == [4, 8]
    assert evaluation_steps(max_steps=10, steps_per_epoch=4, by_epoch=True) == [4, 8, 10]  # 2.5 epochs
    assert evaluation_steps(max_steps=30, steps_per_epoch=4, by_epoch=False) == [8, 15, 23, 30]
    assert evaluation_steps(max_steps=2, steps_per_epoch=4, by_epoch=False) == [1, 2]


def test_the_best_point_is_by_the_metric_else_the_lowest_loss() -> None:
    curve = [ValidationPoint(1.0, 4, 2.0, 0.3), ValidationPoint(2.0, 8, 1.5, 0.5), ValidationPoint(3.0, 12, 1.2, 0.5)]
    assert best_point(curve, validation_metric("hit_rate")).epoch == 2.0  # earliest of the tied best
    assert best_point(curve, None).epoch == 3.0
    assert best_point(curve, validation_metric("mae")).epoch == 1.0  # lower is better
    assert best_point([], None) is None


def test_the_card_records_the_validation_block(tmp_path: Path) -> None:
    conversations = tuple(
        ({"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": "$9"}) for i in range(20)
    )
    training = TrainingSet("d.jsonl", conversations, "abc", "chat", tuple("ab"[i % 2] for i in range(20)))
    split = split_training(training, 0.1, seed=5)
    metric = validation_metric("hit_rate")
    curve = [ValidationPoint(1.0, 3, 2.5, 0.25, seconds=4.0), ValidationPoint(2.0, 6, 2.1, 0.5, seconds=6.0)]
    block = validation_block(split, curve, metric, generated=1, max_new_tokens=16)
    config = TrainConfig(data=tmp_path / "d.jsonl", out=tmp_path / "a", settings=TrainSettings(epochs=2))
    run = TrainingRun(6, 2.0, 30.0, "cpu", 2000, True)
    card = build_card(config, subset(training, split.train), run, backend="unsloth x", validation=block)
    validation = card["validation"]
    assert card["examples"] == 18 and validation["examples"] == 2 and validation["seed"] == 5
    assert validation["rows"] == sorted(i + 1 for i in split.validation) and validation["stratified_by"] == "category"
    assert validation["metric"] == "hit_rate" and validation["generated_per_evaluation"] == 1
    assert "the first 1 of 2" in validation["note"] and "capped" in validation["note"]
    assert validation["curve"][1] == {"epoch": 2.0, "step": 6, "eval_loss": 2.1, "metric_value": 0.5, "seconds": 6.0}
    assert validation["best_epoch"] == 2.0 and validation["best_step"] == 6 and validation["chosen_by"] == "metric"
    assert card["tokens_per_s"] == 100.0  # 2,000 tokens over the 20 s spent training, not the 10 s validating
    assert card["hyperparameters"]["validation_fraction"] == 0.1
    json.dumps(card)  # the card is plain JSON
    loss_only = validation_block(split, curve, None, generated=32, max_new_tokens=16)
    assert loss_only["metric"] is None and loss_only["generated_per_evaluation"] == 0
    assert loss_only["best_epoch"] == 2.0 and loss_only["chosen_by"] == "eval_loss"


def test_the_validation_event_carries_the_point_and_the_metric() -> None:
    event = validation_event(ValidationPoint(1.0, 4, 2.34567, 0.25), validation_metric("mae"), examples=3)
    assert event == {
        "event": "validation",
        "epoch": 1.0,
        "step": 4,
        "eval_loss": 2.3457,
        "metric_value": 0.25,
        "seconds": 0.0,
        "metric": "mae",
        "higher_is_better": False,
        "examples": 3,
    }


class _State:
    def __init__(self, epoch: float, step: int) -> None:
        self.epoch, self.global_step = epoch, step


def _two_points(first_loss: float, second_loss: float, events: list[dict]):
    """A validator that recorded two points, the weights all 1.0 at the first and all 2.0 at the second."""
    import torch

    from playground.training.trainer import _Validator

    model = torch.nn.Linear(2, 1, bias=False)
    validator = object.__new__(_Validator)  # the scoring parts (tokenizer, prompts) are not needed here
    validator.metric, validator.prompts, validator.examples, validator.report = None, [], 4, events.append
    validator.curve, validator.best_weights, validator.restored = [], None, None
    for value, (epoch, step, loss) in zip((1.0, 2.0), ((1.0, 2, first_loss), (2.0, 4, second_loss)), strict=True):
        with torch.no_grad():
            model.weight.fill_(value)
        validator.record(model, _State(epoch, step), {"eval_loss": loss})
    return model, validator


def test_the_saved_weights_are_those_of_the_best_validation_point() -> None:
    """Training past the best point puts its weights back (the epoch count is chosen on held-out data)."""
    import torch

    events: list[dict] = []
    model, validator = _two_points(0.5, 0.9, events)  # the second is worse: overfitting
    validator.restore_best(model)
    assert torch.equal(model.weight, torch.ones(1, 2))
    assert validator.restored is validator.curve[0] and events[-1] == {"event": "restored", "epoch": 1.0, "step": 2}


def test_the_last_weights_stay_when_the_last_point_is_the_best() -> None:
    import torch

    model, validator = _two_points(0.9, 0.5, [])
    validator.restore_best(model)
    assert torch.equal(model.weight, torch.full((1, 2), 2.0)) and validator.restored is None
