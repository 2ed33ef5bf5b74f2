"""Record a shipped scenario's verdict in bench/verdicts.json from a full `eval --json` run.

The lever that won is the lane with the best mean on the run's primary metric; the runner-up is the
best lane of another lever; their paired interval comes from the run's own comparisons. Lanes that
are baselines without a language model are kept apart (the best of them is shown beside the levers).

    .venv/bin/python scripts/record_verdict.py RUN.json --lecture-expects fine-tuning \
        --split test --command "python -m playground eval --scenario ... --json"
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the repo's playground package
from playground.brief.verdicts import LEVERS, VERDICTS_FILE, Verdict
from playground.evaluation.scoring import METRICS

HARDWARE = "2-core AMD Zen 3 CPU, no GPU"


def verdict_from_run(run: dict[str, Any], lecture_expects: str, split: str, command: str, hardware: str) -> dict:
    """The verdict row for one eval --json payload (see the module)."""
    metric = run["primary_metric"]
    higher = next(m.higher_is_better for m in METRICS if m.key == metric)

    def score(lane: dict[str, Any]) -> dict[str, Any]:
        entry = lane["metrics"][metric]
        return {
            "lane": lane["lane"],
            "value": entry["value"],
            "ci95": entry["ci95"],
            "model": lane["model"],
            "errors": lane.get("errors", 0),  # answers that failed (scored as wrong)
        }

    scored = [score(lane) for lane in run["lanes"] if metric in lane["metrics"]]
    best = max if higher else min
    levers = [s for s in scored if s["lane"] in LEVERS]
    baselines = [s for s in scored if s["lane"] not in LEVERS]
    winner = best(levers, key=lambda s: s["value"])
    others = [s for s in levers if LEVERS[s["lane"]] != LEVERS[winner["lane"]]]
    runner = best(others, key=lambda s: s["value"])
    comparison = next(
        c for c in run["comparisons"] if {c["a"], c["b"]} == {winner["lane"], runner["lane"]} and c["metric"] == metric
    )
    sign = 1.0 if comparison["a"] == winner["lane"] else -1.0
    interval = comparison["ci95"]
    if interval is not None:
        interval = sorted([sign * interval[0], sign * interval[1]])
    pair = [winner["model"], runner["model"]]
    bases = sorted({m.split("::")[0].removeprefix("local/") for m in pair})
    adapters = sorted({m.split("::")[1] for m in pair if "::" in m})
    models = [", ".join(bases) + "".join(f" + adapter {a}" for a in adapters)]
    return {
        "scenario": run["scenario"],
        "metric": metric,
        "higher_is_better": higher,
        "questions": run["questions"],
        "split": split,
        "winner": winner,
        "runner_up": runner,
        "difference": round(sign * comparison["mean_difference"], 4),
        "difference_ci95": [round(x, 4) for x in interval] if interval else None,
        "wins_losses_ties": [comparison["wins"], comparison["losses"], comparison["ties"]]
        if sign > 0
        else [comparison["losses"], comparison["wins"], comparison["ties"]],
        "lecture_expects": lecture_expects,
        "models": models[0],
        "hardware": hardware,
        "measured_on": datetime.now(UTC).strftime("%Y-%m-%d"),
        "command": command,
        "baseline": _with_comparison(best(baselines, key=lambda s: s["value"]), winner, run, metric)
        if baselines
        else None,
        "python": platform.python_version(),
    }


def _with_comparison(baseline: dict, winner: dict, run: dict[str, Any], metric: str) -> dict:
    """The best baseline, with its paired difference against the winning lever (positive: the baseline is better)."""
    pair = {baseline["lane"], winner["lane"]}
    comparison = next((c for c in run["comparisons"] if {c["a"], c["b"]} == pair and c["metric"] == metric), None)
    if comparison is None:
        return baseline
    higher = next(m.higher_is_better for m in METRICS if m.key == metric)
    sign = (1.0 if comparison["a"] == baseline["lane"] else -1.0) * (1.0 if higher else -1.0)
    interval = sorted(sign * x for x in comparison["ci95"]) if comparison["ci95"] else None
    return baseline | {
        "better_than_winner_by": round(sign * comparison["mean_difference"], 4),
        "ci95_of_that": [round(x, 4) for x in interval] if interval else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="an `eval --json` output")
    parser.add_argument("--lecture-expects", required=True, choices=sorted(set(LEVERS.values())))
    parser.add_argument("--split", default="all", help="which items the run answered (all, dev, test)")
    parser.add_argument("--command", required=True, help="the command that produced the run")
    parser.add_argument("--hardware", default=HARDWARE)
    parser.add_argument("--file", type=Path, default=VERDICTS_FILE)
    args = parser.parse_args()
    run = json.loads(args.run.read_text(encoding="utf-8"))
    row = verdict_from_run(run, args.lecture_expects, args.split, args.command, args.hardware)
    Verdict.from_json(row)  # the row must load as the Brief and README read it
    rows = json.loads(args.file.read_text(encoding="utf-8")) if args.file.exists() else []
    rows = [r for r in rows if r["scenario"] != row["scenario"]] + [row]
    rows.sort(key=lambda r: r["scenario"])
    args.file.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(row, indent=2))


if __name__ == "__main__":
    main()
