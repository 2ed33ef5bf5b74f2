"""Pricing scenario: the base model with zero-shot and few-shot prompts versus the shipped adapter.

Every answer goes through the same lanes as the Compare tab; metrics from playground.evaluation:
    .venv/bin/python bench/pricing_eval.py [--limit 250] [--adapter pricing] [--json]
"""

from __future__ import annotations

import argparse
import json
import time

from playground.config import Settings
from playground.evaluation.numbers import parse_number, score_numbers
from playground.lanes import LaneJob, get_lane, run_lane
from playground.logs import configure_logging
from playground.services import Services


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=250)
    parser.add_argument("--adapter", default="pricing")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    configure_logging()
    services = Services.from_settings(Settings.from_env())
    scenario = services.scenarios.get("product-pricing")
    items = [json.loads(line) for line in scenario.eval_set.read_text().splitlines() if line.strip()][: args.limit]
    context = services.lane_context(services.workspace("bench", copy_documents=False))
    model = services.settings.default_model
    variants = {
        "base, zero-shot": LaneJob("prompting", get_lane("prompting").options(model, shots="zero-shot", max_tokens=12)),
        "base, few-shot (3)": LaneJob(
            "prompting", get_lane("prompting").options(model, shots="few-shot", max_tokens=12)
        ),
        f"adapter {args.adapter}": LaneJob(
            "finetuned", get_lane("finetuned").options(model, adapter=args.adapter, max_tokens=12)
        ),
    }
    services.gateway.warm_up((model,))
    report = {}
    for name, job in variants.items():
        started = time.perf_counter()
        pairs = []
        for item in items:
            *_, answer = run_lane(services.gateway, item["question"], scenario, job, context)
            pairs.append((parse_number(answer.text), float(item["reference"])))
        s = score_numbers(pairs)
        report[name] = {
            "mae": round(s.mae, 2) if s.mae is not None else None,
            "rmsle": round(s.rmsle, 3) if s.rmsle is not None else None,
            "hit_rate": round(s.hit_rate, 3),
            "near_miss_rate": round(s.near_miss_rate, 3),
            "parsed": f"{s.parsed}/{s.total}",
            "seconds": round(time.perf_counter() - started, 1),
        }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for name, r in report.items():
            print(
                f"{name:22s} MAE ${r['mae']}  RMSLE {r['rmsle']}  hit {r['hit_rate']:.1%}"
                f"  near {r['near_miss_rate']:.1%}"
                f"  parsed {r['parsed']}  ({r['seconds']} s)"
            )


if __name__ == "__main__":
    main()
