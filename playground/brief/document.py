"""The brief as a document: Markdown, and self-contained HTML (charts inlined) that prints on a page or two."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from markdown_it import MarkdownIt

from playground.brief.criteria import Criteria
from playground.brief.recommend import Recommendation
from playground.costs.context_growth import ContextGrowth
from playground.costs.hardware import Hardware
from playground.costs.projection import BreakEven, LaneCostLine
from playground.records import Answer


@dataclass
class Brief:
    """Everything the brief shows, measured: answers, metrics, costs at the volume, charts, recommendation."""

    scenario: str
    description: str
    questions: list[str]
    answers: list[dict[str, Answer]]  # per question, lane -> its answer
    hardware: Hardware
    volume: float
    criteria: Criteria
    cost_lines: list[LaneCostLine]
    break_evens: list[BreakEven]
    recommendation: Recommendation
    scoreboard: list[dict[str, Any]] = field(default_factory=list)  # per lane (eval), empty when none was run
    verdict: str = ""
    growth: ContextGrowth | None = None
    charts: dict[str, go.Figure] = field(default_factory=dict)
    votes: list[dict[str, Any]] = field(default_factory=list)  # a workshop's rounds: each answer's votes
    verdicts: str = ""  # the shipped scenarios' measured verdicts (a Markdown table), see brief.verdicts
    created_at: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))

    def to_markdown(self) -> str:
        """The brief in Markdown (the charts' figures as tables; the HTML version draws them)."""
        out = [f"# Decision brief: {self.scenario}", "", self.description.strip(), ""]
        out += [f"*{self.created_at} · local work priced at {self.hardware.assumption}*", ""]
        out += ["## Recommendation", "", self.recommendation.text, ""]
        if self.recommendation.checks:
            out += ["| criterion | lane | status | figure |", "|---|---|---|---|"]
            out += [f"| {c.criterion} | {c.lane} | {c.status} | {c.figure} |" for c in self.recommendation.checks]
            out.append("")
        for question, answers in zip(self.questions, self.answers, strict=True):
            out += [
                f"## Question: {_cell(question, 300)}",
                "",
                "| lane | answer | tokens | cost | latency |",
                "|---|---|---|---|---|",
            ]
            for lane, answer in answers.items():
                text = (answer.error and f"error: {answer.error}") or answer.text.strip().replace("\n", " ")
                tokens = answer.usage.prompt_tokens + answer.usage.completion_tokens
                out.append(
                    f"| {lane} | {_cell(text)} | {tokens} | "
                    f"{'—' if answer.error else _money(answer.cost_usd)} | {_seconds(answer.latency_s)} |"
                )
            out.append("")
        if self.votes:
            out += ["## Workshop votes", "", _table(self.votes), ""]
        if self.scoreboard:
            out += ["## Evaluation", "", self.verdict, "", _table(self.scoreboard), ""]
        else:
            out += ["## Evaluation", "", "No evaluation was run: quality is not measured.", ""]
        if self.verdicts:
            out += [f"## {VERDICTS_HEADING}", "", self.verdicts, ""]
        out += [f"## Cost at {self.volume:,.0f} questions a month", "", _table(self._cost_rows()), ""]
        out += [f"- {point.describe()}" for point in self.break_evens] or ["- no two lanes' totals cross"]
        out.append("")
        if self.growth is not None:
            out += ["## Context growth: stuffed prompting against RAG", ""]
            window = f"the model's window is {self.growth.window:,} tokens" if self.growth.window else "window unknown"
            out += [f"Question: {self.growth.question} ({window})", "", _table(self._growth_rows()), ""]
        return "\n".join(out)

    def to_html(self) -> str:
        """One self-contained page: the Markdown rendered, the charts inlined (plotly.js once, no links out)."""
        body = MarkdownIt("commonmark", {"html": False}).enable("table").render(self.to_markdown())
        charts = []
        for number, (name, figure) in enumerate(self.charts.items()):
            figure_html = pio.to_html(
                figure,
                full_html=False,
                include_plotlyjs="inline" if number == 0 else False,
                default_width="100%",
                default_height="360px",
                config={"displaylogo": False, "responsive": True},
            )
            charts.append(f'<section class="chart" data-chart="{html.escape(name)}">{figure_html}</section>')
        return (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>Decision brief: {html.escape(self.scenario)}</title><style>{STYLE}</style></head>"
            f"<body><main>{body}<h2>Charts</h2>{''.join(charts)}</main></body></html>"
        )

    def _cost_rows(self) -> list[dict[str, Any]]:
        rows = []
        for line in self.cost_lines:
            rows.append(
                {
                    "lane": line.lane,
                    "per answer": _money(line.per_answer_usd),
                    "one-off": _money(line.one_off_usd),
                    "one-off basis": "; ".join(f"{item.item}: {item.basis}" for item in line.one_off) or "none",
                    "a month": _money(line.monthly(self.volume)),
                    "first month": _money(line.total(self.volume)),
                }
            )
        return rows

    def _growth_rows(self) -> list[dict[str, Any]]:
        assert self.growth is not None
        return [
            {
                "share of knowledge base": f"{p.fraction:.0%} ({p.documents} documents)",
                "lane": p.lane,
                "prompt tokens": f"{p.prompt_tokens:,}",
                "latency": _seconds(p.latency_s),
                "cost": _money(p.cost_usd),
                "fits the window": "yes" if p.fits else "no: not answered",
            }
            for p in self.growth.points
        ]


VERDICTS_HEADING = "The lecture's verdicts, as measured on the shipped scenarios"


def _money(value: float | None) -> str:
    if value is None:
        return "unknown"
    return f"${value:.6f}" if value < 0.01 else f"${value:,.4f}" if value < 100 else f"${value:,.0f}"


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


_MARKUP = re.compile(r"([\\`*_\[\]<>#|~])")


def _cell(text: str, limit: int = 160) -> str:
    """Text shown as written: Markdown and HTML characters escaped (an answer's <name> stays <name>)."""
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return _MARKUP.sub(r"\\\1", text)


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(_cell(_format(row.get(column))) for column in columns) + " |")
    return "\n".join(lines)


def _format(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):  # None or NaN: not measured
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


STYLE = """
body { font-family: system-ui, sans-serif; color: #222; margin: 0; }
main { max-width: 60rem; margin: 1.5rem auto; padding: 0 1rem; font-size: 10.5pt; line-height: 1.4; }
h1 { font-size: 1.5rem; margin-bottom: 0.2rem; } h2 { font-size: 1.1rem; margin: 1rem 0 0.3rem; }
table { border-collapse: collapse; width: 100%; margin: 0.4rem 0; font-size: 9pt; }
th, td { border: 1px solid #ccc; padding: 0.15rem 0.35rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
.chart { break-inside: avoid; page-break-inside: avoid; margin: 0.5rem 0; }
@media print { main { margin: 0; max-width: none; } h2 { break-after: avoid; } }
@page { size: A4; margin: 12mm; }
"""
