"""The validation slice of a training run: which examples are held out, how answers are scored, the curve.

The split rule (recorded on the adapter's card with its seed): examples are grouped by `category`
(one group when the file has none). The slice's size is `round(n * fraction)`, at least 1 and at
most n - 1; it is shared out between the groups in proportion to their sizes (largest remainders
first, ties by category name), and no group gives up its last training example while another can
give one. Each group's examples are shuffled with `random.Random(f"{seed}:{category}")` and the
first ones of the shuffle are held out. Same file, fraction and seed: same slice.

Each evaluation point measures the held-out examples' loss (responses only, as training) and, when
the run has a metric, scores greedy answers to at most `validation_generate` of them (taken round-robin
over the categories, so a capped sample still covers them). The metrics are those of
`playground.evaluation` (keyword coverage, token F1, hit rate, ...), scored per answer here.

Stdlib and the scoring helpers only: the trainer's child process imports this before Unsloth.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from playground.errors import UsageError
from playground.evaluation.house_style import parse_rules, style_scores
from playground.evaluation.numbers import is_hit, is_near_miss, parse_number
from playground.evaluation.text_metrics import choice_correct, exact_match, keyword_coverage, token_f1
from playground.training.data import TrainingDataError, TrainingSet

EVALUATION_POINTS = 4  # a run given as max_steps is evaluated at this many evenly spaced steps
NO_METRIC = "none"  # `--metric none`: validation loss only

Scorer = Callable[[str, str], float | None]  # (answer, reference) -> score, None when it does not apply


class MetricError(UsageError, ValueError):
    """A validation metric that training cannot score (a usage error: one line, exit code 2)."""


@dataclass(frozen=True)
class ValidationSplit:
    """Which examples (0-based indexes into the training set) train and which are held out."""

    train: tuple[int, ...]
    validation: tuple[int, ...]  # in the order answers are generated: round-robin over categories
    seed: int
    fraction: float
    stratified: bool

    def to_json(self, generated: int) -> dict[str, Any]:
        """The card's record of the split: how it was made and which examples (1-based) it holds out."""
        return {
            "examples": len(self.validation),
            "fraction": self.fraction,
            "seed": self.seed,
            "stratified_by": "category" if self.stratified else None,
            "rows": sorted(index + 1 for index in self.validation),
            "generated_per_evaluation": generated,
            "generated_rows": [index + 1 for index in self.validation[:generated]],
        }


def split_validation(categories: Sequence[str | None], fraction: float, seed: int, source: str = "") -> ValidationSplit:
    """Hold out about `fraction` of the examples (whose categories are given), stratified; see the module."""
    n = len(categories)
    stratified = any(category is not None for category in categories)
    if fraction <= 0:
        return ValidationSplit(tuple(range(n)), (), seed, fraction, stratified)
    if n < 2:
        raise TrainingDataError(
            f"{source or 'the training set'}: {n} example{'s' * (n != 1)} cannot be split into training and "
            "validation; add examples or set the validation fraction to 0"
        )
    groups: dict[str, list[int]] = {}
    for index, category in enumerate(categories):
        groups.setdefault(category or "", []).append(index)
    quotas = _quotas({key: len(rows) for key, rows in groups.items()}, min(max(_half_up(n * fraction), 1), n - 1))
    shuffled = {}
    for key, rows in sorted(groups.items()):
        order = list(rows)
        random.Random(f"{seed}:{key}").shuffle(order)
        shuffled[key] = order
    held = {key: order[: quotas[key]] for key, order in shuffled.items()}
    validation = _round_robin([held[key] for key in sorted(held)])
    kept = set(validation)
    return ValidationSplit(tuple(i for i in range(n) if i not in kept), tuple(validation), seed, fraction, stratified)


def split_training(training: TrainingSet, fraction: float, seed: int) -> ValidationSplit:
    """`split_validation` of a training set, by its examples' categories."""
    return split_validation(training.categories or (None,) * len(training), fraction, seed, training.source)


def _half_up(value: float) -> int:
    return math.floor(value + 0.5)


def _quotas(sizes: dict[str, int], total: int) -> dict[str, int]:
    """Share `total` between groups in proportion to their sizes; a group keeps one example while it can."""
    n = sum(sizes.values())
    caps = {key: size - 1 for key, size in sizes.items()}
    if sum(caps.values()) < total:  # only single-example groups left: they may give their one
        caps = dict(sizes)
    exact = {key: size * total / n for key, size in sizes.items()}
    quotas = {key: min(math.floor(exact[key]), caps[key]) for key in sizes}
    by_remainder = sorted(sizes, key=lambda key: (-(exact[key] - math.floor(exact[key])), key))
    for _ in range(total):  # each pass adds at least one while any group has room; bounded either way
        for key in by_remainder:
            if sum(quotas.values()) < total and quotas[key] < caps[key]:
                quotas[key] += 1
    return quotas


def _round_robin(lists: Sequence[Sequence[int]]) -> list[int]:
    longest = max((len(rows) for rows in lists), default=0)
    return [rows[i] for i in range(longest) for rows in lists if i < len(rows)]


def subset(training: TrainingSet, rows: Sequence[int]) -> TrainingSet:
    """The examples at `rows` (0-based), as a set of their own (same source and digest)."""
    categories = tuple(training.categories[i] for i in rows) if training.categories else ()
    conversations = tuple(training.conversations[i] for i in rows)
    return TrainingSet(training.source, conversations, training.sha256, training.format, categories)


# --- metrics: one score per generated answer ------------------------------------------------------


def _number_scorer(hit: Callable[[float, float], bool]) -> Scorer:
    def score(answer: str, reference: str) -> float | None:
        truth = parse_number(reference)
        if truth is None:
            return None  # not a number question
        predicted = parse_number(answer)
        return 0.0 if predicted is None else float(hit(predicted, truth))

    return score


def _abs_error(answer: str, reference: str) -> float | None:
    predicted, truth = parse_number(answer), parse_number(reference)
    return None if predicted is None or truth is None else abs(predicted - truth)


METRICS: dict[str, tuple[Scorer | None, bool]] = {  # name: (scorer, higher is better); style needs rules
    "keyword_coverage": (keyword_coverage, True),
    "token_f1": (token_f1, True),
    "exact_match": (exact_match, True),
    "hit_rate": (_number_scorer(is_hit), True),
    "near_miss_rate": (_number_scorer(is_near_miss), True),
    "mae": (_abs_error, False),
    "choice_accuracy": (choice_correct, True),
    "style_compliance": (None, True),
}
ALIASES = {"hit": "hit_rate", "near_miss": "near_miss_rate", "abs_error": "mae", "choice_correct": "choice_accuracy"}


@dataclass(frozen=True)
class ValidationMetric:
    """A metric the validation answers are scored on."""

    name: str
    scorer: Scorer
    higher_is_better: bool = True

    def score(self, answers: Sequence[str], references: Sequence[str]) -> float | None:
        """The mean over the answers it applies to; None when it applies to none."""
        values = [self.scorer(a, r) for a, r in zip(answers, references, strict=True)]
        kept = [v for v in values if v is not None]
        return sum(kept) / len(kept) if kept else None


def known_metric(name: str | None) -> str | None:
    """The metric's canonical name, None for no metric; MetricError (one line) for a name not scored here."""
    if name is None or name == NO_METRIC:
        return None
    canonical = ALIASES.get(name, name)
    if canonical not in METRICS:
        known = ", ".join([*METRICS, NO_METRIC])
        raise MetricError(f"unknown validation metric '{name}'; known: {known}")
    return canonical


def validation_metric(name: str | None, house_rules: Mapping[str, Any] | None = None) -> ValidationMetric | None:
    """The metric called `name` (None or "none": loss only); style_compliance needs the house rules."""
    canonical = known_metric(name)
    if canonical is None:
        return None
    scorer, higher = METRICS[canonical]
    if scorer is None:
        rules = parse_rules(house_rules)
        if not rules:
            raise MetricError(
                "style_compliance needs house rules: train with --scenario NAME of a scenario that has them"
            )
        scorer = lambda answer, reference: style_scores(rules, answer, reference)["style_compliance"]  # noqa: E731
    return ValidationMetric(canonical, scorer, higher)


def scenario_metric(declared: object) -> str | None:
    """A scenario's primary_metric when training can score it, else None (validation loss only)."""
    try:
        return known_metric(str(declared)) if declared else None
    except MetricError:
        return None


# --- when to evaluate, and the curve ----------------------------------------------------------------


def evaluation_steps(max_steps: int, steps_per_epoch: int, by_epoch: bool) -> list[int]:
    """The optimizer steps after which the slice is evaluated: each epoch's end (and the last step),
    or, for a run given as max_steps, EVALUATION_POINTS evenly spaced steps ending at the last."""
    if max_steps < 1:
        return []
    if by_epoch:
        ends = range(steps_per_epoch, max_steps + 1, max(steps_per_epoch, 1))
        return sorted({*ends, max_steps})
    return sorted({math.ceil(max_steps * k / EVALUATION_POINTS) for k in range(1, EVALUATION_POINTS + 1)})


@dataclass(frozen=True)
class ValidationPoint:
    """One evaluation of the slice: where in training, its loss and its metric's value."""

    epoch: float
    step: int
    eval_loss: float | None
    metric_value: float | None
    seconds: float = 0.0  # spent on this evaluation (loss and generation)

    def to_json(self) -> dict[str, Any]:
        return {
            "epoch": round(self.epoch, 3),
            "step": self.step,
            "eval_loss": None if self.eval_loss is None else round(self.eval_loss, 4),
            "metric_value": None if self.metric_value is None else round(self.metric_value, 4),
            "seconds": round(self.seconds, 2),
        }


def best_point(curve: Sequence[ValidationPoint], metric: ValidationMetric | None = None) -> ValidationPoint | None:
    """The best evaluation: by the metric where it was scored (earliest on a tie), else the lowest loss."""
    scored = [p for p in curve if p.metric_value is not None] if metric else []
    if scored:
        sign = -1.0 if metric.higher_is_better else 1.0
        return min(scored, key=lambda p: (sign * p.metric_value, p.step))
    with_loss = [p for p in curve if p.eval_loss is not None]
    return min(with_loss, key=lambda p: (p.eval_loss, p.step)) if with_loss else None


def validation_block(
    split: ValidationSplit,
    curve: Sequence[ValidationPoint],
    metric: ValidationMetric | None,
    generated: int,
    max_new_tokens: int | None,
) -> dict[str, Any]:
    """The card's `validation` block: the split, the metric, the curve and the best point."""
    best = best_point(curve, metric)
    return {
        **split.to_json(generated if metric else 0),
        "metric": metric.name if metric else None,
        "higher_is_better": metric.higher_is_better if metric else None,
        "max_new_tokens": max_new_tokens if metric else None,
        "note": _note(len(split.validation), generated, metric),
        "curve": [point.to_json() for point in curve],
        "best_epoch": None if best is None else round(best.epoch, 3),
        "best_step": None if best is None else best.step,
        "chosen_by": None if best is None else ("metric" if metric and best.metric_value is not None else "eval_loss"),
        "saved_step": None if best is None else best.step,  # the trainer saves the best point's weights
        "seconds": round(sum(point.seconds for point in curve), 2),
    }


def _note(examples: int, generated: int, metric: ValidationMetric | None) -> str:
    loss = f"eval_loss over all {examples} held-out examples (responses only)"
    if metric is None:
        return f"{loss}; no metric (loss only)"
    if generated < examples:
        answered = f"the first {generated} of {examples} (capped by validation_generate to keep CPU training practical)"
    else:
        answered = f"all {examples} (within the validation_generate cap that keeps CPU training practical)"
    return f"{loss}; {metric.name} on greedy answers to {answered}"


def validation_event(point: ValidationPoint, metric: ValidationMetric | None, examples: int) -> dict[str, Any]:
    """The progress event for one evaluation point."""
    return {
        "event": "validation",
        **point.to_json(),
        "metric": metric.name if metric else None,
        "higher_is_better": metric.higher_is_better if metric else None,
        "examples": examples,
    }
