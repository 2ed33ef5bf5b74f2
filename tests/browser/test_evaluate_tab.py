"""The Evaluate tab in a real browser: a 3-question run, its scoreboard and charts, the CSV download."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser


def _open_evaluate_tab(page) -> None:
    page.get_by_role("tab", name="Evaluate").click()
    page.locator("#eval-set-info").filter(has_text="questions").wait_for()


def test_three_question_evaluation_scores_charts_and_exports(page, tmp_path: Path) -> None:
    _open_evaluate_tab(page)
    page.locator("#eval-sample input").fill("3")
    page.locator("#eval-run").click()
    page.locator("#eval-status").filter(has_text="done").wait_for()

    scoreboard = page.locator("#eval-scoreboard")
    for lane in ("prompting", "rag", "finetuned"):
        assert scoreboard.get_by_text(lane, exact=True).count() >= 1
    assert "token F1" in scoreboard.inner_text() and "latency p95 (s)" in scoreboard.inner_text()
    page.locator("#eval-plot-metrics .js-plotly-plot").wait_for()
    page.locator("#eval-plot-latency .js-plotly-plot").wait_for()

    with page.expect_download() as download_info:
        page.locator("#eval-csv").click()
    path = tmp_path / "rows.csv"
    download_info.value.save_as(path)
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 9  # 3 questions x 3 lanes
    assert {row["lane"] for row in rows} == {"prompting", "rag", "finetuned"}
    failed = [(row["lane"], row["error"]) for row in rows if row["error"]]
    assert not failed, f"answers failed: {failed}"
    assert all(row["answer"].strip() for row in rows), "every lane answered every question"


def test_bad_evaluation_set_names_the_line(page, tmp_path: Path) -> None:
    bad = tmp_path / "my-set.jsonl"
    bad.write_text('{"question": "Who?", "reference": "Me"}\n{"question": "no reference here"}\n')
    _open_evaluate_tab(page)
    page.locator("#eval-upload input[type=file]").set_input_files(str(bad))
    page.locator("#eval-set-info").filter(has_text="line 2: missing reference").wait_for()
