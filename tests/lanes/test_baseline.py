"""The baseline lane: three classical estimates from the training set, no model call, three eval rows."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

from playground.evaluation.report import EvalResults
from playground.evaluation.runner import run_evaluation
from playground.evaluation.sets import EvalItem
from playground.lanes import LaneContext, LaneJob, get_lane
from playground.scenarios import ScenarioCatalog
from tests.fakes import FakeGateway, final_answer

PRICES = {"kettle": 30.0, "blender": 90.0, "laptop": 900.0}
VALUES = [PRICES[list(PRICES)[i % 3]] * (1 + (i % 5) / 10) for i in range(60)]


@pytest.fixture
def priced(tmp_path: Path):
    folder = tmp_path / "scenarios" / "prices"
    folder.mkdir(parents=True)
    lines = []
    for i in range(60):
        kind = list(PRICES)[i % 3]
        price = PRICES[kind] * (1 + (i % 5) / 10)
        messages = [{"role": "user", "content": f"A {kind} number {i}. What is the price?"}]
        messages.append({"role": "assistant", "content": f"${price:.2f}"})
        lines.append(json.dumps({"messages": messages, "category": kind}))
    (folder / "train.jsonl").write_text("\n".join(lines))
    (folder / "scenario.yaml").write_text("title: Prices\nsystem_prompt: Price it.\ntrain_set: train.jsonl\n")
    return ScenarioCatalog(folder.parent).get("prices")


def test_all_three_estimates_without_a_model_call(priced) -> None:
    gateway = FakeGateway()
    answer = final_answer(
        "baseline", "A laptop number 99. What is the price?", priced, LaneContext(category="laptop"), gateway
    )
    assert answer.error is None and gateway.calls == []
    assert [s.name for s in answer.steps] == ["ridge regression", "category median", "training mean"]
    assert answer.steps[1].output == "$1,080.00" and answer.steps[2].output == "$408.00"
    ridge = float(answer.steps[0].output.strip("$").replace(",", ""))
    assert 700 < ridge < 1300, "TF-IDF on 'laptop' carries the price"
    assert answer.text.startswith("ridge regression: $") and answer.usage.total_tokens == 0
    assert 0 < answer.cost_usd < 1e-6, "no tokens: only milliseconds of this machine"
    assert answer.usage.total_tokens == 0


def test_without_a_category_the_median_says_it_used_the_overall_one(priced) -> None:
    answer = final_answer("baseline", "Something. What is the price?", priced, LaneContext(), method="category median")
    assert answer.text == f"${statistics.median(VALUES):,.2f}" and "overall median" in answer.steps[0].input["used"]


def test_in_an_evaluation_the_three_methods_are_three_rows(priced) -> None:
    lane = get_lane("baseline")
    jobs = [LaneJob("baseline", options, label) for label, options in lane.variants(lane.options("none"))]
    items = [EvalItem(1, "A kettle number 1. What is the price?", "33.00", "number", category="kettle")]
    results = EvalResults.from_run(run_evaluation(FakeGateway(), priced, items, jobs))
    lanes = [row["lane"] for row in results.to_json()["lanes"]]
    assert lanes == ["baseline: ridge regression", "baseline: category median", "baseline: training mean"]
    kettles = [value for i, value in enumerate(VALUES) if i % 3 == 0]
    assert (
        results.rows.set_index("lane").loc["baseline: category median", "answer"]
        == f"${statistics.median(kettles):.2f}"
    )


def test_it_does_not_apply_to_text_answers_or_without_a_training_set(scenario, tmp_path: Path) -> None:
    assert "has no training set" in final_answer("baseline", "Q?", scenario).error
    (scenario.folder / "train.jsonl").write_text(
        "\n".join(
            json.dumps({"prompt": "Hi?", "completion": "Hello there, how can I help you today?"}) for _ in range(30)
        )
    )
    text = ScenarioCatalog(scenario.folder.parent).get("demo")
    object.__setattr__(text, "train_set", scenario.folder / "train.jsonl")
    assert "does not apply: the answers in train.jsonl are not numbers" in final_answer("baseline", "Q?", text).error
