"""Right and wrong for one question: is it an item of the scenario's evaluation set, and how did each lane do?

A question is an item when it equals an item's question after normalising whitespace and case
(`normalize_question`). Then the reference answer is known, and each lane's answer is scored on the
scenario's primary metric (`primary_metric` in scenario.yaml), computed exactly as the evaluation
computes it for that item. When the declared metric does not apply to the item's kind (a number
question in a scenario judged by keyword coverage), the item is scored by its kind's own metric,
as the evaluation does: MAE for numbers, choice accuracy for choices, keyword coverage for text.

Verdicts (right / partly / wrong) use fixed thresholds, set here before any result was seen:
- numbers: the metric's own hit definition (numbers.py): right when within $40 or 20% of the
  reference (a hit), partly when within $80 or 40% (a near miss), wrong otherwise or with no number;
- choices: right when it is the reference choice, else wrong;
- house style (style_compliance): right when every house rule holds, partly when at least half of
  them do, wrong otherwise;
- text metrics on a 0-1 scale (keyword coverage, token F1, exact match): right from 0.75, partly
  from 0.25, wrong below.
A failed lane has no score (None): it gave no answer to judge. For a lane that retrieved, the score
also says whether the reference's source document was among the passages, and at which rank.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from playground.evaluation.comparison import PRIMARY
from playground.evaluation.house_style import HouseRule, parse_rules
from playground.evaluation.numbers import HIT_ABS, HIT_REL, NEAR_ABS, NEAR_REL
from playground.evaluation.runner import retrieved_sources
from playground.evaluation.scoring import METRICS, Metric, answer_scores
from playground.evaluation.sets import EvalItem, EvalSetError, load_eval_set
from playground.records import Answer
from playground.scenarios import Scenario

RIGHT, PARTLY, WRONG = "right", "partly", "wrong"
RIGHT_FROM = 0.75  # a 0-1 text metric: right from here
PARTLY_FROM = 0.25  # ... partly from here, wrong below
STYLE_PARTLY_FROM = 0.5  # house style: partly when at least this share of the rules hold
NUMBER_COLUMNS = frozenset({"abs_error", "squared_log_error", "hit", "near_miss"})
KIND_COLUMNS = {  # the metric columns an item of each kind has (house style: text items, with rules)
    "number": NUMBER_COLUMNS,
    "choice": frozenset({"choice_correct"}),
    "text": frozenset({"exact_match", "token_f1", "keyword_coverage"}),
}
log = logging.getLogger(__name__)


def normalize_question(text: str) -> str:
    """Whitespace collapsed and case folded: how a typed question is matched to an item."""
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class Reference:
    """An evaluation item the question matched, and the metric its answers are scored on."""

    item: EvalItem
    metric: Metric
    house_rules: tuple[HouseRule, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        item = self.item
        return {
            "question": item.question,
            "answer": item.reference,
            "kind": item.kind,
            "category": item.category,
            "source": item.source,
            "line": item.number,
            "metric": self.metric.key,
            "metric_label": self.metric.label,
        }


@dataclass(frozen=True)
class Score:
    """One lane's answer on the reference's metric: its value, the verdict, and what it rests on."""

    metric: str  # the metric's JSON key (keyword_coverage, mae, style_compliance, ...)
    value: float | None  # None: nothing to measure (no number in the answer)
    verdict: str  # right, partly or wrong
    detail: str  # one line: what the verdict rests on
    retrieval: dict[str, Any] | None = None  # a lane that retrieved: {source, retrieved, rank}

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "value": self.value,
            "verdict": self.verdict,
            "detail": self.detail,
            "retrieval": self.retrieval,
        }


def _metric(column: str) -> Metric:
    return next(m for m in METRICS if m.column == column)


def item_metric(item: EvalItem, declared: str | None, has_rules: bool) -> Metric:
    """The scenario's declared metric when the item has it, else its kind's own (as the evaluation does)."""
    available = KIND_COLUMNS.get(item.kind, KIND_COLUMNS["text"])
    if has_rules and item.kind == "text":
        available = available | {"style_compliance"}
    for metric in METRICS:
        if declared in (metric.key, metric.column) and metric.column in available:
            return metric
    return _metric(PRIMARY.get(item.kind, "keyword_coverage"))


def find_reference(scenario: Scenario, question: str) -> Reference | None:
    """The evaluation item this question is (after normalising), or None: not an item, or no set."""
    if scenario.eval_set is None or not scenario.eval_set.is_file():
        return None
    wanted = normalize_question(question)
    try:
        items = load_eval_set(scenario.eval_set)
    except EvalSetError as exc:  # a broken uploaded set: no reference, the answers still show
        log.warning("no reference answers: %s", exc.message)
        return None
    item = next((i for i in items if normalize_question(i.question) == wanted), None)
    if item is None:
        return None
    rules = tuple(parse_rules(scenario.extra.get("house_rules")))
    return Reference(item, item_metric(item, scenario.extra.get("primary_metric"), bool(rules)), rules)


def _number_verdict(scores: dict[str, Any], metric: Metric) -> tuple[float | None, str, str]:
    value = scores.get(metric.column)
    if scores.get("predicted") is None:
        return value, WRONG, "no number in the answer"
    said = f"answered {scores['predicted']:g} for {scores['truth']:g}, off by {scores['abs_error']:g}"
    if scores["hit"]:
        return value, RIGHT, f"{said}: a hit (within {HIT_ABS:g} or {HIT_REL:.0%})"
    if scores["near_miss"]:
        return value, PARTLY, f"{said}: a near miss (within {NEAR_ABS:g} or {NEAR_REL:.0%})"
    return value, WRONG, f"{said}: a miss"


def _style_verdict(scores: dict[str, Any]) -> tuple[float, str, str]:
    rules = {name.removeprefix("style: "): passed for name, passed in scores.items() if name.startswith("style: ")}
    held = sum(1 for passed in rules.values() if passed)
    broken = [name for name, passed in rules.items() if not passed]
    detail = f"{held} of {len(rules)} house rules hold" + (f"; broken: {', '.join(broken)}" if broken else "")
    if not broken:
        return 1.0, RIGHT, detail
    return 0.0, (PARTLY if held >= STYLE_PARTLY_FROM * len(rules) else WRONG), detail


def _scale_verdict(value: float, metric: Metric) -> tuple[float, str, str]:
    verdict = RIGHT if value >= RIGHT_FROM else PARTLY if value >= PARTLY_FROM else WRONG
    detail = f"{metric.label} {value:.2f} (right from {RIGHT_FROM:g}, partly from {PARTLY_FROM:g})"
    return value, verdict, detail


def _retrieval(item: EvalItem, answer: Answer) -> dict[str, Any] | None:
    """Whether the reference's source came back, for a lane that retrieved (None otherwise)."""
    if not item.source or "retrieval_s" not in answer.timings:
        return None
    sources = retrieved_sources(answer.passages)
    rank = sources.index(item.source) + 1 if item.source in sources else None
    return {"source": item.source, "retrieved": rank is not None, "rank": rank}


def score_answer(reference: Reference, answer: Answer) -> Score | None:
    """The answer's score on the reference's metric, with its verdict; None for a lane that failed."""
    if answer.error:
        return None
    item, metric = reference.item, reference.metric
    scores = answer_scores(item, answer.text, reference.house_rules)
    if metric.column in NUMBER_COLUMNS:
        value, verdict, detail = _number_verdict(scores, metric)
    elif metric.column == "choice_correct":
        value = float(scores["choice_correct"])
        verdict, detail = (RIGHT, "the reference choice") if value else (WRONG, "not the reference choice")
    elif metric.column == "style_compliance":
        value, verdict, detail = _style_verdict(scores)
    else:
        value, verdict, detail = _scale_verdict(float(scores[metric.column]), metric)
    return Score(metric.key, value, verdict, detail, _retrieval(item, answer))
