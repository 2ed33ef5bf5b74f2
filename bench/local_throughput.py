"""Tokens/s of the prompting lane (litellm gateway + local engine) next to raw model.generate.

Same prompt, same greedy decoding, same number of new tokens, interleaved repeats, one process:
    .venv/bin/python bench/local_throughput.py [--tokens 128] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

from playground.config import Settings
from playground.lanes import LaneJob, run_lane
from playground.local_models import EMBEDDED_ALIAS
from playground.logs import configure_logging
from playground.services import Services
from playground.strategies import LaneOptions, get_strategy

QUESTION = "Write a short paragraph about why the sky is blue."


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    configure_logging()
    services = Services.from_settings(Settings.from_env())
    scenario = services.scenarios.get()
    model = f"local/{EMBEDDED_ALIAS}"
    options = LaneOptions(model=model, shots="zero-shot", max_tokens=args.tokens, temperature=0.0)
    messages = get_strategy("prompting").prepare(QUESTION, scenario, options).messages
    engine = services.gateway.engines.get(EMBEDDED_ALIAS)
    loaded = engine.load()
    input_ids = engine.encode(messages)
    services.gateway.warm_up((model,))
    run_lane(services.gateway, QUESTION, scenario, LaneJob("prompting", options))  # warm: first call costs more
    for _ in run_lane(services.gateway, QUESTION, scenario, LaneJob("prompting", options)):
        pass

    raw, lane = [], []
    for _ in range(args.repeats):
        started = time.perf_counter()
        with torch.inference_mode():
            output = loaded.model.generate(
                input_ids=input_ids,
                attention_mask=torch.ones_like(input_ids),
                max_new_tokens=args.tokens,
                do_sample=False,
                pad_token_id=loaded.tokenizer.eos_token_id,
            )
        raw.append((output.shape[-1] - input_ids.shape[-1]) / (time.perf_counter() - started))
        *_, answer = run_lane(services.gateway, QUESTION, scenario, LaneJob("prompting", options))
        lane.append(answer.usage.completion_tokens / answer.latency_s)
    print(
        json.dumps(
            {
                "prompt_tokens": int(input_ids.shape[-1]),
                "new_tokens": args.tokens,
                "raw_generate_tokens_per_s": round(statistics.median(raw), 2),
                "lane_tokens_per_s": round(statistics.median(lane), 2),
                "lane_over_raw": round(statistics.median(lane) / statistics.median(raw), 3),
                "repeats": args.repeats,
                "torch_threads": torch.get_num_threads(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
