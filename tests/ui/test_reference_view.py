"""The reference panel and the lanes' marks as HTML: escaped text, a mark only once the lane is done."""

from __future__ import annotations

from playground.evaluation.reference import Reference, item_metric
from playground.evaluation.sets import EvalItem
from playground.records import Answer
from playground.ui.reference_view import reference_html, score_html, scores_html

ITEM = EvalItem(7, "Who runs <finance>?", "Marcus <b>Webb</b>", source="people.md")
REFERENCE = Reference(ITEM, item_metric(ITEM, None, has_rules=False))


def _answer(text: str = "", **fields: object) -> Answer:
    return Answer(lane="rag", model="m", text=text, **fields)


def test_no_reference_shows_nothing() -> None:
    assert reference_html(None) == "" and score_html(None, _answer("x", done=True)) == ""
    assert scores_html(None, [("A", _answer("x", done=True))]) == ""


def test_the_reference_is_escaped_and_names_its_line_source_and_metric() -> None:
    shown = reference_html(REFERENCE)
    assert "Marcus &lt;b&gt;Webb&lt;/b&gt;" in shown and "<b>Webb</b>" not in shown
    assert 'data-metric="keyword_coverage"' in shown and "line 7" in shown and "people.md" in shown


def test_a_lane_is_marked_only_when_done_and_a_failed_one_is_not_scored() -> None:
    assert "data-verdict" not in score_html(REFERENCE, _answer("Marcus"))
    assert 'data-verdict="right"' in score_html(REFERENCE, _answer("Marcus Webb", done=True))
    assert 'data-verdict="none"' in score_html(REFERENCE, _answer(done=True, error="timed out"))


def test_workshop_panel_labels_each_revealed_answer() -> None:
    shown = scores_html(REFERENCE, [("Answer A · RAG", _answer("nobody", done=True))])
    assert "Answer A · RAG" in shown and 'data-verdict="wrong"' in shown and 'class="reference"' in shown
