"""The `freshness` command: edit facts in a throwaway copy of the knowledge base and ask again.

Each lane answers the scenario's freshness questions before and after the edits; the report says,
per lane, how many answers gave the old value before and the new value after (RAG should follow
the edit, an adapter cannot). The shipped documents are never touched.
"""

from __future__ import annotations

import argparse
import json
import shutil
import uuid

from playground.cli.common import CommandError, parse_lanes
from playground.cli.lane_flags import add_lane_flags, lane_settings
from playground.services import Services

DEFAULT_LANES = "prompting,rag,finetuned"


def add_command(commands: argparse._SubParsersAction) -> None:
    fresh = commands.add_parser("freshness", help="edit facts in a copy of the knowledge base, then ask again")
    fresh.add_argument("--scenario", default="company-knowledge", help="scenario with a freshness_set")
    fresh.add_argument("--lanes", default=DEFAULT_LANES, help="comma-separated lanes")
    fresh.add_argument("--model", help="litellm model string for every lane")
    fresh.add_argument("--max-tokens", type=int, default=64, help="longest answer, in tokens (default 64)")
    add_lane_flags(fresh)
    fresh.add_argument("--json", action="store_true", help="print the before/after of every answer as JSON")
    fresh.set_defaults(handler=cmd_freshness)


def cmd_freshness(args: argparse.Namespace, services: Services) -> int:
    from playground.evaluation.freshness import load_freshness, run_freshness

    lanes = parse_lanes(args.lanes)
    scenario = services.scenarios.get(args.scenario)
    spec = scenario.extra.get("freshness_set")
    if not spec or scenario.knowledge_base is None:
        raise CommandError(f"scenario '{scenario.name}' has no freshness_set (and knowledge base) to edit")
    items = load_freshness(scenario.folder / str(spec))
    model = args.model or services.settings.default_model
    services.gateway.check_model(model)
    options = {"max_tokens": args.max_tokens, **lane_settings(args)}
    options.setdefault("system_prompt", None)
    jobs = [services.lane_job(lane, model, **options) for lane in lanes]
    workspace = services.workspace(f"freshness-{uuid.uuid4().hex[:12]}", copy_documents=True)
    try:
        services.gateway.warm_up((model,))
        result = run_freshness(
            services.gateway,
            scenario,
            items,
            jobs,
            services.lane_context(workspace),
            services.knowledge(workspace, scenario),
        )
    finally:
        shutil.rmtree(workspace.root, ignore_errors=True)  # a throwaway copy: the shipped documents never change
    summary = result.summary()
    if args.json:
        rows = [row.__dict__ for row in result.rows]
        print(
            json.dumps(
                {"scenario": scenario.name, "seconds": round(result.seconds, 2), "lanes": summary, "rows": rows},
                indent=2,
            )
        )
        return 0
    print(f"{scenario.name}: {len(items)} facts edited, {result.seconds:.1f} s")
    for lane in summary:
        print(
            f"  {lane['lane']:>14}: old value before {lane['right_before']:.0%}, new value after "
            f"{lane['right_after']:.0%}, still the old value after {lane['stale_after']:.0%}"
        )
    return 0
