"""The Evaluate tab's dev/test choice: the recorded split of the scenario's own set, and one line for
anything else a visitor's script may send."""

from __future__ import annotations

import pytest

from playground.config import Settings
from playground.evaluation.sets import load_eval_set
from playground.evaluation.splits import SplitError, load_split
from playground.scenarios import ScenarioCatalog
from tests.hosting.test_limits import _call, _eval_file, _handler, _values


@pytest.fixture(autouse=True)
def uploads_in_tmp(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path))


@pytest.mark.parametrize(
    ("split", "upload", "message"),
    [
        ("../../etc/passwd", True, "choose the questions from all, dev or test"),
        ("dev", True, "an uploaded set has no recorded dev/test split"),
    ],
    ids=["forged", "upload"],
)
def test_a_split_that_does_not_apply_is_refused_in_one_line(services, tmp_path, split, upload, message) -> None:
    from playground.ui.evaluate_tab import build_evaluate_tab

    evaluate = _handler(services, build_evaluate_tab, "evaluate")
    values = {"eval-split": split, "eval-sample": 0}
    if upload:
        values["eval-upload"] = str(_eval_file(tmp_path / "mine.jsonl", 3, "Capital?"))
    _, warned = _call(evaluate, "alice", _values(evaluate, **values))
    assert len(warned) == 1 and message in warned[0], warned
    assert services.gateway.calls == []


def test_the_test_split_is_the_recorded_test_items_of_the_scenarios_own_set() -> None:
    from playground.ui.evaluate_tab import _split_of

    scenario = ScenarioCatalog(Settings().sample_data_dir).get("company-knowledge")
    items = load_eval_set(scenario.eval_set)
    test, name = _split_of(scenario, items, "company-knowledge/eval.jsonl", "test", uploaded=False)
    recorded = load_split(scenario.eval_set)
    assert len(test) == len(recorded.test) and 0 < len(test) < len(items) and name.endswith("(test)")
    assert _split_of(scenario, items, "x", "all", uploaded=False) == (items, "x")
    with pytest.raises(SplitError):
        _split_of(scenario, items, "x", "dev", uploaded=True)
