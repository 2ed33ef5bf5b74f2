"""Exports: the JSON the command line prints, the CSV of every row, the self-contained HTML report."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from playground.evaluation.charts import all_charts
from playground.evaluation.report import EvalResults, write_csv, write_html
from playground.evaluation.runner import run_evaluation
from playground.evaluation.sets import EvalItem
from tests.fakes import FakeGateway, lane_job

ITEMS = [EvalItem(n, f"Price of item {n}?", f"{10 * n}.00", "number") for n in range(1, 6)]


def _results(scenario) -> EvalResults:
    def reply(messages: list[dict[str, str]]) -> str:
        return f"${10 * int(messages[-1]['content'].split()[3].rstrip('?')) + 3}"

    gateway = FakeGateway(reply_for=reply)
    jobs = [
        lane_job("prompting", "local/x", shots="zero-shot"),
        lane_job("rag", "local/x"),
    ]  # rag fails: no knowledge base in the demo
    return EvalResults.from_run(run_evaluation(gateway, scenario, ITEMS, jobs))


def test_json_has_metrics_cost_and_latency_per_lane(scenario) -> None:
    data = _results(scenario).to_json()
    json.dumps(data)  # plain JSON, no NaN or numpy
    prompting, rag = data["lanes"]
    assert prompting["metrics"]["mae"]["value"] == 3.0 and prompting["metrics"]["hit_rate"]["value"] == 1.0
    assert set(prompting["metrics"]["mae"]) == {"value", "ci95", "n"}
    assert prompting["cost_per_question_usd"] > 0, "a local lane costs its measured time on this machine"
    assert prompting["latency_p95_s"] >= prompting["latency_p50_s"]
    assert rag["errors"] == 5 and rag["metrics"]["hit_rate"]["value"] == 0.0 and "mae" not in rag["metrics"]
    assert data["questions"] == 5 and data["scenario"] == "demo"


def test_csv_has_every_row(scenario, tmp_path: Path) -> None:
    path = write_csv(_results(scenario), tmp_path / "rows.csv")
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 10 and {"question", "answer", "lane", "latency_s", "hit", "cached"} <= set(rows[0])


def test_html_report_is_self_contained(scenario, tmp_path: Path) -> None:
    page = write_html(_results(scenario), tmp_path / "report.html").read_text()
    assert page.count('class="plotly-graph-div"') == 4  # scatter, metric bars, cost-quality, latency
    assert "<script src=" not in page  # plotly.js inlined, so it opens offline
    assert "Scoreboard" in page and "Price of item 3?" in page


def test_scatter_has_the_diagonal(scenario) -> None:
    results = _results(scenario)
    charts = all_charts(results.rows, results.metrics, results.board)
    names = [trace.name for trace in charts["truth_vs_prediction"].data]
    assert "y = x" in names and "prompting" in names
    bars = charts["metrics"].data[0]
    assert bars.error_y.array is not None  # confidence intervals drawn
