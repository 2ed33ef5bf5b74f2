"""The company-knowledge training set: chat format, grounded in the kb, and no overlap with the evaluation set.

The adapter trained on `train.jsonl` is scored on `eval.jsonl`. If a training question were an evaluation
question, or a light rephrasing of one, the adapter's score would measure recall of its training data, not
knowledge, and the comparison with RAG would be unfair. These checks are lexical: they catch copies and
light rephrasings. The pairs were also written by hand to avoid asking about the same fact with the same
intent as any evaluation question, which no word-overlap measure can fully check.
"""

from __future__ import annotations

import json
import re
from itertools import product
from pathlib import Path

import pytest
import yaml

SCENARIO_DIR = Path(__file__).resolve().parents[1] / "sample_data" / "company-knowledge"
TRAIN_PATH = SCENARIO_DIR / "train.jsonl"
EVAL_PATH = SCENARIO_DIR / "eval.jsonl"
KB_DIR = SCENARIO_DIR / "kb"

MIN_PAIRS = 400
MIN_PAIRS_PER_DOCUMENT = 5

# Token-set Jaccard similarity between a training and an evaluation question must stay below this.
# Questions here are short: after stop words are removed an evaluation question keeps 2 to 10 content
# tokens. A light rephrasing (reordering, adding or dropping a filler word, changing the verb form, swapping
# one content word of five or more) keeps at least 0.6 of the union, so it fails. Honest questions about
# another fact of the same document share its topic words (product, customer and team names); on this data
# they reach 0.57 at most (4 shared tokens of 7, e.g. "What is the term of the Vantgaard Offshore Wind
# contract?" against "Does the Vantgaard Offshore Wind contract renew automatically?"). With so few tokens the
# scores are coarse (4/7, 3/5, 2/3), so 0.6 is the first step that separates the two.
MAX_JACCARD = 0.6

STOP_WORDS = frozenset(
    """
    a about above after again all also am an and any are as at be been before being below between both but
    by can could did do does doing down during each few for from further had has have having her here hers
    him his how i if in into is it its itself just me more most much my no nor not now of off on once only
    or other our ours out over own same she should so some such than that the their theirs them then there
    these they this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours many get gets got one ever
    """.split()
)


def _stem(word: str) -> str:
    """A crude suffix strip so that 'launched', 'launches' and 'launch' compare equal."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if word.endswith("e") and len(word) >= 4:
        word = word[:-1]
    return word


def normalize(question: str) -> str:
    """Lowercase, punctuation dropped, whitespace collapsed: the form for exact-match comparison."""
    return " ".join(re.findall(r"[a-z0-9]+", question.lower()))


def content_tokens(question: str) -> frozenset[str]:
    """Lowercase words of 3+ letters, stop words removed, crudely stemmed, plus numbers.

    Numbers ("2025", "7.2", the "400" of "VS-400") are kept because they name the fact: "When was Lens 7.2
    released?" asks about another release than "When was Lens 7.0 released?".
    """
    text = question.lower()
    words = [_stem(w) for w in re.findall(r"[a-z]+", text) if len(w) >= 3 and w not in STOP_WORDS]
    numbers = re.findall(r"\d+(?:\.\d+)*", text)
    return frozenset(words + numbers)


def jaccard(a: str, b: str) -> float:
    ta, tb = content_tokens(a), content_tokens(b)
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)


def overlapping_pairs(
    train_questions: list[str], eval_questions: list[str], threshold: float = MAX_JACCARD
) -> list[tuple[str, str, float]]:
    """Every (train, eval, similarity) pair that is an exact normalized match or reaches the threshold."""
    found = []
    for t, e in product(train_questions, eval_questions):
        score = 1.0 if normalize(t) == normalize(e) else jaccard(t, e)
        if score >= threshold:
            found.append((t, e, score))
    return found


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def train_rows() -> list[dict]:
    return _read_jsonl(TRAIN_PATH)


@pytest.fixture(scope="module")
def eval_questions() -> list[str]:
    return [row["question"] for row in _read_jsonl(EVAL_PATH)]


@pytest.fixture(scope="module")
def train_questions(train_rows: list[dict]) -> list[str]:
    return [row["messages"][1]["content"] for row in train_rows]


def test_every_line_is_a_chat_example_with_the_scenario_prompt_and_a_kb_source() -> None:
    system_prompt = yaml.safe_load((SCENARIO_DIR / "scenario.yaml").read_text(encoding="utf-8"))["system_prompt"]
    kb_files = {p.name for p in KB_DIR.iterdir() if p.is_file()}
    lines = [line for line in TRAIN_PATH.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert lines
    for number, line in enumerate(lines, start=1):
        row = json.loads(line)
        assert set(row) == {"messages", "source"}, f"line {number}"
        messages = row["messages"]
        assert [m["role"] for m in messages] == ["system", "user", "assistant"], f"line {number}"
        assert all(set(m) == {"role", "content"} for m in messages), f"line {number}"
        assert messages[0]["content"] == system_prompt.strip(), f"line {number}"
        assert messages[1]["content"].strip() == messages[1]["content"] != "", f"line {number}"
        assert messages[2]["content"].strip() == messages[2]["content"] != "", f"line {number}"
        assert row["source"] in kb_files, f"line {number}: unknown source {row['source']!r}"


def test_enough_pairs_covering_every_document_without_duplicates(
    train_rows: list[dict], train_questions: list[str]
) -> None:
    assert len(train_rows) >= MIN_PAIRS
    normalized = [normalize(q) for q in train_questions]
    duplicates = sorted({q for q in normalized if normalized.count(q) > 1})
    assert not duplicates
    per_source: dict[str, int] = {}
    for row in train_rows:
        per_source[row["source"]] = per_source.get(row["source"], 0) + 1
    kb_files = {p.name for p in KB_DIR.iterdir() if p.is_file()}
    thin = {name: per_source.get(name, 0) for name in kb_files if per_source.get(name, 0) < MIN_PAIRS_PER_DOCUMENT}
    assert not thin, f"documents with too few training pairs: {thin}"


def test_no_training_question_copies_or_lightly_rephrases_an_evaluation_question(
    train_questions: list[str], eval_questions: list[str]
) -> None:
    assert len(eval_questions) >= 100
    overlaps = overlapping_pairs(train_questions, eval_questions)
    assert not overlaps, "\n".join(f"{s:.2f}  train: {t}  |  eval: {e}" for t, e, s in overlaps)


@pytest.mark.parametrize(
    ("eval_question", "rephrased"),
    [
        ("When was Tallowmere Lens launched?", "When did Tallowmere launch Lens?"),
        ("Which portal do employees use to book business trips?", "Which portal do employees use for booking trips?"),
        (
            "How many weeks of fully paid leave does a primary caregiver receive?",
            "How many weeks of fully paid leave does the primary caregiver get?",
        ),
    ],
)
def test_the_check_catches_copies_and_light_rephrasings(eval_question: str, rephrased: str) -> None:
    assert overlapping_pairs([eval_question], [eval_question]) == [(eval_question, eval_question, 1.0)]
    assert overlapping_pairs([eval_question.upper() + "  "], [eval_question])
    assert overlapping_pairs([rephrased], [eval_question]), jaccard(rephrased, eval_question)


def test_the_check_lets_a_different_question_on_the_same_document_through() -> None:
    assert not overlapping_pairs(["When was Lens 7.2 released?"], ["When was Lens 7.0 released?"])
    assert not overlapping_pairs(
        ["What does Lens Starter cost?"], ["How many dollars per asset per month is Lens Professional?"]
    )
