"""The command line: `python -m playground <command>`, headless, JSON with --json.

Errors end with exit code 1 or 2 and one clear line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from playground import cli_evaluation, cli_knowledge, cli_serving, cli_training
from playground.cli_lane_flags import add_lane_flags, lane_settings
from playground.config import Settings
from playground.errors import PlaygroundError, UsageError, one_line
from playground.knowledge.base import KnowledgeBase
from playground.knowledge.store import KnowledgeStore, store_exists, store_location
from playground.lanes import (
    EmptyQuestionError,
    LaneContext,
    LaneError,
    UnknownLaneError,
    check_question,
    default_lanes,
    get_lane,
    run_lanes,
)
from playground.logs import configure_logging
from playground.records import Answer
from playground.services import SHARED_WORKSPACE, Services


class CommandError(PlaygroundError):
    """A problem the user can fix; printed as one line, exit code 1."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not argparse's usage block: main() prints it
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="playground", description="Compare prompting, RAG and fine-tuning from the shell.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

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
    ask.add_argument("--json", action="store_true", help="print the contract's JSON on stdout")
    ask.set_defaults(handler=cmd_ask)
    cli_knowledge.add_commands(commands)
    cli_training.add_command(commands)
    cli_evaluation.add_command(commands)
    cli_serving.add_command(commands)
    return parser


def parse_lanes(spec: str) -> list[str]:
    """Known lane names from a comma-separated list, each once, in the given order."""
    lanes = [lane.strip() for lane in spec.split(",") if lane.strip()]
    if not lanes:
        raise CommandError("no lanes given")
    for lane in lanes:
        get_lane(lane)
    return list(dict.fromkeys(lanes))


def cmd_ask(args: argparse.Namespace, services: Services) -> int:
    question = check_question(args.question)
    lanes = parse_lanes(args.lanes)
    scenario = services.scenarios.get(args.scenario)
    model = args.model or services.settings.default_model
    services.gateway.check_model(model)
    options = {"max_tokens": args.max_tokens, "temperature": args.temperature, **lane_settings(args)}
    options.setdefault("system_prompt", None)
    jobs = [services.lane_job(lane, model, **options) for lane in lanes]
    services.gateway.warm_up((model,))
    *_, final = run_lanes(services.gateway, question, scenario, jobs, _lane_context(args, services))
    answers = [final[job.lane] for job in jobs]
    if args.json:
        print(json.dumps({"question": question, "lanes": [a.to_dict() for a in answers]}, indent=2))
    else:
        for answer in answers:
            print(_format_answer(answer))
    failed = [a for a in answers if a.error]
    if len(failed) == len(answers):
        raise CommandError("; ".join(f"{a.lane} lane failed: {a.error}" for a in failed))
    return 0


def _lane_context(args: argparse.Namespace, services: Services) -> LaneContext:
    """The command line's knowledge: a given --store, or the scenario's own documents, kept indexed."""
    if args.store is None:
        return services.lane_context(services.workspace(SHARED_WORKSPACE, copy_documents=False))
    if not store_exists(args.store):
        raise CommandError(f"{args.store}: no index here; run `ingest` first")
    store = KnowledgeStore(args.store, services.embedder)
    documents = store.folder / "documents" if store.folder else Path("documents")  # unused: synced, read-only
    fixed = KnowledgeBase(documents, store, synced=True)  # search the store as ingested
    return LaneContext(knowledge=lambda scenario: fixed)


def _format_answer(answer: Answer) -> str:
    if answer.error:
        return f"[{answer.lane}] {answer.model}\n  error: {answer.error}\n"
    cost = "unknown" if answer.cost_usd is None else f"${answer.cost_usd:.6f}"
    return (
        f"[{answer.lane}] {answer.model}\n{answer.text.strip()}\n"
        f"  tokens: {answer.usage.prompt_tokens} prompt + {answer.usage.completion_tokens} completion"
        f" | cost: {cost} | ttft: {answer.ttft_s:.2f}s | latency: {answer.latency_s:.2f}s\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    configure_logging()
    try:
        args = build_parser().parse_args(argv)
        services = Services.from_settings(Settings.from_env())
        return args.handler(args, services)
    except PlaygroundError as exc:
        return _fail(exc.message, exc.exit_code)
    except (EmptyQuestionError, UnknownLaneError, LaneError) as exc:  # until the lanes' own errors are PlaygroundErrors
        return _fail(one_line(str(exc)), 1 if isinstance(exc, LaneError) else 2)
    except KeyboardInterrupt:
        print("playground: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the last net: still one line, the traceback only in debug logs
        logging.getLogger(__name__).debug("unexpected error", exc_info=True)
        print(f"playground: unexpected error: {type(exc).__name__}: {one_line(str(exc))}", file=sys.stderr)
        return 1


def _fail(message: str, exit_code: int) -> int:
    print(f"playground: error: {message}", file=sys.stderr)
    return exit_code
