"""Text metrics against values computed by hand."""

from __future__ import annotations

import pytest

from playground.evaluation.text_metrics import (
    choice_correct,
    exact_match,
    keyword_coverage,
    keywords,
    normalize,
    token_f1,
)


def test_normalize_drops_case_punctuation_and_articles() -> None:
    assert normalize("The  Kestrel-VS400, an “Industrial” sensor!") == "kestrel vs400 industrial sensor"


def test_exact_match_after_normalisation() -> None:
    assert exact_match("Paris.", "paris") == 1.0
    assert exact_match("The answer is Paris", "Paris") == 0.0


def test_token_f1_by_hand() -> None:
    # answer tokens: paris is capital (3); reference: paris (1); common 1 -> P=1/3, R=1, F1=0.5
    assert token_f1("Paris is the capital", "Paris") == pytest.approx(0.5)
    # answer: 24 months (2); reference: warranty 24 months (3); common 2 -> P=1, R=2/3, F1=0.8
    assert token_f1("24 months", "warranty 24 months") == pytest.approx(0.8)
    assert token_f1("I don't know", "Paris") == 0.0
    assert token_f1("", "") == 1.0 and token_f1("", "Paris") == 0.0


def test_keyword_coverage_by_hand() -> None:
    assert keywords("The warranty is 24 months.") == {"warranty", "24", "months"}
    assert keyword_coverage("It lasts 24 months", "The warranty is 24 months.") == pytest.approx(2 / 3)
    assert keyword_coverage("anything", "the") == 1.0  # no keywords: nothing to miss


@pytest.mark.parametrize(
    ("answer", "reference", "expected"),
    [("B", "B", 1.0), ("B) Paris", "b", 1.0), ("b.", "B", 1.0), ("A", "B", 0.0), ("Blue", "B", 0.0), ("A", "A", 1.0)],
)
def test_choice(answer: str, reference: str, expected: float) -> None:
    assert choice_correct(answer, reference) == expected
