"""The reference for a question: which evaluation item it is, each lane's score on it and the verdict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from playground.evaluation.reference import (
    PARTLY_FROM,
    RIGHT_FROM,
    find_reference,
    normalize_question,
    score_answer,
)
from playground.records import Answer, Passage
from playground.scenarios import ScenarioCatalog

ITEMS = [
    {"question": "Who runs finance?", "reference": "Marcus Webb runs finance", "source": "people.md"},
    {"question": "What does a Kestrel cost?", "reference": "1960", "kind": "number", "source": "products.md"},
    {"question": "Which colour?\nA) red B) blue", "reference": "B", "kind": "choice"},
]
RULES = {"opening": "^Hi [A-Z]\\w*,$", "closing": "^Bye$", "banned": ["unfortunately"], "spelling": ["color"]}


def _scenario(tmp_path: Path, **extra: object):
    folder = tmp_path / "scenarios" / "facts"
    folder.mkdir(parents=True, exist_ok=True)
    spec = {"title": "Facts", "system_prompt": "Answer.", "eval_set": "eval.jsonl", **extra}
    (folder / "scenario.yaml").write_text(json.dumps(spec))
    (folder / "eval.jsonl").write_text("".join(json.dumps(item) + "\n" for item in ITEMS))
    return ScenarioCatalog(folder.parent).get("facts")


def _answer(text: str, **fields: object) -> Answer:
    return Answer(lane="x", model="m", text=text, done=True, **fields)


def test_a_question_matches_its_item_after_normalising_whitespace_and_case(tmp_path: Path) -> None:
    scenario = _scenario(tmp_path)
    assert normalize_question("  Who  RUNS\nfinance? ") == "who runs finance?"
    found = find_reference(scenario, "who runs   FINANCE?")
    assert found is not None and found.item.reference == "Marcus Webb runs finance" and found.item.number == 1
    assert find_reference(scenario, "which colour? a) red b) blue").item.kind == "choice"
    assert find_reference(scenario, "Who runs finance") is None  # punctuation is not whitespace
    assert find_reference(scenario, "Who runs sales?") is None


def test_no_evaluation_set_means_no_reference(scenario) -> None:
    assert find_reference(scenario, "What is the capital of France?") is None


def test_the_reference_names_its_answer_source_and_metric(tmp_path: Path) -> None:
    data = find_reference(_scenario(tmp_path), "Who runs finance?").to_dict()
    assert data["answer"] == "Marcus Webb runs finance" and data["source"] == "people.md"
    assert data["metric"] == "keyword_coverage"  # the text kind's metric when the scenario declares none


def test_the_declared_metric_scores_the_items_it_applies_to(tmp_path: Path) -> None:
    scenario = _scenario(tmp_path, primary_metric="token_f1")
    assert find_reference(scenario, "Who runs finance?").metric.key == "token_f1"
    # A number item has no token F1 in the evaluation: it is scored by its own kind's metric (MAE).
    assert find_reference(scenario, "What does a Kestrel cost?").metric.key == "mae"


@pytest.mark.parametrize(
    ("text", "value", "verdict"),
    [
        ("Marcus Webb runs finance.", 1.0, "right"),
        ("Marcus Webb runs it.", 0.75, "right"),  # 3 of 4 keywords: right from 0.75
        ("Marcus Webb.", 0.5, "partly"),
        ("Marcus.", 0.25, "partly"),  # partly from 0.25
        ("Teodora does.", 0.0, "wrong"),
    ],
)
def test_text_verdicts_use_the_fixed_cut_offs(tmp_path: Path, text: str, value: float, verdict: str) -> None:
    reference = find_reference(_scenario(tmp_path), "Who runs finance?")
    score = score_answer(reference, _answer(text))
    assert (score.metric, score.value, score.verdict) == ("keyword_coverage", value, verdict)
    assert (RIGHT_FROM, PARTLY_FROM) == (0.75, 0.25)


@pytest.mark.parametrize(
    ("text", "value", "verdict"),
    [
        ("$1,960", 0.0, "right"),
        ("About 2,300 dollars.", 340.0, "right"),  # within 20% of 1,960: the metric's own hit
        ("$2,600", 640.0, "partly"),  # within 40%: a near miss
        ("$4,000", 2040.0, "wrong"),
        ("I don't know.", None, "wrong"),  # no number at all
    ],
)
def test_number_verdicts_use_the_metric_s_hit_definition(tmp_path: Path, text: str, value, verdict: str) -> None:
    reference = find_reference(_scenario(tmp_path), "What does a Kestrel cost?")
    score = score_answer(reference, _answer(text))
    assert (score.metric, score.value, score.verdict) == ("mae", value, verdict)


def test_a_choice_is_right_or_wrong(tmp_path: Path) -> None:
    reference = find_reference(_scenario(tmp_path), "Which colour?\nA) red B) blue")
    assert score_answer(reference, _answer("B) blue")).verdict == "right"
    assert score_answer(reference, _answer("A")).verdict == "wrong"


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("Hi Ann,\nAll fixed.\nBye", "right"),  # every rule holds
        ("Hello Ann,\nThe color is fixed.\nBye", "partly"),  # 2 of 4 rules: half of them
        ("Hello Ann,\nUnfortunately the color is off.\nCheers", "wrong"),  # 0 of 4
    ],
)
def test_house_style_verdicts_count_the_rules(tmp_path: Path, text: str, verdict: str) -> None:
    scenario = _scenario(tmp_path, house_rules=RULES, primary_metric="style_compliance")
    reference = find_reference(scenario, "Who runs finance?")
    score = score_answer(reference, _answer(text))
    assert score.metric == "style_compliance" and score.verdict == verdict
    assert score.value == (1.0 if verdict == "right" else 0.0)  # compliance itself is all or nothing


def test_a_lane_that_retrieved_says_whether_the_reference_source_came_back(tmp_path: Path) -> None:
    reference = find_reference(_scenario(tmp_path), "Who runs finance?")
    passages = [Passage("travel.md", "per diem", 0.9), Passage("people.md", "Marcus Webb", 0.8)]
    found = score_answer(reference, _answer("Marcus Webb", passages=passages, timings={"retrieval_s": 0.01}))
    assert found.retrieval == {"source": "people.md", "retrieved": True, "rank": 2}
    missed = score_answer(reference, _answer("?", passages=passages[:1], timings={"retrieval_s": 0.01}))
    assert missed.retrieval == {"source": "people.md", "retrieved": False, "rank": None}
    assert score_answer(reference, _answer("Marcus Webb")).retrieval is None  # it did not retrieve


def test_a_failed_lane_has_no_score(tmp_path: Path) -> None:
    reference = find_reference(_scenario(tmp_path), "Who runs finance?")
    assert score_answer(reference, _answer("", error="model fell over")) is None


def test_score_json_has_the_contract_fields(tmp_path: Path) -> None:
    reference = find_reference(_scenario(tmp_path), "Who runs finance?")
    data = score_answer(reference, _answer("Marcus Webb runs finance")).to_dict()
    assert {"metric", "value", "verdict"} <= set(data) and data["verdict"] == "right"


def test_every_shipped_example_question_has_a_reference() -> None:
    root = Path(__file__).resolve().parents[2] / "sample_data"
    for scenario in ScenarioCatalog(root).all():
        for question in scenario.example_questions:
            reference = find_reference(scenario, question)
            assert reference is not None, f"{scenario.name}: example '{question[:40]}' is not an evaluation item"
            assert score_answer(reference, _answer("I don't know.")) is not None
