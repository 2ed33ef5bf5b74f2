"""The reference answer and each lane's right / partly / wrong mark, as HTML for Compare and Workshop.

The lookup and the scoring live in playground/evaluation/reference.py; this module only renders
them. Everything shown is escaped: reference answers and lane answers are text, never markup.
"""

from __future__ import annotations

import html

from playground.evaluation.reference import PARTLY, RIGHT, Reference, Score, score_answer
from playground.records import Answer

MARKS = {RIGHT: "✓ right", PARTLY: "◐ partly", "wrong": "✗ wrong"}
COLOURS = {RIGHT: "#15803d", PARTLY: "#b45309", "wrong": "#b91c1c"}


def reference_html(reference: Reference | None) -> str:
    """The reference answer, its source and the metric the lanes are scored on; empty when there is none."""
    if reference is None:
        return ""
    item = reference.item
    source = f" · source <b>{html.escape(item.source)}</b>" if item.source else ""
    return (
        f'<div class="reference" data-metric="{html.escape(reference.metric.key)}" data-line="{item.number}" '
        'style="border:1px solid #a3a3a3;border-radius:8px;padding:0.5rem 0.75rem;margin:0.4rem 0">'
        f'<div class="reference-title"><b>Reference answer</b> (evaluation set, line {item.number}; '
        f"each lane scored on {html.escape(reference.metric.label)}){source}</div>"
        f'<div class="reference-answer" style="white-space:pre-wrap">{html.escape(item.reference)}</div></div>'
    )


def _retrieval_line(score: Score) -> str:
    found = score.retrieval
    if found is None:
        return ""
    source = html.escape(str(found["source"]))
    said = f"retrieved (rank {found['rank']})" if found["retrieved"] else "not retrieved"
    return (
        f'<div class="score-retrieval" data-retrieved="{str(found["retrieved"]).lower()}">source {source}: {said}</div>'
    )


def score_html(reference: Reference | None, answer: Answer | None) -> str:
    """One lane's mark under its answer: empty without a reference, a placeholder until the answer is done."""
    if reference is None or answer is None:
        return ""
    if not answer.done:
        return '<div class="lane-score lane-score-pending">Scored against the reference when the answer is done…</div>'
    score = score_answer(reference, answer)
    if score is None:
        return '<div class="lane-score" data-verdict="none">Not scored: the lane failed.</div>'
    value = "" if score.value is None else f' data-value="{score.value:g}"'
    colour = COLOURS.get(score.verdict, "inherit")
    return (
        f'<div class="lane-score" data-verdict="{score.verdict}" data-metric="{html.escape(score.metric)}"{value}>'
        f'<span class="score-verdict" style="font-weight:700;color:{colour}">'
        f"{MARKS.get(score.verdict, score.verdict)}</span> "
        f'<span class="score-detail">{html.escape(score.detail)}</span>{_retrieval_line(score)}</div>'
    )


def scores_html(reference: Reference | None, answers: list[tuple[str, Answer]]) -> str:
    """The reference, then one labelled mark per (label, answer): Workshop's panel after the reveal."""
    if reference is None:
        return ""
    rows = "".join(
        f'<div class="workshop-score" data-lane="{html.escape(answer.lane)}"><b>{html.escape(label)}</b>'
        f"{score_html(reference, answer)}</div>"
        for label, answer in answers
    )
    return f'<div class="reference-scores">{reference_html(reference)}{rows}</div>'
