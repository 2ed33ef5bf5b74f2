"""The `train` command: fit a LoRA adapter with Unsloth and write it, with its card, to --out.

It is also the child process the Train tab runs: with --progress, one JSON object per event goes
to stderr (loading, each logged step with loss and ETA, each validation point, done, or error with
its message), and the result to stdout. The training flags come from `training.settings`, declared there once.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

from playground.errors import PlaygroundError, UsageError
from playground.scenarios import ScenarioCatalog
from playground.services import Services
from playground.training import settings
from playground.training.data import CsvMapping
from playground.training.registry import check_adapter_name
from playground.training.trainer import DEFAULT_BASE, Progress, TrainConfig, TrainingError
from playground.training.validation import METRICS, NO_METRIC, known_metric, scenario_metric


def add_command(commands: argparse._SubParsersAction) -> None:
    train = commands.add_parser("train", help="train a LoRA adapter with Unsloth")
    train.add_argument(
        "data",
        type=Path,
        nargs="?",
        help="JSONL (chat or prompt/completion) or CSV training file (default: the --scenario's training set)",
    )
    train.add_argument("--out", required=True, type=Path, help="adapter folder, e.g. adapters/my-adapter")
    train.add_argument("--base", default=DEFAULT_BASE, help="local model alias, folder or hub id")
    settings.add_arguments(train)  # --preset and one flag per training setting
    train.add_argument(
        "--scenario",
        help="the scenario the adapter serves: its training set is the default DATA, its primary_metric the "
        "default --metric, and its house rules score style_compliance",
    )
    train.add_argument(
        "--metric",
        help=f"metric scored on greedy answers to the validation slice ({', '.join([*METRICS, NO_METRIC])}); "
        "default: the scenario's primary_metric when training can score it, else none (validation loss only)",
    )
    train.add_argument("--csv-prompt", help="CSV: the prompt column")
    train.add_argument("--csv-completion", help="CSV: the completion column")
    train.add_argument("--progress", action="store_true", help="JSON progress events (and the error) on stderr")
    train.add_argument("--json", action="store_true")
    train.set_defaults(handler=cmd_train)


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    check_adapter_name(args.out.name)
    mapping = None
    if args.csv_prompt or args.csv_completion:
        if not (args.csv_prompt and args.csv_completion):
            raise UsageError("--csv-prompt and --csv-completion go together")
        mapping = CsvMapping(args.csv_prompt, args.csv_completion)
    known_metric(args.metric)  # an unknown name is refused before anything loads
    return TrainConfig(
        data=args.data,
        out=args.out,
        base=args.base,
        settings=settings.from_arguments(args),
        csv_mapping=mapping,
        metric=args.metric,
        scenario=args.scenario,
    )


def with_scenario(config: TrainConfig, scenarios: ScenarioCatalog) -> TrainConfig:
    """The scenario's defaults filled in: the training file, the validation metric and its house rules.

    Without a scenario the data must be given and the metric is the one asked for (or none).
    """
    if config.scenario is None:
        if config.data is None:
            raise UsageError("give the training file, or --scenario NAME to train on a scenario's")
        return replace(config, metric=known_metric(config.metric))
    scenario = scenarios.get(config.scenario)
    data = config.data or scenario.train_set
    if data is None:
        raise UsageError(f"scenario '{scenario.name}' has no training set: give the training file")
    metric = known_metric(config.metric) if config.metric else scenario_metric(scenario.extra.get("primary_metric"))
    return replace(config, data=data, metric=metric, house_rules=scenario.extra.get("house_rules"))


def prepare_for_llama_cpp(adapter: Path, base: str, fallback_dir: Path) -> None:
    """Convert a new adapter to a GGUF LoRA now, so its first answer does not wait for it."""
    from playground.llamacpp.lora_gguf import LoraConversionError, gguf_lora_for
    from playground.llamacpp.served import gguf_file, is_gguf_name

    if not is_gguf_name(base):
        return  # served by the transformers engine, which loads PEFT adapters as they are
    try:
        gguf_lora_for(adapter, gguf_file(base), fallback_dir)
    except LoraConversionError as exc:  # the adapter is still usable where PEFT serves it
        print(f"playground: warning: adapter not converted for llama.cpp: {exc}", file=sys.stderr)


def cmd_train(args: argparse.Namespace, services: Services) -> int:
    def progress(event: dict) -> None:
        if args.progress:
            print(json.dumps(event), file=sys.stderr, flush=True)

    try:
        return _train(args, services, progress)
    except Exception as exc:  # the job that runs this child reads the error as an event, not as text
        known = isinstance(exc, PlaygroundError)
        progress({"event": "error", "message": exc.message if known else f"{type(exc).__name__}: {exc}"})
        raise


def _train(args: argparse.Namespace, services: Services, progress: Progress) -> int:
    config = with_scenario(config_from_args(args), services.scenarios)
    if not config.data.is_file():
        raise TrainingError(f"{config.data}: no such file")
    from playground.training.trainer import train  # imports Unsloth first, only when training

    # Unsloth and TRL print banners and progress bars: keep stdout for the result alone.
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    with contextlib.redirect_stdout(sys.stderr):
        card = train(config, services.settings.models_cache_dir, progress)
    prepare_for_llama_cpp(config.out, config.base, services.settings.lora_cache_dir)
    result = {
        "adapter": str(config.out),
        "steps": card["steps"],
        "train_loss": card["train_loss"],
        "seconds": card["seconds"],
        "device": card["device"],
        "backend": card["backend"],
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"adapter {result['adapter']}: {card['steps']} steps, loss {card['train_loss']}, "
            f"{card['seconds']:.0f}s on {card['device']} ({card['backend']}), {card['tokens_per_s']} tokens/s"
        )
    return 0
