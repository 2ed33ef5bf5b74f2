"""Evaluation sets: what a valid file gives, and that every problem names its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from playground.evaluation.sets import EvalSetError, load_eval_set, parse_eval_set, sample_items

GOOD = (
    '{"question": "Capital of France?", "reference": "Paris", "kind": "text", "source": "geo.md"}\n'
    "\n"
    '{"question": "Price?", "reference": "49.99", "kind": "number"}\n'
    '{"question": "Pick one: A) red B) blue", "reference": "B", "kind": "choice", "category": "colours"}\n'
)


def test_valid_set_keeps_line_numbers_and_fields() -> None:
    items = parse_eval_set(GOOD)
    assert [i.number for i in items] == [1, 3, 4]
    assert items[0].source == "geo.md" and items[0].kind == "text"
    assert items[1].kind == "number" and items[1].source is None
    assert items[2].category == "colours"


def test_kind_defaults_to_text() -> None:
    (item,) = parse_eval_set('{"question": "q", "reference": "r"}')
    assert item.kind == "text"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"question": "q"}', "line 1: missing reference"),
        ('{"reference": "r"}\n', "line 1: missing question"),
        ('{"question": "q", "reference": "r"}\n{oops', "line 2: not valid JSON"),
        ('{"question": "q", "reference": "r", "kind": "essay"}', "line 1: kind 'essay' is not one of text, number"),
        ("[1, 2]", "line 1: expected an object"),
        ("\n\n", "no questions in it"),
    ],
)
def test_problems_name_the_line(text: str, message: str) -> None:
    with pytest.raises(EvalSetError, match=message):
        parse_eval_set(text, "upload.jsonl")


def test_many_problems_are_summarised() -> None:
    text = "\n".join(["{bad"] * 8)
    with pytest.raises(EvalSetError) as caught:
        parse_eval_set(text)
    assert "line 1:" in str(caught.value) and "line 5:" in str(caught.value)
    assert "line 6:" not in str(caught.value) and "and 3 more" in str(caught.value)


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_bytes(b'{"question": "caf\xe9", "reference": "r"}')
    with pytest.raises(EvalSetError, match="not UTF-8"):
        load_eval_set(path)


def test_shipped_sets_are_valid() -> None:
    root = Path(__file__).resolve().parents[2] / "sample_data"
    kinds = {path.parent.name: {i.kind for i in load_eval_set(path)} for path in root.glob("*/eval.jsonl")}
    assert kinds["product-pricing"] == {"number"}
    assert "text" in kinds["company-knowledge"]
    assert kinds["support-tone"] == {"text"}


def test_sample_is_seeded_and_in_file_order() -> None:
    items = parse_eval_set("\n".join(f'{{"question": "q{i}", "reference": "r"}}' for i in range(20)))
    first, again, other = sample_items(items, 5, seed=1), sample_items(items, 5, seed=1), sample_items(items, 5, 2)
    assert first == again and first != other
    assert [i.number for i in first] == sorted(i.number for i in first)
    assert sample_items(items, None) == items and sample_items(items, 50) == items
    with pytest.raises(EvalSetError, match="at least 1"):
        sample_items(items, 0)
