"""Numbers out of free text, and the price metrics: MAE, RMSLE and hit rate.

A hit is within $40 or 20% of the truth; a near miss within $80 or 40%. An answer with no number
counts as a miss (and is left out of MAE/RMSLE, which are reported with how many answers parsed).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from price_parser import Price

HIT_ABS, HIT_REL = 40.0, 0.20
NEAR_ABS, NEAR_REL = 80.0, 0.40
# An amount marked as money ("$45.99", "USD 12", "40 dollars"): preferred to a bare number before it,
# so a list's "1." or a model's "Item 2:" is not read as the price.
_MONEY = re.compile(r"(?:[$€£]|\bUSD)\s?\d[\d,]*(?:\.\d+)?|\d[\d,]*(?:\.\d+)?\s?(?:USD|dollars?)\b", re.IGNORECASE)


def parse_number(text: str | None) -> float | None:
    """The first amount marked as money in the text ("$1,299.99", "about 40 dollars"), else its first
    number; None when there is none."""
    if not text:
        return None
    money = _MONEY.search(text)
    return Price.fromstring(money.group(0) if money else text).amount_float


def is_hit(predicted: float, truth: float) -> bool:
    error = abs(predicted - truth)
    return error <= HIT_ABS or error <= HIT_REL * abs(truth)


def is_near_miss(predicted: float, truth: float) -> bool:
    error = abs(predicted - truth)
    return not is_hit(predicted, truth) and (error <= NEAR_ABS or error <= NEAR_REL * abs(truth))


@dataclass(frozen=True)
class NumberScores:
    mae: float | None
    rmsle: float | None
    hit_rate: float
    near_miss_rate: float
    parsed: int
    total: int


def score_numbers(pairs: list[tuple[float | None, float]]) -> NumberScores:
    """Scores over (predicted or None, truth) pairs; unparsed answers count as misses."""
    total = len(pairs)
    parsed = [(p, t) for p, t in pairs if p is not None]
    hits = sum(is_hit(p, t) for p, t in parsed)
    near = sum(is_near_miss(p, t) for p, t in parsed)
    mae = sum(abs(p - t) for p, t in parsed) / len(parsed) if parsed else None
    rmsle = (
        math.sqrt(sum((math.log1p(max(p, 0.0)) - math.log1p(max(t, 0.0))) ** 2 for p, t in parsed) / len(parsed))
        if parsed
        else None
    )
    return NumberScores(mae, rmsle, hits / total if total else 0.0, near / total if total else 0.0, len(parsed), total)
