"""Dev/test splits: made by the fixed rule, recorded beside each shipped set, and refused once stale."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from playground.cli import main
from playground.evaluation.sets import EvalItem, load_eval_set
from playground.evaluation.splits import (
    SplitError,
    load_split,
    make_split,
    question_id,
    split_items,
    split_path,
    write_split,
)

SAMPLE_DATA = Path(__file__).resolve().parents[2] / "sample_data"
SHIPPED_SETS = sorted(SAMPLE_DATA.glob("*/eval.jsonl"))


def _items(count: int, categories: int = 3) -> list[EvalItem]:
    return [EvalItem(i + 1, f"question {i}", "r", category=f"c{i % categories}") for i in range(count)]


def test_split_is_deterministic_disjoint_complete_and_stratified() -> None:
    items = _items(60)
    first, again = make_split(items), make_split(list(reversed(items)))
    assert first.dev == again.dev  # order in the file does not matter, only the questions
    assert not first.dev & first.test and len(first.dev | first.test) == 60
    for category in ("c0", "c1", "c2"):
        dev = [i for i in items if i.category == category and question_id(i.question) in first.dev]
        assert len(dev) == 7  # round(20 / 3) of each category's 20
    assert make_split(items, seed=1).dev != first.dev


def test_every_group_of_two_or_more_has_a_dev_and_a_test_item() -> None:
    split = make_split(_items(4, categories=2))
    assert len(split.dev) == 2 and len(split.test) == 2


def test_a_repeated_question_is_refused() -> None:
    items = [*_items(3), EvalItem(9, "Question  0", "r")]  # the same after normalising
    with pytest.raises(SplitError, match="repeats a question"):
        make_split(items)


@pytest.mark.parametrize("eval_set", SHIPPED_SETS, ids=lambda p: p.parent.name)
def test_each_shipped_set_has_its_split_recorded_by_the_rule(eval_set: Path) -> None:
    items = load_eval_set(eval_set)
    recorded = load_split(eval_set)
    assert recorded.dev == make_split(items, recorded.seed, recorded.dev_share).dev
    dev, test = split_items(eval_set, items, "dev"), split_items(eval_set, items, "test")
    assert len(dev) + len(test) == len(items) and dev and test


def test_a_changed_set_no_longer_matches_its_split(tmp_path: Path) -> None:
    eval_set = tmp_path / "eval.jsonl"
    rows = [{"question": f"q{i}", "reference": "r", "category": "c"} for i in range(6)]
    eval_set.write_text("".join(json.dumps(r) + "\n" for r in rows))
    write_split(eval_set)
    assert len(split_items(eval_set, load_eval_set(eval_set), "dev")) == 2
    eval_set.write_text("".join(json.dumps(r) + "\n" for r in rows[:5]))
    with pytest.raises(SplitError, match="no longer matches its recorded split"):
        split_items(eval_set, load_eval_set(eval_set), "test")
    split_path(eval_set).unlink()
    with pytest.raises(SplitError, match="has no recorded dev/test split"):
        split_items(eval_set, load_eval_set(eval_set), "dev")
    assert split_items(eval_set, load_eval_set(eval_set), "all") == load_eval_set(eval_set)


def test_eval_without_a_recorded_split_is_one_line(tmp_path: Path, capsys) -> None:
    eval_set = tmp_path / "set.jsonl"
    eval_set.write_text('{"question": "q", "reference": "r"}\n')
    assert main(["eval", str(eval_set), "--split", "dev"]) == 1
    err = capsys.readouterr().err
    assert "set.jsonl has no recorded dev/test split" in err and err.count("\n") == 1
