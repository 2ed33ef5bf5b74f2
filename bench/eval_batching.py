"""Batched against one-by-one evaluation: the same questions, lanes and settings, in one process.

Runs the evaluation twice without the answer cache, first with one answer in flight at a time
(sequential), then with --batch-size in flight (the local engine generates them as one batch),
and reports wall time, the speed-up and how many answers came out identical:
    .venv/bin/python bench/eval_batching.py --scenario product-pricing --limit 64 --batch-size 16
"""

from __future__ import annotations

import argparse
import json
import time

from playground.config import Settings
from playground.evaluation.report import EvalResults
from playground.evaluation.runner import run_evaluation
from playground.evaluation.sets import load_eval_set, sample_items
from playground.lanes import default_lanes
from playground.logs import configure_logging
from playground.services import Services


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", default="product-pricing")
    parser.add_argument("--lanes", default=",".join(default_lanes()))
    parser.add_argument("--limit", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-tokens", type=int)
    args = parser.parse_args()
    configure_logging()
    services = Services.from_settings(Settings.from_env())
    scenario = services.scenarios.get(args.scenario)
    items = sample_items(load_eval_set(scenario.eval_set), args.limit, seed=0)
    model = services.settings.default_model
    jobs = [services.lane_job(lane, model, max_tokens=args.max_tokens) for lane in args.lanes.split(",")]
    context = services.lane_context(services.workspace("bench", copy_documents=False))
    services.gateway.warm_up((model,))
    run_evaluation(services.gateway, scenario, items[:2], jobs, context, batch_size=2)  # first-call costs, index
    engine = services.gateway.engines.get(model.removeprefix("local/"))
    report = {"scenario": scenario.name, "questions": len(items), "lanes": [j.lane for j in jobs]}
    answers = {}
    for label, batch_size in (("sequential", 1), ("batched", args.batch_size)):
        served = len(engine.batch_sizes)
        started = time.perf_counter()
        run = run_evaluation(services.gateway, scenario, items, jobs, context, batch_size=batch_size)
        seconds = time.perf_counter() - started
        results = EvalResults.from_run(run)
        answers[label] = [r.answer.text for r in run.rows]
        sizes = engine.batch_sizes[served:]
        report[label] = {
            "batch_size": batch_size,
            "seconds": round(seconds, 1),
            "answers_per_s": round(len(run.rows) / seconds, 3),
            "mean_generated_batch": round(sum(sizes) / len(sizes), 2) if sizes else None,
            "metrics": {
                f"{m.lane} {m.key}": round(m.value, 4) for m in results.metrics.itertuples() if m.key != "rmsle"
            },
        }
    report["speedup"] = round(report["sequential"]["seconds"] / report["batched"]["seconds"], 2)
    same = sum(a == b for a, b in zip(answers["sequential"], answers["batched"], strict=True))
    report["identical_answers"] = f"{same}/{len(answers['sequential'])}"
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
