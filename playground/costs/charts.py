"""Plotly charts of the cost model: total cost against volume (with break-even points) and context growth.

The Brief tab shows them and the exported brief embeds them, so both read the same figures.
"""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.costs.context_growth import STUFFED, ContextGrowth
from playground.costs.projection import LaneCostLine, break_evens

TEMPLATE = "plotly_white"


def _volumes(volume: float, points: list[float]) -> list[float]:
    """The x axis: from 0 to well past the chosen volume and every break-even point."""
    top = max([volume * 2, *(point * 1.25 for point in points), 10.0])
    return [top * step / 100 for step in range(101)]


def break_even_figure(lines: list[LaneCostLine], volume: float) -> go.Figure:
    """Each lane's one-off cost plus cost per answer times the volume; crossings and the chosen volume marked."""
    points = break_evens(lines)
    xs = _volumes(volume, [p.volume for p in points])
    figure = go.Figure()
    for line in lines:
        if not line.known:
            continue
        figure.add_trace(
            go.Scatter(x=xs, y=[line.total(x) for x in xs], mode="lines", name=line.lane, hovertemplate="%{y:$.4f}")
        )
    for point in points:
        total = next(line.total(point.volume) for line in lines if line.lane == point.cheaper_after)
        figure.add_trace(
            go.Scatter(
                x=[point.volume],
                y=[total],
                mode="markers+text",
                marker={"size": 10, "symbol": "x", "color": "black"},
                text=[f"{point.cheaper_after} overtakes {point.cheaper_before}"],
                textposition="top left",
                showlegend=False,
                hovertemplate=f"{point.describe()}<extra></extra>",
            )
        )
    figure.add_vline(x=volume, line_dash="dot", annotation_text=f"{volume:,.0f} questions")
    unknown = [line.lane for line in lines if not line.known]
    subtitle = f" (cost unknown, not drawn: {', '.join(unknown)})" if unknown else ""
    figure.update_layout(
        title=f"Total cost against volume (one-off + per answer x questions){subtitle}",
        xaxis_title="questions",
        yaxis_title="total cost (USD)",
        template=TEMPLATE,
        legend_title="lane",
    )
    return figure


def context_growth_figure(growth: ContextGrowth) -> go.Figure:
    """Prompt tokens, latency and cost per answer against the share of the knowledge base; the window marked."""
    figure = make_subplots(
        rows=1, cols=3, subplot_titles=("prompt tokens", "latency (s)", "cost (USD)"), horizontal_spacing=0.08
    )
    lanes = dict.fromkeys(point.lane for point in growth.points)
    colours = dict(zip(lanes, ("#d62728", "#1f77b4"), strict=False))
    for lane in lanes:
        points = [point for point in growth.points if point.lane == lane]
        xs = [point.fraction * 100 for point in points]
        for column, values in enumerate(
            ([p.prompt_tokens for p in points], [p.latency_s for p in points], [p.cost_usd for p in points]), start=1
        ):
            figure.add_trace(
                go.Scatter(
                    x=xs,
                    y=values,
                    mode="lines+markers",
                    name=lane,
                    legendgroup=lane,
                    showlegend=column == 1,
                    line={"color": colours.get(lane)},
                    text=[("fits" if p.fits else "exceeds the window: not answered") for p in points],
                ),
                row=1,
                col=column,
            )
        over = [p for p in points if not p.fits and lane == STUFFED]
        if over:
            figure.add_trace(
                go.Scatter(
                    x=[p.fraction * 100 for p in over],
                    y=[p.prompt_tokens for p in over],
                    mode="markers",
                    marker={"symbol": "x", "size": 12, "color": "black"},
                    name="does not fit: not answered",
                ),
                row=1,
                col=1,
            )
    if growth.window:
        figure.add_hline(
            y=growth.window, line_dash="dash", row=1, col=1, annotation_text=f"window {growth.window:,} tokens"
        )
    figure.update_xaxes(title_text="% of the knowledge base")
    figure.update_layout(
        title=f"Per answer as the knowledge base grows: stuffed prompting against RAG ({growth.model})",
        template=TEMPLATE,
        legend={"orientation": "h", "yanchor": "top", "y": -0.25, "x": 0},
        margin={"b": 90},
    )
    return figure
