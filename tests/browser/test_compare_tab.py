"""The Compare tab in a real browser: ask a question, every lane answers with all its metrics."""

from __future__ import annotations

import pytest

from playground.lanes import all_lanes, default_lanes

pytestmark = pytest.mark.browser

BAD_METRIC_TEXT = {"", "nan", "none", "…", "null", "undefined"}


def _lane_metrics(page, lane: str) -> dict[str, str]:
    tiles = page.locator(f"#{lane}-metrics [data-metric]")
    return {
        tiles.nth(i).get_attribute("data-metric"): tiles.nth(i).locator(".metric-value").inner_text().strip()
        for i in range(tiles.count())
    }


SIX = ["prompting", "chain", "tools", "rag", "finetuned", "rag-finetuned"]  # the baseline applies to prices only


def _show_every_lane(page) -> None:
    """Add the lanes not shown by default through the lane picker."""
    titles = {lane.name: lane.title for lane in all_lanes()}
    for name in SIX:
        if name in default_lanes():
            continue
        page.locator("#compare-lanes input").click()
        page.get_by_role("option", name=titles[name], exact=True).click()
    for lane in SIX:
        page.locator(f"#lane-{lane}").wait_for(state="visible")


def test_every_lane_answers_with_its_metrics(page) -> None:
    _show_every_lane(page)
    page.locator("#compare-question textarea").fill("What is the capital of France?")
    page.locator("#compare-ask").click()
    # Done when every lane's latency tile holds a measured value.
    for lane in SIX:
        page.locator(f"#{lane}-metrics [data-metric='latency'] .metric-value").filter(has_text=" s").wait_for()

    summary = page.locator("#compare-summary").inner_text()
    for lane in SIX:
        assert page.locator(f"#{lane}-answer").inner_text().strip(), f"{lane} lane shows no answer"
        assert not page.locator(f"#{lane}-metrics .lane-error").count(), f"{lane} lane shows an error"
        metrics = _lane_metrics(page, lane)
        assert {"prompt tokens", "completion tokens", "cost", "TTFT", "latency", "tokens/s"} <= set(metrics)
        bad = {name: value for name, value in metrics.items() if value.lower() in BAD_METRIC_TEXT}
        assert not bad, f"{lane} lane has unfilled metrics: {bad}"
        assert int(metrics["prompt tokens"]) > 0 and int(metrics["completion tokens"]) > 0
        assert lane in summary
        assert page.locator(f"#{lane}-steps details.lane-step").count() >= 1, f"{lane} lane lists no steps"
        # A local lane's cost is its measured time at the hardware's price, stage by stage, never "unknown".
        assert metrics["cost"].startswith("$"), f"{lane} lane's cost is {metrics['cost']}"
        cost = page.locator(f"#{lane}-cost details.lane-cost")
        assert float(cost.get_attribute("data-total")) > 0 and "this machine" in cost.inner_text()
    # A chain makes more than one model call, and the summary counts them.
    assert page.locator("#chain-steps details.lane-step[data-kind='llm']").count() >= 2
    # RAG shows what it retrieved, and how long retrieval took apart from generation.
    assert page.locator("#rag-passages details.passage").count() >= 1
    assert {"retrieval", "embedding"} <= set(_lane_metrics(page, "rag"))


def test_empty_question_gets_one_clear_message(page) -> None:
    page.locator("#compare-ask").click()
    page.get_by_text("the question is empty").first.wait_for(timeout=30_000)
    for lane in default_lanes():
        assert not page.locator(f"#{lane}-answer").inner_text().strip()


def test_enter_asks_and_shift_enter_adds_a_line(page) -> None:
    box = page.locator("#compare-question textarea")
    box.click()
    box.type("What is the capital")
    box.press("Shift+Enter")
    box.type("of France?")
    assert box.input_value() == "What is the capital\nof France?"
    box.press("Enter")
    page.locator("#prompting-metrics [data-metric='latency'] .metric-value").filter(has_text=" s").wait_for()
    assert page.locator("#prompting-answer").inner_text().strip()
    assert box.input_value() == "What is the capital\nof France?"  # Enter asked; it added no line
