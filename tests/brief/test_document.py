"""The brief's Markdown and its self-contained HTML: tables, charts inlined, nothing loaded from outside."""

from __future__ import annotations

from bs4 import BeautifulSoup

from playground.brief.criteria import Criteria
from playground.brief.document import Brief
from playground.brief.recommend import LaneFigures, recommend
from playground.costs.charts import break_even_figure, context_growth_figure
from playground.costs.context_growth import RETRIEVED, STUFFED, ContextGrowth, GrowthPoint
from playground.costs.hardware import get_hardware
from playground.costs.one_off import OneOffCost
from playground.costs.projection import LaneCostLine, break_evens
from playground.records import Answer, Usage


def _brief() -> Brief:
    lines = [
        LaneCostLine("prompting", 0.001),
        LaneCostLine("finetuned", 0.0002, (OneOffCost("training finetuned", 0.8, "card"),)),
        LaneCostLine("remote", None),
    ]
    growth = ContextGrowth(
        "How many?",
        "local/m",
        8192,
        get_hardware(),
        (
            GrowthPoint(0.1, 4, STUFFED, 3300, 2.0, 0.00004, True),
            GrowthPoint(0.1, 4, RETRIEVED, 900, 0.8, 0.00001, True),
            GrowthPoint(1.0, 35, STUFFED, 36000, None, None, False, "exceeds the window"),
            GrowthPoint(1.0, 35, RETRIEVED, 910, 0.8, 0.00001, True),
        ),
    )
    answer = Answer("prompting", "local/m", text="About | 42.", usage=Usage(10, 2), cost_usd=0.00001, latency_s=0.5)
    figures = [LaneFigures("prompting", monthly_usd=10.0), LaneFigures("finetuned", monthly_usd=2.0)]
    return Brief(
        scenario="Demo",
        description="A demo scenario.",
        questions=["How many?"],
        answers=[{"prompting": answer}],
        hardware=get_hardware(),
        volume=10_000,
        criteria=Criteria(),
        cost_lines=lines,
        break_evens=break_evens(lines),
        recommendation=recommend(figures, Criteria(), 10_000),
        growth=growth,
        charts={"break-even": break_even_figure(lines, 10_000), "context-growth": context_growth_figure(growth)},
    )


def test_markdown_shows_answers_costs_crossings_and_what_was_not_measured() -> None:
    text = _brief().to_markdown()
    assert "| prompting | About \\| 42. | 12 | $0.000010 | 0.50 s |" in text
    assert "No evaluation was run: quality is not measured." in text
    assert "finetuned overtakes prompting at 1,000 questions" in text
    assert "| remote | unknown | $0.000000 | none | unknown | unknown |" in text
    assert (
        "| 100% (35 documents) | prompting (whole slice in the prompt) | 36,000 | — | unknown | no: not answered |"
        in text
    )
    assert "$0.067/hour on this machine" in text
    board = _brief()
    board.scoreboard = [{"lane": "prompting", "latency_p50_s": float("nan"), "MAE ($)": 81.8}]
    assert "| prompting | — | 81.8 |" in board.to_markdown() and "nan" not in board.to_markdown()


def test_html_is_one_self_contained_page_with_both_charts() -> None:
    page = _brief().to_html()
    soup = BeautifulSoup(page, "html.parser")
    assert [s["data-chart"] for s in soup.select("section.chart")] == ["break-even", "context-growth"]
    assert soup.find("link") is None and soup.find("img") is None and soup.find("iframe") is None
    assert all(not script.get("src") for script in soup.find_all("script")), "plotly.js is inlined, not linked"
    assert len(soup.select("section.chart div.plotly-graph-div")) == 2 and "@media print" in page
    assert soup.find("table") is not None and soup.h1.text == "Decision brief: Demo"


def test_answers_and_questions_are_shown_as_written_in_markdown_and_html() -> None:
    """An answer with markup keeps every character: <name> is not a tag, ** is not bold, | no column."""
    from markdown_it import MarkdownIt

    from playground.brief.document import _cell

    tricky = "Dear <name>, **done** | a_b [x](y) #1 `code` \\ <script>alert(1)</script>"
    rendered = MarkdownIt("commonmark", {"html": False}).enable("table").render(f"| a |\n|---|\n| {_cell(tricky)} |")
    cell = rendered.split("<td>")[1].split("</td>")[0]
    assert cell == tricky.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
