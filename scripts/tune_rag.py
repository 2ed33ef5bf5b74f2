"""Choose the RAG lane's defaults on a scenario's dev split, then report them on its test split.

A coordinate search, one setting at a time, in a fixed order decided before any run: k, passage
order, then the instruction before the passages (the shipped one, or the shipped one asking to quote
the figure). The chunk size stays at the shipped 800 characters (see SEARCH). Each candidate is
scored on the dev items only, with the scenario's primary metric; a candidate replaces the current
choice only when its dev mean is higher by more than `--min-gain` (ties keep the earlier, cheaper or
shipped value). Then the shipped
defaults and the chosen ones both answer the test items, and the chosen ones run the freshness set.

Every answer is generated anew (`--no-cache`): a chunk size changes the prompt, not the cache key.

    .venv/bin/python scripts/tune_rag.py --scenario company-knowledge --out bench/rag_tuning.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_INSTRUCTION = (ROOT / "playground" / "prompts" / "rag_instruction.txt").read_text(encoding="utf-8").strip()
INSTRUCTIONS = {
    "shipped": SHIPPED_INSTRUCTION,
    "quote": SHIPPED_INSTRUCTION + "\nCopy the exact figure, date or name from the passage into your answer.",
    "short": "Answer the question in one sentence, using only the passages below.",
}


@dataclass(frozen=True)
class Config:
    """One candidate setting of the RAG lane."""

    k: int = 5
    chunk_size: int = 800
    passage_order: str = "best_first"
    instruction: str = "shipped"

    def label(self) -> str:
        return f"k={self.k} chunk={self.chunk_size} order={self.passage_order} instruction={self.instruction}"


SHIPPED = Config()  # the defaults the search started from (RAG now ships what it chose: best_last)
# Cut, before any result was seen, from k (2, 3, 5, 8), chunk (400, 800, 1200) and three instructions
# to what two busy CPU cores could run in a session: a chunk size re-embeds the knowledge base.
SEARCH: tuple[tuple[str, tuple[object, ...]], ...] = (
    ("k", (3, 5, 8)),
    ("passage_order", ("best_first", "best_last")),
    ("instruction", ("shipped", "quote")),
)


def run_eval(config: Config, scenario: str, split: str, max_tokens: int | None) -> dict[str, object]:
    """The `eval --json` of the RAG lane with this setting on one split."""
    command = [
        sys.executable, "-m", "playground", "eval", "--scenario", scenario, "--split", split, "--lanes", "rag",
        "--k", str(config.k), "--passage-order", config.passage_order,
        "--rag-instruction", INSTRUCTIONS[config.instruction], "--no-cache", "--json",
    ]  # fmt: skip
    if max_tokens:
        command += ["--max-tokens", str(max_tokens)]
    env = os.environ | {"PLAYGROUND_CHUNK_SIZE": str(config.chunk_size)}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"eval failed for {config.label()}: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout)


def primary(result: dict[str, object]) -> dict[str, object]:
    """The primary metric of the one lane: value, 95% interval and n."""
    metric = str(result["primary_metric"])
    (lane,) = result["lanes"]  # type: ignore[misc]
    return {"metric": metric, **lane["metrics"][metric]}


def run_freshness(config: Config, scenario: str) -> dict[str, object]:
    command = [
        sys.executable, "-m", "playground", "freshness", "--scenario", scenario, "--lanes", "rag",
        "--k", str(config.k), "--passage-order", config.passage_order,
        "--rag-instruction", INSTRUCTIONS[config.instruction], "--json",
    ]  # fmt: skip
    env = os.environ | {"PLAYGROUND_CHUNK_SIZE": str(config.chunk_size)}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"freshness failed for {config.label()}: {done.stderr.strip()[-500:]}")
    (lane,) = json.loads(done.stdout)["lanes"]
    return lane


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="company-knowledge")
    parser.add_argument("--max-tokens", type=int, help="longest answer (default: the lanes' own)")
    parser.add_argument("--min-gain", type=float, default=0.01, help="dev gain needed to change a setting")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "rag_tuning.json")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    tried: dict[Config, dict[str, object]] = {}

    def dev_score(config: Config) -> float:
        if config not in tried:
            tried[config] = primary(run_eval(config, args.scenario, "dev", args.max_tokens))
            print(f"dev  {config.label():<60} {tried[config]['value']:.3f} {tried[config]['ci95']}", flush=True)
        return float(tried[config]["value"])  # type: ignore[arg-type]

    chosen = SHIPPED
    for field, values in SEARCH:
        best, best_score = chosen, dev_score(chosen)
        for value in values:
            candidate = replace(chosen, **{field: value})
            score = dev_score(candidate)
            if score > best_score + args.min_gain:
                best, best_score = candidate, score
        chosen = best
    report: dict[str, object] = {
        "scenario": args.scenario,
        "search": [{"setting": field, "values": list(values)} for field, values in SEARCH],
        "instructions": INSTRUCTIONS,
        "min_gain": args.min_gain,
        "dev": [{"config": asdict(c), **score} for c, score in tried.items()],
        "shipped": asdict(SHIPPED),
        "chosen": asdict(chosen),
    }
    test = {"shipped": primary(run_eval(SHIPPED, args.scenario, "test", args.max_tokens))}
    if chosen != SHIPPED:
        test["chosen"] = primary(run_eval(chosen, args.scenario, "test", args.max_tokens))
    report["test"] = test
    report["freshness"] = {"chosen": run_freshness(chosen, args.scenario)}
    report["seconds"] = round(time.perf_counter() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"chosen: {chosen.label()}; test: {json.dumps(test)}; written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
