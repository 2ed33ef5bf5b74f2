"""An evaluation's results in the shapes people take away: JSON, CSV of every row, an HTML report.

The HTML report is one self-contained file (plotly's JavaScript inlined once), so it opens
offline and can be mailed to the stakeholders who were not in the workshop.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from playground.evaluation.charts import all_charts
from playground.evaluation.comparison import Comparison, all_comparisons, miss_split, primary_metric, verdict
from playground.evaluation.runner import EvalRun
from playground.evaluation.scoring import METRICS, Metric, metrics_frame, rows_frame, scoreboard


@dataclass
class EvalResults:
    """A finished run with its per-row table, per-lane metrics and scoreboard."""

    run: EvalRun
    rows: pd.DataFrame
    metrics: pd.DataFrame
    board: pd.DataFrame
    primary: Metric | None = None
    comparisons: list[Comparison] = field(default_factory=list)
    verdict: str = ""

    @classmethod
    def from_run(cls, run: EvalRun, primary_metric_name: str | None = None) -> EvalResults:
        """Scores, the paired comparisons on the primary metric (the scenario's, if it names one), the verdict."""
        rows = rows_frame(run)
        if rows.empty:
            return cls(run, rows, pd.DataFrame(), pd.DataFrame(), verdict="No answers were scored.")
        metrics = metrics_frame(rows)
        primary = primary_metric(rows, primary_metric_name)
        comparisons = all_comparisons(rows, primary) if primary else []
        board = scoreboard(rows, metrics)
        return cls(run, rows, metrics, board, primary, comparisons, verdict(rows, metrics, primary, comparisons))

    def to_json(self) -> dict[str, Any]:
        """The command line's --json: per lane metrics (value, 95% CI, n), cost and latency percentiles."""
        lanes = []
        labels = {m.label for m in METRICS}
        for lane in self.board.to_dict("records"):
            mine = self.metrics[self.metrics["lane"] == lane["lane"]]
            misses = miss_split(self.rows[self.rows["lane"] == lane["lane"]])
            lanes.append(
                {key: _clean(value) for key, value in lane.items() if key not in labels}
                | ({"misses": misses} if misses else {})
                | {
                    "metrics": {
                        m.key: {"value": m.value, "ci95": _interval(m.ci_low, m.ci_high), "n": int(m.n)}
                        for m in mine.itertuples()
                    }
                }
            )
        return {
            "scenario": self.run.scenario,
            "evalset": self.run.set_name,
            "questions": len(self.run.items),
            "batch_size": self.run.batch_size,
            "judge_model": self.run.judge_model,
            "seconds": round(self.run.seconds, 2),
            "cancelled": self.run.cancelled,
            "lanes": lanes,
            "primary_metric": self.primary.key if self.primary else None,
            "comparisons": [c.to_json() for c in self.comparisons],
            "verdict": self.verdict,
        }


def _clean(value: Any) -> Any:
    """JSON-friendly: NaN and None both become null, numpy scalars plain numbers."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _interval(low: Any, high: Any) -> list[float] | None:
    low, high = _clean(low), _clean(high)
    return None if low is None or high is None else [low, high]


def comparisons_frame(results: EvalResults) -> pd.DataFrame:
    """One row per pair of lanes: wins, losses, ties, the mean difference with its interval, the statement."""
    rows = [
        {
            "lanes": f"{c.a} vs {c.b}",
            "wins": c.wins,
            "losses": c.losses,
            "ties": c.ties,
            "mean difference": c.mean_difference,
            "95% interval": "" if c.ci95 is None else f"[{c.ci95[0]:.4g}, {c.ci95[1]:.4g}]",
            "result": c.statement(),
        }
        for c in results.comparisons
    ]
    columns = ["lanes", "wins", "losses", "ties", "mean difference", "95% interval", "result"]
    return pd.DataFrame(rows, columns=columns)


def _on_metric(results: EvalResults) -> str:
    return f" ({html.escape(results.primary.label)}, per question)" if results.primary else ""


def write_csv(results: EvalResults, path: Path) -> Path:
    """Every (lane, question) row with its answer, cost, timings and scores."""
    path.parent.mkdir(parents=True, exist_ok=True)
    results.rows.to_csv(path, index=False)
    return path


def write_html(results: EvalResults, path: Path) -> Path:
    """A self-contained report: the scoreboard, every chart, and every row."""
    run = results.run
    figures = all_charts(results.rows, results.metrics, results.board)
    charts = [
        figure.to_html(full_html=False, include_plotlyjs="inline" if i == 0 else False)
        for i, figure in enumerate(figures.values())
    ]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    status = " (cancelled before the end)" if run.cancelled else ""
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Evaluation: {html.escape(run.set_name)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; color: #1f2937; }}
table {{ border-collapse: collapse; font-size: 0.85rem; margin: 1rem 0; }}
th, td {{ border: 1px solid #d1d5db; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }}
th {{ background: #f3f4f6; }}
td {{ max-width: 28rem; overflow-wrap: anywhere; }}
</style></head><body>
<h1>Evaluation of {html.escape(run.scenario)}</h1>
<p>Set <b>{html.escape(run.set_name)}</b>, {len(run.items)} questions, lanes {", ".join(j.key for j in run.jobs)};
{run.seconds:.1f} s in batches of {run.batch_size}{status}. Generated {when} by Strategy Playground.
Costs marked as empty are unknown (local models have no API price), never $0.</p>
<h2>Verdict</h2>
<p>{html.escape(results.verdict)}</p>
<h2>Scoreboard</h2>
{results.board.to_html(index=False, float_format=lambda v: f"{v:.4g}", na_rep="")}
<h2>Paired comparisons{_on_metric(results)}</h2>
{comparisons_frame(results).to_html(index=False, float_format=lambda v: f"{v:.4g}", na_rep="")}
<h2>Charts</h2>
{"".join(charts)}
<h2>Every answer</h2>
{results.rows.to_html(index=False, float_format=lambda v: f"{v:.4g}", na_rep="")}
</body></html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
