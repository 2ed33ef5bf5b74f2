"""Number parsing and price metrics, against hand-computed values."""

from __future__ import annotations

import math

import pytest

from playground.evaluation.numbers import is_hit, is_near_miss, parse_number, score_numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$1,299.99", 1299.99),
        ("about 40 dollars", 40.0),
        ("I don't know", None),
        ("The price is $45.", 45.0),
        ("USD 12", 12.0),
        ("", None),
        (None, None),
        ("$0.99", 0.99),
        ("1. The headphones cost $45.99", 45.99),  # a list's number is not the price
        ("Item 2: $1,299.99", 1299.99),
        ("3 pack for 12 dollars", 12.0),
        ("Answer: 35", 35.0),  # no money sign anywhere: the first number
    ],
)
def test_parse_number(text, expected) -> None:
    assert parse_number(text) == expected


def test_hit_and_near_miss_thresholds() -> None:
    assert is_hit(140, 100)  # $40 off: within $40
    assert not is_hit(141, 100) and is_near_miss(141, 100)
    assert is_hit(1200, 1000)  # 20% off
    assert not is_hit(1201, 1000) and is_near_miss(1201, 1000)
    assert is_near_miss(180, 100)  # $80 off
    assert not is_near_miss(1401, 1000) and not is_hit(1401, 1000)


def test_scores_by_hand() -> None:
    scores = score_numbers([(110.0, 100.0), (300.0, 100.0), (None, 50.0)])
    assert scores.mae == pytest.approx((10 + 200) / 2)
    expected_rmsle = math.sqrt(
        ((math.log1p(110) - math.log1p(100)) ** 2 + (math.log1p(300) - math.log1p(100)) ** 2) / 2
    )
    assert scores.rmsle == pytest.approx(expected_rmsle)
    assert scores.hit_rate == pytest.approx(1 / 3) and scores.near_miss_rate == 0.0
    assert (scores.parsed, scores.total) == (2, 3)


def test_no_answers_parse() -> None:
    scores = score_numbers([(None, 10.0)])
    assert scores.mae is None and scores.hit_rate == 0.0
