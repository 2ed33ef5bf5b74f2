"""Plotly charts of an evaluation: truth against prediction, metric bars, cost against quality, latency.

The same figures go to the Evaluate tab and into the HTML report.
"""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from playground.evaluation.scoring import headline_column, main_kind

TEMPLATE = "plotly_white"


def _empty(title: str, message: str) -> go.Figure:
    figure = go.Figure()
    figure.add_annotation(text=message, showarrow=False, font={"size": 14})
    figure.update_layout(title=title, template=TEMPLATE, xaxis_visible=False, yaxis_visible=False)
    return figure


def truth_vs_prediction(rows: pd.DataFrame) -> go.Figure:
    """Numbers: each lane's predictions against the truth, with the y = x line of a perfect answer."""
    title = "Predicted against true value"
    if "predicted" not in rows or rows["predicted"].dropna().empty:
        return _empty(title, "no numeric answers in this run")
    points = rows.dropna(subset=["predicted", "truth"])
    figure = px.scatter(
        points,
        x="truth",
        y="predicted",
        color="lane",
        hover_data=["question_number", "answer"],
        log_x=True,
        log_y=True,
        template=TEMPLATE,
        title=title,
        labels={"truth": "true value", "predicted": "predicted value"},
    )
    low = float(min(points["truth"].min(), points["predicted"].clip(lower=1e-2).min()))
    high = float(max(points["truth"].max(), points["predicted"].max()))
    figure.add_trace(
        go.Scatter(x=[low, high], y=[low, high], mode="lines", name="y = x", line={"dash": "dash", "color": "gray"})
    )
    return figure


def metric_bars(metrics: pd.DataFrame) -> go.Figure:
    """Every metric per lane, with its 95% bootstrap confidence interval as error bars."""
    title = "Metrics per lane (95% confidence intervals)"
    if metrics.empty:
        return _empty(title, "no metrics yet")
    data = metrics.assign(
        above=(metrics["ci_high"] - metrics["value"]).fillna(0.0),
        below=(metrics["value"] - metrics["ci_low"]).fillna(0.0),
    )
    wrap = min(3, data["metric"].nunique())
    figure = px.bar(
        data,
        x="lane",
        y="value",
        color="lane",
        error_y="above",
        error_y_minus="below",
        facet_col="metric",
        facet_col_wrap=wrap,
        facet_row_spacing=0.12,
        template=TEMPLATE,
        title=title,
        hover_data=["n"],
    )
    figure.update_yaxes(matches=None, showticklabels=True, title=None)
    figure.update_xaxes(title=None)
    figure.for_each_annotation(lambda a: a.update(text=a.text.split("=", 1)[-1]))
    rows_of_facets = -(-data["metric"].nunique() // wrap)
    figure.update_layout(height=max(360, 260 * rows_of_facets), showlegend=False)
    return figure


def cost_vs_quality(board: pd.DataFrame, metrics: pd.DataFrame, kind: str = "number") -> go.Figure:
    """Each lane's quality against its cost per question (tokens per question where a price is unknown)."""
    title = "Cost against quality"
    column = headline_column(metrics, kind)
    if column is None or board.empty:
        return _empty(title, "no quality metric in this run")
    quality = metrics[metrics["column"] == column].set_index("lane")["value"]
    label = metrics[metrics["column"] == column]["metric"].iloc[0]
    data = board.assign(quality=board["lane"].map(quality))
    priced = data["cost_per_question_usd"].notna().all()
    x, x_label = (
        ("cost_per_question_usd", "cost per question (USD)")
        if priced
        else ("tokens_per_question", "tokens per question (no price known for some models)")
    )
    figure = px.scatter(
        data, x=x, y="quality", color="lane", text="lane", template=TEMPLATE, title=title, labels={x: x_label}
    )
    figure.update_traces(marker={"size": 16}, textposition="top center")
    figure.update_layout(yaxis_title=label, showlegend=False)
    return figure


def latency_distribution(rows: pd.DataFrame) -> go.Figure:
    """Each lane's answer latencies (cached answers keep the latency they were measured with)."""
    title = "Latency per answer"
    data = rows.dropna(subset=["latency_s"])
    if data.empty:
        return _empty(title, "no answers timed")
    figure = px.box(data, x="lane", y="latency_s", color="lane", points="all", template=TEMPLATE, title=title)
    figure.update_layout(yaxis_title="seconds", xaxis_title=None, showlegend=False)
    return figure


def all_charts(rows: pd.DataFrame, metrics: pd.DataFrame, board: pd.DataFrame) -> dict[str, go.Figure]:
    """The run's charts by name, the scatter only when the run has numbers."""
    charts = {
        "metrics": metric_bars(metrics),
        "cost_vs_quality": cost_vs_quality(board, metrics, main_kind(rows)),
        "latency": latency_distribution(rows),
    }
    if "predicted" in rows:
        charts = {"truth_vs_prediction": truth_vs_prediction(rows)} | charts
    return charts
