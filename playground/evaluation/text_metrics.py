"""Text metrics: exact match after normalisation, token F1 and reference-keyword coverage.

Normalisation follows SQuAD's: lower case, no punctuation, no articles, single spaces. Keywords
are the reference's words that carry content (not stop words), so "The warranty is 24 months"
checks that an answer says "warranty", "24" and "months".
"""

from __future__ import annotations

import re
import string
from collections import Counter

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_TYPOGRAPHIC = "\u2018\u2019\u201c\u201d\u2013\u2014\u2026"  # curly quotes, dashes, ellipsis
_PUNCTUATION = str.maketrans(dict.fromkeys(string.punctuation + _TYPOGRAPHIC, " "))
STOP_WORDS = frozenset(
    "a an the and or but if of to in on at by for with from as is are was were be been being it its this that "
    "these those there here what which who whom whose when where why how do does did done has have had having "
    "i you he she we they me him her us them my your his our their not no so than then too very can could "
    "will would shall should may might must about into over under up down out off per each any all some".split()
)


def normalize(text: str) -> str:
    """Lower case, punctuation and articles removed, whitespace collapsed."""
    text = text.lower().translate(_PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def tokens(text: str) -> list[str]:
    return normalize(text).split()


def exact_match(answer: str, reference: str) -> float:
    """1.0 when the normalised answer equals the normalised reference."""
    return float(normalize(answer) == normalize(reference))


def token_f1(answer: str, reference: str) -> float:
    """Harmonic mean of token precision and recall between answer and reference."""
    predicted, expected = tokens(answer), tokens(reference)
    if not predicted or not expected:
        return float(predicted == expected)
    common = sum((Counter(predicted) & Counter(expected)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(expected)
    return 2 * precision * recall / (precision + recall)


def keywords(reference: str) -> set[str]:
    """The reference's content words: not stop words, and numbers or words of 2+ letters."""
    return {t for t in tokens(reference) if t not in STOP_WORDS and (len(t) > 1 or t.isdigit())}


def keyword_coverage(answer: str, reference: str) -> float:
    """Share of the reference's keywords that the answer contains (1.0 when it has none)."""
    wanted = keywords(reference)
    if not wanted:
        return 1.0
    return len(wanted & set(tokens(answer))) / len(wanted)


def choice_correct(answer: str, reference: str) -> float:
    """1.0 when the answer is the reference choice, or opens with it ("B", "B) Paris", "Paris.")."""
    # No article removal here: "A" is a choice label, not an article.
    given, expected = (" ".join(t.lower().translate(_PUNCTUATION).split()) for t in (answer, reference))
    if not expected:
        return 0.0
    return float(given == expected or given.startswith(expected + " "))
