"""The `ask` command: one question through one or more lanes, printed or as the contract's JSON."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from playground.cli.common import CommandError, add_hardware_flags, hardware_of, parse_lanes, positive_int
from playground.cli.lane_flags import add_lane_flags, lane_settings
from playground.costs.hardware import Hardware
from playground.errors import UsageError
from playground.evaluation.reference import Reference, find_reference, score_answer
from playground.knowledge.base import KnowledgeBase
from playground.knowledge.store import KnowledgeStore, store_exists, store_location
from playground.lanes import LaneContext, check_question, default_lanes
from playground.lanes.repeats import MAX_REPEATS, RepeatStats, repeat_lanes
from playground.records import Answer
from playground.services import SHARED_WORKSPACE, Services


def add_command(commands: argparse._SubParsersAction) -> None:
    ask = commands.add_parser("ask", help="answer one question through one or more lanes")
    ask.add_argument("question")
    ask.add_argument("--lanes", default=",".join(default_lanes()), help="comma-separated lanes")
    ask.add_argument("--scenario", help="scenario name (default: the first shipped one)")
    ask.add_argument("--model", help="litellm model string, e.g. local/smollm2-135m-instruct")
    ask.add_argument("--max-tokens", type=int, help="longest answer, in tokens")
    ask.add_argument("--temperature", type=float, help="0 for greedy decoding")
    ask.add_argument(
        "--store", type=store_location, help="RAG: search this store (a folder or s3://, gs://, az:// URI)"
    )
    add_lane_flags(ask)
    add_hardware_flags(ask)
    ask.add_argument(
        "--repeat",
        type=positive_int,
        default=1,
        help=f"ask every lane N times (up to {MAX_REPEATS}); adds latency median, p95 and spread",
    )
    ask.add_argument("--json", action="store_true", help="print the contract's JSON on stdout")
    ask.set_defaults(handler=cmd_ask)


def cmd_ask(args: argparse.Namespace, services: Services) -> int:
    question = check_question(args.question)
    hardware = hardware_of(args)
    lanes = parse_lanes(args.lanes)
    scenario = services.scenarios.get(args.scenario)
    model = args.model or services.settings.default_model
    services.gateway.check_model(model)
    options = {"max_tokens": args.max_tokens, "temperature": args.temperature, **lane_settings(args)}
    options.setdefault("system_prompt", None)
    jobs = [services.lane_job(lane, model, **options) for lane in lanes]
    if args.repeat > MAX_REPEATS:
        raise UsageError(f"--repeat: {args.repeat} is more than {MAX_REPEATS}")
    services.gateway.warm_up((model,))
    runs, stats = repeat_lanes(
        services.gateway, question, scenario, jobs, _lane_context(args, services, hardware), args.repeat
    )
    answers = [runs[-1][job.key] for job in jobs]
    reference = find_reference(scenario, question)  # an evaluation item: its reference, and a score per lane
    if args.json:
        lanes = [
            _lane_json(a, reference) | ({"repeats": stats[a.lane].to_dict()} if args.repeat > 1 else {})
            for a in answers
        ]
        payload = {"question": question, "reference": reference.to_dict() if reference else None, "lanes": lanes}
        print(json.dumps(payload, indent=2))
    else:
        if reference is not None:
            print(f"[reference] {reference.item.reference}\n  scored on {reference.metric.label}\n")
        for answer in answers:
            print(
                _format_answer(answer)
                + _format_score(answer, reference)
                + (_format_repeats(stats[answer.lane]) if args.repeat > 1 else "")
            )
    failed = [a for a in answers if a.error]
    if len(failed) == len(answers):
        raise CommandError("; ".join(f"{a.lane} lane failed: {a.error}" for a in failed))
    return 0


def _lane_json(answer: Answer, reference: Reference | None) -> dict:
    """The contract's lane object; with a reference, its `score` (null for a lane that failed)."""
    lane = answer.to_dict()
    if reference is not None:
        score = score_answer(reference, answer)
        lane["score"] = score.to_dict() if score else None
    return lane


def _format_score(answer: Answer, reference: Reference | None) -> str:
    score = score_answer(reference, answer) if reference is not None else None
    if score is None:
        return ""
    retrieval = score.retrieval
    found = ""
    if retrieval is not None:
        found = f"; source {retrieval['source']} {'retrieved' if retrieval['retrieved'] else 'not retrieved'}"
    return f"  score: {score.verdict.upper()} ({score.detail}{found})\n"


def _lane_context(args: argparse.Namespace, services: Services, hardware: Hardware) -> LaneContext:
    """The command line's knowledge: a given --store, or the scenario's own documents, kept indexed."""
    if args.store is None:
        return services.lane_context(services.workspace(SHARED_WORKSPACE, copy_documents=False), hardware)
    if not store_exists(args.store):
        raise CommandError(f"{args.store}: no index here; run `ingest` first")
    store = KnowledgeStore(args.store, services.embedder)
    documents = store.folder / "documents" if store.folder else Path("documents")  # unused: synced, read-only
    fixed = KnowledgeBase(documents, store, synced=True)  # search the store as ingested
    return LaneContext(knowledge=lambda scenario: fixed, hardware=hardware)


def _format_answer(answer: Answer) -> str:
    if answer.error:
        return f"[{answer.lane}] {answer.model}\n  error: {answer.error}\n"
    cost = "unknown" if answer.cost_usd is None else f"${answer.cost_usd:.6f}"
    if answer.cost is not None:
        cost += f" ({answer.cost.hardware.name} at ${answer.cost.hardware.usd_per_hour:.3f}/hour for local work)"
    return (
        f"[{answer.lane}] {answer.model}\n{answer.text.strip()}\n"
        f"  tokens: {answer.usage.prompt_tokens} prompt + {answer.usage.completion_tokens} completion"
        f" | cost: {cost} | ttft: {_seconds(answer.ttft_s)} | latency: {_seconds(answer.latency_s)}\n"
    )


def _format_repeats(stats: RepeatStats) -> str:
    return (
        f"  {stats.runs} runs ({stats.cached} cached, left out): latency median {_seconds(stats.latency_median_s)}"
        f", p95 {_seconds(stats.latency_p95_s)}, range {_seconds(stats.latency_min_s)} to "
        f"{_seconds(stats.latency_max_s)}; {stats.distinct_answers} distinct answer(s)\n"
    )


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}s"
