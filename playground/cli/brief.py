"""The `brief` command: the decision brief, headless, written as self-contained HTML or as Markdown."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm

from playground.brief.build import BriefRequest, build_brief
from playground.brief.criteria import CHANGE_RATES, Criteria
from playground.cli.common import add_hardware_flags, hardware_of, parse_lanes
from playground.errors import UsageError
from playground.lanes import default_lanes
from playground.services import SHARED_WORKSPACE, Services

SUFFIXES = (".html", ".md")


def add_command(commands: argparse._SubParsersAction) -> None:
    brief = commands.add_parser("brief", help="write the decision brief (runs what it needs)")
    brief.add_argument("--scenario", help="scenario name (default: the first shipped one)")
    brief.add_argument("--question", action="append", default=[], help="a question to answer (repeatable)")
    brief.add_argument("--lanes", default=",".join(default_lanes()), help="comma-separated lanes")
    brief.add_argument("--volume", type=float, default=10_000, help="questions a month (default 10,000)")
    add_hardware_flags(brief)
    brief.add_argument("--model", help="litellm model string for the model-picker lanes")
    brief.add_argument("--max-tokens", type=int, help="longest answer, in tokens")
    brief.add_argument(
        "--eval-limit", type=int, default=10, help="evaluation questions to measure quality on (0: none)"
    )
    brief.add_argument("--no-growth", action="store_true", help="skip the context-growth measurement")
    brief.add_argument("--min-quality", type=float, help="criterion: the primary metric needed")
    brief.add_argument("--knowledge-changes", choices=CHANGE_RATES, help="criterion: how often the facts change")
    brief.add_argument("--tone-matters", action="store_true", help="criterion: answers must follow the house style")
    brief.add_argument("--examples-available", type=int, help="criterion: training examples the team has")
    brief.add_argument("--budget", type=float, help="criterion: budget per month in USD")
    brief.add_argument("--max-latency", type=float, help="criterion: slowest acceptable answer in seconds")
    brief.add_argument(
        "--out",
        type=Path,
        action="append",
        required=True,
        help="FILE.html (self-contained) or FILE.md; repeat it to write both from one run",
    )
    brief.add_argument("--json", action="store_true", help="print the recommendation and costs as JSON")
    brief.set_defaults(handler=cmd_brief)


def cmd_brief(args: argparse.Namespace, services: Services) -> int:
    for out in args.out:
        if out.suffix.lower() not in SUFFIXES:
            raise UsageError(f"--out must end in {' or '.join(SUFFIXES)}")
    if args.volume < 0 or args.eval_limit < 0:
        raise UsageError("--volume and --eval-limit cannot be negative")
    hardware = hardware_of(args)
    criteria = Criteria(
        min_quality=args.min_quality,
        knowledge_changes=args.knowledge_changes,
        tone_matters=args.tone_matters,
        examples_available=args.examples_available,
        budget_per_month_usd=args.budget,
        max_latency_s=args.max_latency,
    )
    request = BriefRequest(
        questions=tuple(args.question),
        lanes=tuple(parse_lanes(args.lanes)),
        volume=args.volume,
        criteria=criteria,
        eval_limit=args.eval_limit,
        max_tokens=args.max_tokens,
        model=args.model,
        growth=not args.no_growth,
    )
    if args.model:
        services.gateway.check_model(args.model)
    scenario = services.scenarios.get(args.scenario)
    workspace = services.workspace(SHARED_WORKSPACE, copy_documents=False)
    with tqdm(total=100, desc="brief", unit="%", file=sys.stderr, disable=None) as bar:

        def progress(fraction: float, message: str) -> None:
            bar.set_postfix_str(message, refresh=False)
            bar.update(max(0, round(fraction * 100) - bar.n))

        brief = build_brief(services, workspace, scenario, request, hardware, progress)
    for out in args.out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(brief.to_html() if out.suffix.lower() == ".html" else brief.to_markdown(), encoding="utf-8")
    if args.json:
        payload = {
            "out": [str(out) for out in args.out],
            "recommendation": brief.recommendation.to_dict(),
            "costs": [line.to_dict(brief.volume) for line in brief.cost_lines],
            "break_evens": [point.to_dict() for point in brief.break_evens],
            "growth": brief.growth.to_dict() if brief.growth else None,
        }
        print(json.dumps(payload, indent=2))
    else:
        print(f"wrote {', '.join(map(str, args.out))}: {brief.recommendation.text}")
    return 0
