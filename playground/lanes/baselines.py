"""Baselines without a language model, fitted on a scenario's training set of numeric answers.

Three estimates, from crude to classical: the training mean, the median of the item's category
(when the training items have a `category`), and a ridge regression on TF-IDF features of the
question text, fitted on the log of the value. The hyperparameters are fixed here, never tuned on
an evaluation set. Each scenario's fit is made once and cached until its training file changes.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from playground.evaluation.numbers import parse_number
from playground.lanes.base import LaneError
from playground.text_utils import decode_utf8

MIN_EXAMPLES = 20
MIN_NUMERIC_SHARE = 0.9  # answers that are a number and little else: a numeric scenario
SHORT_ANSWER_CHARS = 24
RIDGE_ALPHA = 1.0  # scikit-learn's default; fixed, not tuned on any evaluation set


@dataclass(frozen=True)
class Example:
    question: str
    value: float
    category: str | None


@dataclass(frozen=True)
class Baselines:
    """The fitted estimates of one training set."""

    mean: float
    median: float
    category_medians: dict[str, float]
    ridge: object  # a fitted scikit-learn pipeline: TF-IDF, then ridge on log1p(value)
    examples: int

    def by_mean(self) -> float:
        return self.mean

    def by_category(self, category: str | None) -> tuple[float, str]:
        """The category's median, or the overall median when the category is unknown (and which it was)."""
        if category and category in self.category_medians:
            return self.category_medians[category], f"median of '{category}'"
        return self.median, "overall median (no known category for this question)"

    def by_ridge(self, question: str) -> float:
        predicted = float(self.ridge.predict([question])[0])  # type: ignore[attr-defined]
        return max(0.0, math.expm1(predicted))


def read_examples(path: Path) -> list[Example]:
    """Question, numeric answer and category of each training item (chat or prompt/completion JSONL)."""
    try:
        text = decode_utf8(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise LaneError(f"cannot read the training set {path.name}: {exc}") from exc
    examples, records = [], 0
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue  # the trainer reports malformed lines; a baseline just skips them
        records += 1
        question, answer = _question_and_answer(record)
        short = answer is not None and len(answer.strip()) <= SHORT_ANSWER_CHARS
        value = parse_number(answer) if answer and short else None
        if question and value is not None:
            category = record.get("category")
            examples.append(Example(question, value, str(category) if category else None))
    if records and len(examples) / records < MIN_NUMERIC_SHARE:
        raise LaneError(f"the baseline does not apply: the answers in {path.name} are not numbers")
    return examples


def _question_and_answer(record: object) -> tuple[str | None, str | None]:
    if not isinstance(record, dict):
        return None, None
    if isinstance(record.get("messages"), list):
        messages = [m for m in record["messages"] if isinstance(m, dict)]
        users = [str(m.get("content", "")) for m in messages if m.get("role") == "user"]
        answers = [str(m.get("content", "")) for m in messages if m.get("role") == "assistant"]
        return (users[-1] if users else None), (answers[-1] if answers else None)
    if "prompt" in record and "completion" in record:
        return str(record["prompt"]), str(record["completion"])
    return None, None


def fit(path: Path) -> Baselines:
    """The baselines of this training file (cached until the file changes)."""
    stat = path.stat()
    return _fit(path.resolve(), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _fit(path: Path, mtime_ns: int, size: int) -> Baselines:
    from sklearn.feature_extraction.text import TfidfVectorizer  # scikit-learn loads only when used
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline

    examples = read_examples(path)
    if len(examples) < MIN_EXAMPLES:
        raise LaneError(
            f"the baseline needs at least {MIN_EXAMPLES} training examples with a numeric answer; "
            f"{path.name} has {len(examples)}"
        )
    values = np.array([e.value for e in examples], dtype=float)
    groups: dict[str, list[float]] = {}
    for example in examples:
        if example.category:
            groups.setdefault(example.category, []).append(example.value)
    ridge = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True), Ridge(alpha=RIDGE_ALPHA))
    ridge.fit([e.question for e in examples], np.log1p(np.maximum(values, 0.0)))
    return Baselines(
        mean=float(values.mean()),
        median=float(np.median(values)),
        category_medians={name: float(np.median(group)) for name, group in groups.items()},
        ridge=ridge,
        examples=len(examples),
    )
