"""The freshness demonstration: edits go to a copy, RAG sees them, a lane without retrieval cannot."""

from __future__ import annotations

from pathlib import Path

import pytest

from playground.evaluation.freshness import (
    FreshnessError,
    FreshnessItem,
    apply_edits,
    load_freshness,
    run_freshness,
    says,
)
from playground.lanes import LaneContext
from tests.fakes import FakeGateway, lane_job
from tests.knowledge.conftest import embedder, kb, kb_folder, store  # noqa: F401 - fixtures

SHIPPED = Path(__file__).resolve().parents[2] / "sample_data" / "company-knowledge"
PER_DIEM = FreshnessItem("travel.md", "$80 per day", "$95 per day", "What is the meal per diem?", "80", "95")


def test_every_shipped_edit_matches_its_document_once_and_changes_the_answer() -> None:
    items = load_freshness(SHIPPED / "freshness.yaml")
    assert len(items) >= 10
    for item in items:
        text = (SHIPPED / "kb" / item.file).read_text(encoding="utf-8")
        assert text.count(item.old) == 1, item.file
        assert says(item.old, item.before) and says(item.new, item.after) and not says(item.new, item.before)


@pytest.mark.parametrize(
    ("answer", "value", "expected"),
    [
        ("It costs $1,960 per unit.", "1960", True),
        ("About 80 dollars a day.", "80", True),
        ("About 180 dollars a day.", "80", False),
        ("Audited by Brightwater and Keane LLP.", "Brightwater & Keane", True),
        ("Tuesday to Thursday", "Tuesday, Wednesday and Thursday", False),
    ],
)
def test_an_answer_says_a_value_by_number_or_by_words(answer: str, value: str, expected: bool) -> None:
    assert says(answer, value) is expected


def test_rag_follows_the_edit_and_a_lane_without_retrieval_does_not(scenario, kb) -> None:  # noqa: F811
    def reply_for(messages):
        passages = messages[-1]["content"]
        if "$95 per day" in passages:
            return "The per diem is $95."
        return "The per diem is $80."

    gateway = FakeGateway(reply_for=reply_for)
    jobs = [lane_job("rag", "fake/m", k=2), lane_job("prompting", "fake/m", shots="zero-shot")]
    result = run_freshness(gateway, scenario, [PER_DIEM], jobs, LaneContext(knowledge=lambda s: kb), kb)
    summary = {lane["lane"]: lane for lane in result.summary()}
    assert summary["rag"]["right_before"] == 1.0 and summary["rag"]["right_after"] == 1.0
    assert summary["prompting"]["right_after"] == 0.0 and summary["prompting"]["stale_after"] == 1.0
    assert "$95 per day" in kb.read_text("travel.md")


def test_an_edit_that_no_longer_matches_changes_nothing(kb) -> None:  # noqa: F811
    stale = FreshnessItem("travel.md", "$70 per day", "$95 per day", "Q?", "70", "95")
    with pytest.raises(FreshnessError, match="the text '\\$70 per day' is not in it"):
        apply_edits(kb, [PER_DIEM, stale])
    assert "$80 per day" in kb.read_text("travel.md"), "all edits are checked before any is made"


def test_a_malformed_set_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "fresh.yaml"
    bad.write_text("items:\n  - file: a.md\n    question: Q?\n")
    with pytest.raises(FreshnessError, match="item 1 needs file, old, new, question, before, after"):
        load_freshness(bad)
