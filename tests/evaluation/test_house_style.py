"""House-style rules: declared in scenario.yaml, checked rule by rule, summarised as style_compliance."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from playground.evaluation.house_style import HouseRulesError, parse_rules, style_scores
from playground.evaluation.report import EvalResults
from playground.evaluation.runner import EvalRow, EvalRun
from playground.evaluation.sets import EvalItem
from playground.records import Answer
from tests.fakes import lane_job

SUPPORT = Path(__file__).resolve().parents[2] / "sample_data" / "support-tone"
RULES = parse_rules(yaml.safe_load((SUPPORT / "scenario.yaml").read_text())["house_rules"])
GOOD = (
    "Hi Ada,\n\nI can imagine how annoying that is.\n\nHere's the plan:\n1. Reboot.\n2. Update.\n\n"
    "We'll follow up.\n\n— The Tallowmere Care Team 🛠️"
)


def test_every_reply_the_generator_wrote_meets_every_rule() -> None:
    replies = [json.loads(line)["messages"][-1]["content"] for line in (SUPPORT / "train.jsonl").open()]
    replies += [json.loads(line)["reference"] for line in (SUPPORT / "eval.jsonl").open()]
    failing = [r[:40] for r in replies if style_scores(RULES, r, r)["style_compliance"] < 1]
    assert len(replies) == 360 and failing == []


@pytest.mark.parametrize(
    ("broken", "rule"),
    [
        (GOOD.replace("Hi Ada,", "Hello Ada,"), "style: opening"),
        (GOOD.replace("— The Tallowmere Care Team 🛠️", "Cheers, the team"), "style: closing"),
        (GOOD.replace("I can imagine how", "We see how"), "style: acknowledgement"),
        (GOOD.replace("Here's the plan:\n", ""), "style: 'Here's the plan:' as in the reference"),
        (GOOD.replace("annoying", "annoying, unfortunately,"), "style: no banned phrases"),
        (GOOD.replace("Update.", "Update the color settings."), "style: house spelling"),
    ],
)
def test_breaking_one_rule_fails_that_rule_only(broken: str, rule: str) -> None:
    scores = style_scores(RULES, broken, GOOD)
    assert scores[rule] == 0.0 and scores["style_compliance"] == 0.0
    assert [k for k, v in scores.items() if v == 0.0 and k != "style_compliance"] == [rule]
    assert style_scores(RULES, GOOD, GOOD)["style_compliance"] == 1.0


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"opening": "(unclosed"}, "house rule 'opening': invalid pattern"),
        ({"tone": "warm"}, "unknown house rules: tone"),
        ({"required": ["a"]}, "must map a name to a pattern"),
        ("be nice", "house_rules must be a mapping"),
    ],
)
def test_malformed_rules_are_one_clear_error(spec, message: str) -> None:
    with pytest.raises(HouseRulesError, match=message):
        parse_rules(spec)


def test_an_evaluation_reports_compliance_and_each_rule() -> None:
    job = lane_job("finetuned", "local/x")
    items = [EvalItem(1, "q1", GOOD, "text"), EvalItem(2, "q2", GOOD, "text")]
    rows = [
        EvalRow(items[0], job, Answer("finetuned", "local/x", text=GOOD)),
        EvalRow(items[1], job, Answer("finetuned", "local/x", text=GOOD.replace("Hi Ada,", "Hello,"))),
    ]
    run = EvalRun("support-tone", "eval.jsonl", items, [job], rows, house_rules=RULES)
    results = EvalResults.from_run(run)
    lane = results.to_json()["lanes"][0]
    assert lane["metrics"]["style_compliance"]["value"] == 0.5
    assert lane["style: opening"] == 0.5 and lane["style: closing"] == 1.0
