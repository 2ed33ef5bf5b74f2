"""The `eval` command: a scenario's evaluation set (or a given one) through the chosen lanes.

Prints a scoreboard (or, with --json, per-lane metrics with 95% intervals, cost and latency
percentiles); --out writes every row as CSV, or the HTML report, or the JSON, by its suffix.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from playground.cli.common import CommandError, add_hardware_flags, hardware_of, parse_lanes, positive_int
from playground.cli.lane_flags import add_lane_flags, lane_settings
from playground.errors import UsageError
from playground.evaluation.runner import DEFAULT_BATCH_SIZE
from playground.evaluation.sets import load_eval_set, sample_items
from playground.evaluation.splits import split_items
from playground.lanes import default_lanes
from playground.services import SHARED_WORKSPACE, Services

if TYPE_CHECKING:  # pandas, scipy and plotly load only when an evaluation runs: `ask` starts faster
    from playground.evaluation.report import EvalResults

OUT_SUFFIXES = (".csv", ".html", ".json")


def add_command(commands: argparse._SubParsersAction) -> None:
    evaluate = commands.add_parser("eval", help="score lanes over an evaluation set")
    evaluate.add_argument("evalset", nargs="?", type=Path, help="a JSONL evaluation set (default: the scenario's)")
    evaluate.add_argument("--scenario", help="scenario whose prompts, knowledge and set to use (default: the first)")
    evaluate.add_argument("--lanes", default=",".join(default_lanes()), help="comma-separated lanes")
    evaluate.add_argument("--limit", type=positive_int, help="a seeded random sample of N questions")
    evaluate.add_argument("--seed", type=int, default=0, help="seed of the sample (default 0)")
    evaluate.add_argument(
        "--split",
        choices=("all", "dev", "test"),
        default="all",
        help="the set's recorded dev or test items (EVAL.split.json beside it; default all)",
    )
    evaluate.add_argument("--model", help="litellm model string for every lane")
    evaluate.add_argument("--max-tokens", type=int, help="longest answer, in tokens")
    add_lane_flags(evaluate)
    add_hardware_flags(evaluate)
    evaluate.add_argument(
        "--batch-size", type=positive_int, default=DEFAULT_BATCH_SIZE, help="answers in flight per lane"
    )
    evaluate.add_argument("--judge", help="litellm model that grades text answers 1-5 (off by default)")
    evaluate.add_argument("--no-cache", action="store_true", help="generate every answer again")
    evaluate.add_argument("--out", type=Path, help="write rows (.csv), the report (.html) or the JSON (.json)")
    evaluate.add_argument("--json", action="store_true", help="print per-lane metrics as JSON")
    evaluate.set_defaults(handler=cmd_eval)


def cmd_eval(args: argparse.Namespace, services: Services) -> int:
    if args.out is not None and args.out.suffix.lower() not in OUT_SUFFIXES:
        raise UsageError(f"--out must end in {', '.join(OUT_SUFFIXES)}")
    lanes = parse_lanes(args.lanes)
    hardware = hardware_of(args)
    scenario = services.scenarios.get(args.scenario)
    set_path = args.evalset or scenario.eval_set
    if set_path is None:
        raise CommandError(f"scenario '{scenario.name}' has no evaluation set; pass one as EVALSET")
    items = sample_items(split_items(set_path, load_eval_set(set_path), args.split), args.limit, args.seed)
    model = args.model or services.settings.default_model
    services.gateway.check_model(model)
    if args.judge:
        services.gateway.check_model(args.judge)
    options = {"max_tokens": args.max_tokens, **lane_settings(args)}
    options.setdefault("system_prompt", None)
    jobs = [job for lane in lanes for job in services.lane_jobs(lane, model, **options)]
    workspace = services.workspace(SHARED_WORKSPACE, copy_documents=False)
    services.gateway.warm_up((model,))
    with tqdm(total=len(items) * len(jobs), desc="eval", unit="answer", file=sys.stderr, disable=None) as bar:
        run = services.evaluate(
            workspace,
            scenario,
            items,
            jobs,
            set_name=set_path.name,
            use_cache=not args.no_cache,
            judge_model=args.judge,
            batch_size=args.batch_size,
            progress=lambda done, total, what: bar.update(done - bar.n),
            hardware=hardware,
        )
    from playground.evaluation.report import EvalResults

    results = EvalResults.from_run(run, scenario.extra.get("primary_metric"))
    _write_out(results, args.out)
    if args.json:
        print(json.dumps(results.to_json(), indent=2))
    else:
        print(_format_board(results))
    if results.rows["error"].notna().all():
        raise CommandError("every answer failed: " + str(results.rows["error"].dropna().iloc[0]))
    return 0


def _write_out(results: EvalResults, out: Path | None) -> None:
    from playground.evaluation.report import write_csv, write_html

    if out is None:
        return
    suffix = out.suffix.lower()
    if suffix == ".csv":
        write_csv(results, out)
    elif suffix == ".html":
        write_html(results, out)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results.to_json(), indent=2), encoding="utf-8")


def _format_board(results: EvalResults) -> str:
    import pandas as pd

    board = results.board.set_index("lane").T.map(lambda v: "unknown" if v is None else v)
    with pd.option_context("display.float_format", lambda v: f"{v:.4g}", "display.max_colwidth", 40):
        text = board.to_string(na_rep="unknown")
    run = results.run
    failed = results.rows[results.rows["error"].notna()].groupby("lane")["error"].first()
    notes = [f"{lane} errors, e.g.: {error}" for lane, error in failed.items()]
    head = f"{run.set_name}: {len(run.items)} questions, {run.seconds:.1f} s, batches of {run.batch_size}"
    pairs = [f"  {c.statement()} ({c.wins}/{c.losses}/{c.ties} wins/losses/ties)" for c in results.comparisons]
    on = f"Paired on {results.primary.label}:" if results.primary else ""
    return "\n".join([head, text, *notes, on, *pairs, "", f"Verdict: {results.verdict}"])
