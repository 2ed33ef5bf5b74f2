"""The Brief tab in a real browser: build a brief, its two charts drawn from measurements, the HTML download."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.browser


def test_brief_draws_break_even_and_context_growth_and_downloads_one_self_contained_file(page, tmp_path: Path) -> None:
    page.get_by_role("tab", name="Brief").click()
    page.locator("#brief-eval input[type='number']").fill("1")
    page.locator("#brief-max-tokens input[type='number']").fill("8")
    page.locator("#brief-volume-typed input").fill("50000")
    page.locator("#brief-changes input").click()
    page.get_by_role("option", name="weekly", exact=True).click()
    page.locator("#brief-build").click()
    page.locator("#brief-recommendation").filter(has_text="Recommend").wait_for(timeout=600_000)

    # Both charts are drawn, each with a line per measured lane.
    break_even = page.locator("#brief-plot-break-even .js-plotly-plot")
    growth = page.locator("#brief-plot-context-growth .js-plotly-plot")
    break_even.wait_for()
    growth.wait_for()
    assert break_even.locator(".scatterlayer .trace").count() >= 3, "prompting, rag and finetuned totals"
    assert growth.locator(".scatterlayer .trace").count() >= 6, "two lanes on three panels"
    assert "50,000 questions" in break_even.inner_text()
    recommendation = page.locator("#brief-recommendation").inner_text()
    assert "knowledge changes weekly" in page.locator("#brief-document").inner_text()
    assert "finetuned" in recommendation, "the adapter is ruled out (or chosen) by name"

    with page.expect_download() as download_info:
        page.locator("#brief-html").click()
    path = tmp_path / "brief.html"
    download_info.value.save_as(path)
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    assert [s["data-chart"] for s in soup.select("section.chart")] == ["break-even", "context-growth"]
    assert not any(script.get("src") for script in soup.find_all("script")) and soup.find("link") is None
    assert "Decision brief: Company knowledge" in soup.h1.text
