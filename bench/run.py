"""The project's benchmark in one command: llama.cpp lanes next to their baselines, and the app's own speeds.

    .venv/bin/python bench/run.py [--quick] [--only decode_ratio,eval_speedup] [--out bench/results.json]

Every figure is the median of several runs, and every run is measured next to its baseline in the same
process, interleaved with it (baseline, subject, baseline, subject, ...), so a noisy machine slows both
alike; a ratio is the median of the per-pair ratios. bench/results.json gets the machine, the date, the
figures and, under "details", every raw run with its settings and token counts (rewritten after each
measurement, so an interrupted run keeps what it measured). A Markdown table (figure | value | goal | met?)
goes to stdout, progress to stderr. The full run is sized for about 10 minutes on a quiet 2-core machine
with llama.cpp at its goals; the 100-question evaluation dominates it (--eval-questions shrinks it).
--quick runs a little of everything, to test the bench itself.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # `python bench/run.py` from the repository root, like the other benches
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import served_file  # noqa: E402
from served_file import flush_slots  # noqa: E402  (bench/ is on sys.path when run as bench/run.py)

from playground.config import Settings  # noqa: E402
from playground.evaluation.sets import EvalItem, load_eval_set, sample_items  # noqa: E402
from playground.lanes import LaneJob, run_lane, run_lanes  # noqa: E402
from playground.lanes.builtin.finetuned import adapter_model  # noqa: E402
from playground.llamacpp.server import ServerConfig, _params  # noqa: E402
from playground.llm import Completion, Gateway  # noqa: E402
from playground.local_models import EMBEDDED_ALIAS, LocalEngines, embedded_gguf_file, ensure_embedded_model  # noqa: E402
from playground.model_ref import ModelRef  # noqa: E402
from playground.records import Answer  # noqa: E402
from playground.scenarios import Scenario  # noqa: E402
from playground.services import SHARED_WORKSPACE, Services  # noqa: E402

LANE_MODEL = f"local/{EMBEDDED_ALIAS}"
LONG_ANSWER = [{"role": "user", "content": "Write a long, detailed story about a dragon who learns to bake bread."}]
DECODE_TOKENS = 128
PREFILL_TOKENS = 600
LANES = ("prompting", "rag", "finetuned")
EVAL_SCENARIO = "product-pricing"
PACKAGES = ("xllamacpp", "litellm", "torch", "transformers", "numpy", "gguf", "lancedb", "sentence-transformers")
PACKAGES += ("peft", "unsloth", "gradio")

# figure -> (comparison, goal); figures without a goal are reported as measured.
GOALS: dict[str, tuple[str, float]] = {
    "decode_ratio": (">=", 0.9),
    "speedup_vs_transformers": (">=", 3.0),
    "compare_overhead_ratio": ("<=", 1.3),
    "eval_speedup": (">=", 3.0),
    "cold_start_s": ("<", 10.0),
    "first_answer_ttft_s": ("<", 8.0),  # every lane
    "compare_wall_ratio": ("<=", 0.7),  # every scenario
}

Measured = tuple[dict[str, float | None], dict[str, Any]]


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def paired_ratio(subject: list[float], baseline: list[float]) -> float | None:
    """The median over pairs (run i of the subject, run i of its baseline) of subject ÷ baseline."""
    return median([s / b for s, b in zip(subject, baseline, strict=True) if b])


def decode_rate(tokens: int, ttft_s: float, latency_s: float) -> float:
    """Tokens/s after the first token: (tokens - 1) / (latency - time to first token)."""
    return (tokens - 1) / (latency_s - ttft_s) if tokens > 1 and latency_s > ttft_s else 0.0


def same_tokens(runs: list[dict], others: list[dict]) -> bool:
    """Whether each pair of runs generated the same number of tokens."""
    return all(a["completion_tokens"] == b["completion_tokens"] for a, b in zip(runs, others, strict=True))


def rounded(value: Any, digits: int = 4) -> Any:
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v, digits) for v in value]
    return value


class Bench:
    """What the measurements share: settings, the app's services, the run counts, loaded baselines."""

    def __init__(self, quick: bool, eval_questions: int | None = None) -> None:
        self.quick = quick
        self.settings = Settings.from_env()
        self.fast = 2 if quick else 5  # runs of a measurement that takes seconds
        self.slow = 1 if quick else 3  # runs of one that takes tens of seconds
        self.eval_questions = eval_questions or (8 if quick else 100)  # eval_questions_per_s's sample
        self.eval_same_sample = min(self.eval_questions, 4 if quick else 16)  # eval_speedup's (transformers is slow)

    @cached_property
    def services(self) -> Services:
        log("loading the app's services and the llama.cpp server")
        services = Services.from_settings(self.settings)
        services.gateway.warm_up((LANE_MODEL,))
        lane_run(services.gateway, LANE_MODEL, LONG_ANSWER, 8)  # litellm's first request costs more
        return services

    @property
    def gateway(self) -> Gateway:
        return self.services.gateway

    @cached_property
    def hf(self) -> HFModel:
        return HFModel.load(self.settings)

    def lane_config(self) -> ServerConfig:
        """The settings the lane's in-process llama.cpp server runs with."""
        served = self.gateway.served
        assert served is not None, "this bench measures the in-process llama.cpp server"
        return served.get(EMBEDDED_ALIAS).server.config

    def lane_settings(self) -> dict[str, Any]:
        config = self.lane_config()
        return {
            "threads": config.threads or os.cpu_count(),
            "slots": config.slots,
            "context_per_slot": config.context_per_slot,
            "batch": config.batch,
            "ubatch": config.ubatch,
            "adapters_on_base_server": len(config.adapters),
            "layout": self.settings.engine_layout,  # per-adapter: the fine-tuned lane has a server of its own
        }


# --- one generation, timed ---------------------------------------------------------------------------


def lane_run(
    gateway: Gateway, model: str | ModelRef, messages: list[dict[str, str]], max_tokens: int
) -> dict[str, float]:
    """One gateway.stream call (the lanes' path), timed client-side."""
    *_, done = gateway.stream(model, messages, max_tokens=max_tokens, temperature=0.0)
    assert isinstance(done, Completion)
    tokens = done.usage.completion_tokens
    return {
        "prompt_tokens": done.usage.prompt_tokens,
        "completion_tokens": tokens,
        "ttft_s": done.ttft_s,
        "latency_s": done.latency_s,
        "decode_tps": decode_rate(tokens, done.ttft_s, done.latency_s),
        "prefill_tps": done.usage.prompt_tokens / done.ttft_s if done.ttft_s else 0.0,
    }


class RawServer:
    """A bare xllamacpp.Server with the lane's settings, called in this process: no HTTP, no litellm."""

    def __init__(self, config: ServerConfig) -> None:
        import xllamacpp

        self.server = xllamacpp.Server(_params(dataclasses.replace(config, adapters=(), port=0)))

    def stream(self, messages: list[dict[str, str]], max_tokens: int) -> dict[str, float]:
        """handle_chat_completions with stream=True, timed client-side (first content chunk, last chunk)."""
        body = {"messages": messages, "max_tokens": max_tokens, "temperature": 0.0, "stream": True}
        body["stream_options"] = {"include_usage": True}
        seen: dict[str, Any] = {}

        def on_chunk(chunk: dict) -> None:
            choices = chunk.get("choices") or []
            if "first" not in seen and choices and (choices[0].get("delta") or {}).get("content"):
                seen["first"] = time.perf_counter()
            seen["usage"] = chunk.get("usage") or seen.get("usage")
            seen["timings"] = chunk.get("timings") or seen.get("timings")

        started = time.perf_counter()
        self.server.handle_chat_completions(body, on_chunk)
        latency = time.perf_counter() - started
        ttft = seen.get("first", started + latency) - started
        usage, timings = seen.get("usage") or {}, seen.get("timings") or {}
        tokens = int(usage.get("completion_tokens", 0))
        return {
            "prompt_tokens": int(usage.get("prompt_tokens", 0)),
            "completion_tokens": tokens,
            "ttft_s": ttft,
            "latency_s": latency,
            "decode_tps": decode_rate(tokens, ttft, latency),
            "server_decode_tps": float(timings.get("predicted_per_second", 0.0)),
        }

    def close(self) -> None:
        self.server = None
        gc.collect()


class HFModel:
    """The old transformers path: the converted fp32 folder, model.generate, torch threads = cores."""

    def __init__(self, model: Any, tokenizer: Any, folder: Path) -> None:
        self.model, self.tokenizer, self.folder = model, tokenizer, folder

    @classmethod
    def load(cls, settings: Settings) -> HFModel:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        log("loading the transformers model (fp32)")
        torch.set_num_threads(os.cpu_count() or 1)
        folder = ensure_embedded_model(settings.models_cache_dir)
        tokenizer = AutoTokenizer.from_pretrained(folder)
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
        hf = cls(model, tokenizer, folder)
        hf.generate_s(hf.encode(LONG_ANSWER), 4)  # first call costs more
        return hf

    def encode(self, messages: list[dict[str, str]]) -> Any:
        text = self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return self.tokenizer(text, return_tensors="pt", add_special_tokens=False).input_ids

    def generate_s(self, input_ids: Any, new_tokens: int) -> tuple[float, int]:
        """Seconds for a greedy generate of exactly new_tokens tokens, and the tokens generated."""
        import torch

        pad = self.tokenizer.pad_token_id or self.tokenizer.eos_token_id
        started = time.perf_counter()
        with torch.inference_mode():
            output = self.model.generate(
                input_ids=input_ids,
                attention_mask=torch.ones_like(input_ids),
                max_new_tokens=new_tokens,
                min_new_tokens=new_tokens,
                do_sample=False,
                pad_token_id=pad,
            )
        return time.perf_counter() - started, int(output.shape[-1] - input_ids.shape[-1])

    def decode_run(self, messages: list[dict[str, str]], new_tokens: int) -> dict[str, float]:
        """Decode tokens/s = (N - 1) / (time of generate(N) - time of generate(1))."""
        ids = self.encode(messages)
        first_s, _ = self.generate_s(ids, 1)
        total_s, tokens = self.generate_s(ids, new_tokens)
        rate = decode_rate(tokens, first_s, total_s)
        return {"prompt_tokens": int(ids.shape[-1]), "completion_tokens": tokens, "ttft_s": first_s, "decode_tps": rate}


# --- measurements: each returns (figures, details) -----------------------------------------------------


def measure_decode_ratio(bench: Bench) -> Measured:
    raw = RawServer(bench.lane_config())
    raw.stream(LONG_ANSWER, 8)
    raws, lanes = [], []
    for i in range(bench.fast):
        log(f"decode_ratio: pair {i + 1}/{bench.fast} (raw xllamacpp, then the lane)")
        raws.append(raw.stream(LONG_ANSWER, DECODE_TOKENS))
        lanes.append(lane_run(bench.gateway, LANE_MODEL, LONG_ANSWER, DECODE_TOKENS))
    raw.close()
    lane_tps, raw_tps = [r["decode_tps"] for r in lanes], [r["decode_tps"] for r in raws]
    details = {
        "method": "both streamed and timed client-side: (completion_tokens - 1) / (latency - ttft); raw is "
        "xllamacpp.Server.handle_chat_completions(stream=True) with a Python callback, in this process",
        "settings": bench.lane_settings() | {"max_tokens": DECODE_TOKENS, "temperature": 0.0},
        "same_token_counts": same_tokens(lanes, raws),
        "lane_over_server_reported_raw": paired_ratio(lane_tps, [r["server_decode_tps"] for r in raws]),
        "runs": {"raw": raws, "lane": lanes},
    }
    return {"decode_ratio": paired_ratio(lane_tps, raw_tps)}, details


def measure_speedup_vs_transformers(bench: Bench) -> Measured:
    hf, gateway = bench.hf, bench.gateway
    tfs, lanes = [], []
    for i in range(bench.slow):
        log(f"speedup_vs_transformers: pair {i + 1}/{bench.slow} (transformers generate, then the lane)")
        tfs.append(hf.decode_run(LONG_ANSWER, DECODE_TOKENS))
        lanes.append(lane_run(gateway, LANE_MODEL, LONG_ANSWER, DECODE_TOKENS))
    details = {
        "method": "lane: as decode_ratio; transformers: (N - 1) / (t(generate N) - t(generate 1)), "
        "min_new_tokens = max_new_tokens = N, greedy, fp32",
        "settings": {"torch_threads": _torch_threads(), "max_tokens": DECODE_TOKENS, "model_folder": str(hf.folder)},
        "runs": {"transformers": tfs, "lane": lanes},
    }
    ratio = paired_ratio([r["decode_tps"] for r in lanes], [r["decode_tps"] for r in tfs])
    return {"speedup_vs_transformers": ratio}, details


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def kb_text(bench: Bench, tokens: int) -> str:
    """About `tokens` tokens of the company-knowledge documents, cut at a token boundary."""
    kb = bench.services.scenarios.get("company-knowledge").knowledge_base
    assert kb is not None
    text = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(kb.iterdir()) if p.suffix == ".md")
    ids = bench.hf.tokenizer(text, add_special_tokens=False).input_ids[:tokens]
    return bench.hf.tokenizer.decode(ids)


def prefill_messages(tag: str, documents: str) -> list[dict[str, str]]:
    """A long prompt whose first line is unique, so llama.cpp can reuse no cached prefix of it."""
    system = f"Benchmark run {tag}. Answer from these documents only.\n\n{documents}"
    return [{"role": "system", "content": system}, {"role": "user", "content": "Summarise them in one sentence."}]


def measure_prefill(bench: Bench) -> Measured:
    documents = kb_text(bench, PREFILL_TOKENS - 40)
    lane_run(bench.gateway, LANE_MODEL, prefill_messages("warm-up", documents), 1)
    tfs, lanes = [], []
    for i in range(bench.fast):
        log(f"prefill_speedup_vs_transformers: pair {i + 1}/{bench.fast}")
        messages = prefill_messages(f"{i}-{uuid.uuid4().hex[:8]}", documents)
        ids = bench.hf.encode(messages)
        seconds, _ = bench.hf.generate_s(ids, 1)
        tfs.append({"prompt_tokens": int(ids.shape[-1]), "seconds": seconds, "prefill_tps": ids.shape[-1] / seconds})
        lanes.append(lane_run(bench.gateway, LANE_MODEL, messages, 1))
    details = {
        "method": "lane: prompt_tokens / ttft of gateway.stream(max_tokens=1), first line of the system message "
        "unique per run (no cached prefix); transformers: prompt_tokens / t(generate 1 new token)",
        "runs": {"transformers": tfs, "lane": lanes},
    }
    ratio = paired_ratio([r["prefill_tps"] for r in lanes], [r["prefill_tps"] for r in tfs])
    return {"prefill_speedup_vs_transformers": ratio}, details


def shared_context(bench: Bench) -> Any:
    return bench.services.lane_context(bench.services.workspace(SHARED_WORKSPACE, copy_documents=False))


def answer_summary(answer: Answer) -> dict[str, Any]:
    return {
        "model": answer.model.rsplit("/", 1)[-1],
        "prompt_tokens": answer.usage.prompt_tokens,
        "completion_tokens": answer.usage.completion_tokens,
        "ttft_s": answer.ttft_s,
        "latency_s": answer.latency_s,
        "error": answer.error,
    }


def measure_ttft(bench: Bench) -> Measured:
    scenario = bench.services.scenarios.get(EVAL_SCENARIO)
    job, context = bench.services.lane_job("prompting", None), shared_context(bench)
    items = load_eval_set(scenario.eval_set) if scenario.eval_set else []
    questions = [*scenario.example_questions, *(item.question for item in items)][: bench.fast + 1]
    log("ttft_s: warm-up question (caches the few-shot prefix)")
    *_, warm = run_lane(bench.gateway, questions[0], scenario, job, context)
    runs = []
    for i, question in enumerate(questions[1:]):
        log(f"ttft_s: question {i + 1}/{len(questions) - 1}")
        *_, answer = run_lane(bench.gateway, question, scenario, job, context)
        runs.append(answer_summary(answer))
    details = {
        "method": "run_lane(prompting, few-shot) on product-pricing questions as the Compare tab runs it, after one "
        "warm-up question; TTFT from the lane's start (prompt building and token count included)",
        "warm_up": answer_summary(warm),
        "runs": runs,
    }
    return {"ttft_s": median([r["ttft_s"] for r in runs if r["ttft_s"] is not None])}, details


def copy_bandwidth(src: Any, dst: Any, repeats: int = 5) -> float:
    """Bytes/s of numpy.copyto(dst, src), best of `repeats` (bytes copied = src.nbytes, counted once)."""
    import numpy as np

    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - started)
    return src.nbytes / best


def gguf_weight_bytes(path: Path) -> int:
    """The size of the tensor data in a GGUF file (sum of the tensors' n_bytes)."""
    import gguf

    return sum(int(t.n_bytes) for t in gguf.GGUFReader(str(path)).tensors)


def measure_bandwidth(bench: Bench) -> Measured:
    import numpy as np

    weights = gguf_weight_bytes(embedded_gguf_file())
    src = np.ones(512 * 2**20 // 8)
    dst = src.copy()  # both written now: no page faults in the timed copies
    bandwidths, lanes = [], []
    for i in range(bench.fast):
        log(f"bandwidth_fraction: pair {i + 1}/{bench.fast} (numpy copy, then the lane)")
        bandwidths.append(copy_bandwidth(src, dst))
        lanes.append(lane_run(bench.gateway, LANE_MODEL, LONG_ANSWER, DECODE_TOKENS))
    del src, dst
    fractions = [weights * lane["decode_tps"] / bw for lane, bw in zip(lanes, bandwidths, strict=True)]
    details = {
        "method": "weight_bytes x lane decode tokens/s / memory bandwidth; bandwidth = 512 MiB / seconds of one "
        "single-threaded numpy.copyto, best of 5 (bytes counted once, not read + write)",
        "weight_bytes": weights,
        "weight_bytes_source": "sum of tensor n_bytes from gguf.GGUFReader",
        "gguf_file_bytes": embedded_gguf_file().stat().st_size,
        "bandwidth_gb_s": [bw / 1e9 for bw in bandwidths],
        "runs": {"lane": lanes},
    }
    return {"bandwidth_fraction": median(fractions)}, details


def lane_models(bench: Bench, scenario: Scenario, question: str, jobs: dict[str, LaneJob]) -> list[str]:
    """The model strings these lanes send to (the fine-tuned lane's names its adapter)."""
    context = shared_context(bench)
    models = [job.options.model for job in jobs.values()]
    if "finetuned" in jobs:
        models.append(adapter_model(scenario, jobs["finetuned"].options, context))
    return [m for m in dict.fromkeys(models) if m]


def timed_lanes(bench: Bench, scenario: Scenario, question: str, jobs: list[LaneJob], models: list[str]) -> dict:
    """Wall time of run_lanes (one job: run_lane) from cold slots, with each lane's answer."""
    flush_slots(bench.gateway, models, bench.lane_config().slots)
    context = shared_context(bench)
    started = time.perf_counter()
    if len(jobs) == 1:
        *_, answer = run_lane(bench.gateway, question, scenario, jobs[0], context)
        answers = {answer.lane: answer}
    else:
        *_, answers = run_lanes(bench.gateway, question, scenario, jobs, context)
    wall = time.perf_counter() - started
    return {"wall_s": wall, "lanes": {lane: answer_summary(a) for lane, a in answers.items()}}


def compare_one(bench: Bench, scenario: Scenario, question: str, alone_first: bool) -> dict[str, Any]:
    """Three lanes together, two (prompting, rag) together, and each lane alone, on one question."""
    jobs = {lane: bench.services.lane_job(lane, None) for lane in LANES}
    plan: list[tuple[str, list[LaneJob]]] = [("together3", list(jobs.values()))]
    plan.append(("together2", [jobs["prompting"], jobs["rag"]]))
    alone = [(f"alone_{lane}", [job]) for lane, job in jobs.items()]
    plan = alone + plan if alone_first else plan + alone
    models = lane_models(bench, scenario, question, jobs)
    runs = {name: timed_lanes(bench, scenario, question, group, models) for name, group in plan}
    slowest3 = max(runs[f"alone_{lane}"]["wall_s"] for lane in LANES)
    slowest2 = max(runs[f"alone_{lane}"]["wall_s"] for lane in ("prompting", "rag"))
    return {
        "scenario": scenario.name,
        "question": question[:80],
        "ratio3": runs["together3"]["wall_s"] / slowest3,
        "ratio2": runs["together2"]["wall_s"] / slowest2,
        "runs": runs,
    }


def measure_compare(bench: Bench) -> Measured:
    per_scenario = 1 if bench.quick else 2
    cases = []
    for name in (EVAL_SCENARIO, "company-knowledge"):
        scenario = bench.services.scenarios.get(name)
        cases += [(scenario, q) for q in scenario.example_questions[:per_scenario]]
    results = []
    for i, (scenario, question) in enumerate(cases):
        log(f"compare_overhead_ratio: question {i + 1}/{len(cases)} ({scenario.name})")
        results.append(compare_one(bench, scenario, question, alone_first=i % 2 == 1))
    details = {
        "method": "wall time of run_lanes(prompting, rag, finetuned) / the slowest lane's run_lane alone, same "
        "question, every run from cold llama.cpp slots (each slot's cached prompt replaced first, on every server "
        "the lanes use); order alternates per question; default options (few-shot, k=5, the scenario's adapter, "
        f"max_tokens {bench.settings.max_tokens})",
        "two_lane_ratio": median([r["ratio2"] for r in results]),
        "two_lane_method": "run_lanes(prompting, rag) / the slower of the two alone (both on the base model)",
        "settings": bench.lane_settings(),
        "questions": results,
    }
    return {"compare_overhead_ratio": median([r["ratio3"] for r in results])}, details


def transformers_services(bench: Bench) -> Services:
    """The same services with every local model on the old in-process transformers engine."""
    engines = LocalEngines(bench.settings.models_cache_dir)
    gateway = Gateway(engines, timeout_s=max(600.0, bench.settings.request_timeout_s), served=None)
    return dataclasses.replace(bench.services, gateway=gateway)


def timed_eval(services: Services, scenario: Scenario, items: list[EvalItem], max_tokens: int | None) -> dict:
    """One evaluation (3 lanes, no answer cache, batches of 16) and its wall time."""
    jobs = [services.lane_job(lane, None, shots="few-shot", max_tokens=max_tokens) for lane in LANES]
    workspace = services.workspace(SHARED_WORKSPACE, copy_documents=False)
    started = time.perf_counter()
    run = services.evaluate(workspace, scenario, items, jobs, set_name=scenario.name, use_cache=False, batch_size=16)
    seconds = time.perf_counter() - started
    answers = [row.answer for row in run.rows]
    return {
        "questions": len(items),
        "answers": len(answers),
        "seconds": seconds,
        "questions_per_s": len(items) / seconds,
        "errors": sum(a.error is not None for a in answers),
        "first_error": next((a.error for a in answers if a.error), None),
        "completion_tokens": sum(a.usage.completion_tokens for a in answers),
        "prompt_tokens": sum(a.usage.prompt_tokens for a in answers),
        "per_lane": {job.lane: lane_tokens([r.answer for r in run.rows if r.job is job], job) for job in jobs},
    }


def lane_tokens(answers: list[Answer], job: LaneJob) -> dict[str, int]:
    """One lane's token totals in an evaluation, and how many answers ran to max_tokens."""
    return {
        "prompt_tokens": sum(a.usage.prompt_tokens for a in answers),
        "completion_tokens": sum(a.usage.completion_tokens for a in answers),
        "answers_at_max_tokens": sum(a.usage.completion_tokens >= job.options.max_tokens for a in answers),
    }


def measure_eval(bench: Bench) -> Measured:
    scenario = bench.services.scenarios.get(EVAL_SCENARIO)
    assert scenario.eval_set is not None
    items = sample_items(load_eval_set(scenario.eval_set), bench.eval_questions, seed=0)
    few = items[: bench.eval_same_sample]
    tf_services = transformers_services(bench)
    log("eval: warming both engines up (one question, 1 token, every lane)")
    for services in (bench.services, tf_services):
        timed_eval(services, scenario, items[:1], max_tokens=1)
    log(f"eval: llama.cpp on {len(few)} questions x {len(LANES)} lanes")
    llama_few = timed_eval(bench.services, scenario, few, None)
    log(f"eval: transformers on the same {len(few)} questions")
    tf_few = timed_eval(tf_services, scenario, few, None)
    log(f"eval: llama.cpp on {len(items)} questions x {len(LANES)} lanes")
    llama_all = timed_eval(bench.services, scenario, items, None)
    details = {
        "method": "services.evaluate over prompting, rag, finetuned (few-shot, the scenario's adapter), "
        "use_cache=False, batch size 16, sample_items(seed 0) as `eval --limit N` picks it; "
        "questions/s = questions / wall seconds of the whole run (every lane answers each question)",
        "max_tokens": bench.settings.max_tokens,
        "max_tokens_source": "Settings.max_tokens: eval passes --max-tokens only when given; scenario.yaml sets none",
        "sample_sizes": {"eval_questions_per_s": len(items), "eval_speedup": len(few)},
        "single_run": "each evaluation is run once (each is already an aggregate of questions x lanes answers)",
        "llama_cpp_same_sample": llama_few,
        "transformers_same_sample": tf_few,
        "llama_cpp_full_sample": llama_all,
    }
    figures = {
        "eval_questions_per_s": llama_all["questions_per_s"],
        "eval_speedup": llama_few["questions_per_s"] / tf_few["questions_per_s"],
    }
    return figures, details


def measure_cold_start(bench: Bench) -> Measured:
    command = [sys.executable, "-m", "playground", "ask", "What is the capital of France?"]
    command += ["--lanes", "prompting", "--json", "--max-tokens", "16"]
    env = os.environ | {"HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    runs = []
    for i in range(bench.slow):
        log(f"cold_start_s: process {i + 1}/{bench.slow}")
        started = time.perf_counter()
        done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
        seconds = time.perf_counter() - started
        answer = _first_lane(done.stdout)
        runs.append(
            {
                "seconds": seconds,
                "returncode": done.returncode,
                "answer": str(answer.get("answer", ""))[:60],
                "answer_ttft_s": answer.get("ttft_s"),
                "answer_latency_s": answer.get("latency_s"),
            }
        )
        if done.returncode != 0 or answer.get("error"):
            runs[-1]["error"] = answer.get("error") or done.stderr.strip().splitlines()[-1:]
    ok = [r["seconds"] for r in runs if r["returncode"] == 0 and "error" not in r]
    details = {"command": " ".join(command[1:]), "runs": runs}
    return {"cold_start_s": median(ok)}, details


def _first_lane(stdout: str) -> dict:
    try:
        return json.loads(stdout)["lanes"][0]
    except (ValueError, KeyError, IndexError):
        return {}


def measure_finetuned(bench: Bench) -> Measured:
    adapter = (bench.settings.adapters_dir / "pricing").resolve()
    tuned_model = ModelRef.parse(LANE_MODEL).with_adapter(adapter)
    lane_run(bench.gateway, tuned_model, LONG_ANSWER, 8)  # registers the adapter if it is new
    bases, tuned = [], []
    for i in range(bench.fast):
        log(f"finetuned_ratio: pair {i + 1}/{bench.fast} (base, then the pricing adapter)")
        bases.append(lane_run(bench.gateway, LANE_MODEL, LONG_ANSWER, DECODE_TOKENS))
        tuned.append(lane_run(bench.gateway, tuned_model, LONG_ANSWER, DECODE_TOKENS))
    details = {
        "method": "decode tokens/s (as decode_ratio) of gateway.stream with the pricing adapter / without",
        "adapter": str(adapter),
        "same_token_counts": same_tokens(bases, tuned),
        "runs": {"prompting": bases, "finetuned": tuned},
    }
    ratio = paired_ratio([r["decode_tps"] for r in tuned], [r["decode_tps"] for r in bases])
    return {"finetuned_ratio": ratio}, details


KNOWLEDGE_KEYS = ("ingest_ratio", "retrieval_p50_ms_10k_hybrid", "retrieval_p95_ms_10k_hybrid")


def measure_knowledge(bench: Bench) -> Measured:
    try:
        from knowledge_speed import run as knowledge_run  # bench/knowledge_speed.py, beside this file
    except ImportError as exc:
        return dict.fromkeys(KNOWLEDGE_KEYS), {"missing": f"bench/knowledge_speed.run is not there yet: {exc}"}
    queries = 20 if bench.quick else 100
    log(f"knowledge: bench/knowledge_speed.run(chunks_list=(10000,), queries={queries})")
    with contextlib.redirect_stdout(sys.stderr):  # it prints progress; stdout is for the table
        figures = knowledge_run(chunks_list=(10_000,), queries=queries)
    return {key: figures.get(key) for key in KNOWLEDGE_KEYS}, {"all_figures": figures}


def measure_train(bench: Bench) -> Measured:
    data = bench.settings.sample_data_dir / "product-pricing" / "train.jsonl"
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "bench-adapter"
        command = [sys.executable, "-m", "playground", "train", str(data), "--out", str(out)]
        command += ["--max-steps", "3", "--max-examples", "64", "--json", "--progress"]
        log("train_tokens_per_s_cpu: training 3 steps in a child process")
        env = os.environ | {"HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}
        started = time.perf_counter()
        done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
        seconds = time.perf_counter() - started
        card = json.loads((out / "card.json").read_text()) if (out / "card.json").exists() else {}
    steps = [e for e in _json_lines(done.stderr) if e.get("event") == "step"]
    details = {
        "command": " ".join([*command[1:5], "--out", "<tmp>/bench-adapter", *command[7:]]),
        "process_s": seconds,
        "returncode": done.returncode,
        "card": {k: card.get(k) for k in ("steps", "tokens", "seconds", "tokens_per_s", "device", "backend")},
        "card_seconds_note": "the card's seconds run from before the model loads, so a 3-step run understates "
        "steady training throughput",
        "steady_tokens_per_s_estimate": _steady_rate(card, steps),
        "step_events": steps,
    }
    if done.returncode != 0:
        details["error"] = done.stderr.strip().splitlines()[-3:]
    return {"train_tokens_per_s_cpu": card.get("tokens_per_s")}, details


def _json_lines(text: str) -> list[dict]:
    events = []
    for line in text.splitlines():
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                events.append(json.loads(line))
    return events


def _steady_rate(card: dict, steps: list[dict]) -> float | None:
    """Tokens/s between the first and the last logged step (load time excluded), assuming equal steps."""
    if len(steps) < 2 or not card.get("tokens") or not card.get("steps"):
        return None
    span = steps[-1]["elapsed_s"] - steps[0]["elapsed_s"]
    per_step = card["tokens"] / card["steps"]
    return per_step * (steps[-1]["step"] - steps[0]["step"]) / span if span > 0 else None


# --- the command ---------------------------------------------------------------------------------------


# measurement -> (function, the figures it produces), in the order they run.
def measure_prefill_served(bench: Bench) -> Measured:
    threads = bench.settings.engine_threads or os.cpu_count() or 1
    figures, details = served_file.measure_prefill(bench.settings, threads, bench.fast, log)
    shipped, served = figures["prefill_tok_s_shipped"], figures["prefill_tok_s_served"]
    details["served_over_shipped"] = served / shipped if shipped else None
    return figures, details


def measure_first_answer(bench: Bench) -> Measured:
    with tempfile.TemporaryDirectory(prefix="first-answer-") as folder:
        return served_file.measure_first_answer(bench.settings, Path(folder), log)


def measure_prefix_share(bench: Bench) -> Measured:
    return served_file.measure_prefix_share(bench.settings, log)


def measure_compare_wall(bench: Bench) -> Measured:
    return served_file.measure_compare_wall(bench.settings, bench.slow, log)


MEASUREMENTS: dict[str, tuple[Callable[[Bench], Measured], tuple[str, ...]]] = {
    "prefill_served": (measure_prefill_served, ("prefill_tok_s_shipped", "prefill_tok_s_served")),
    "first_answer": (measure_first_answer, ("first_answer_ttft_s",)),
    "compare_wall": (measure_compare_wall, ("compare_wall_ratio",)),
    "prefix_share": (measure_prefix_share, ("prefix_share",)),
    "decode_ratio": (measure_decode_ratio, ("decode_ratio",)),
    "speedup_vs_transformers": (measure_speedup_vs_transformers, ("speedup_vs_transformers",)),
    "prefill": (measure_prefill, ("prefill_speedup_vs_transformers",)),
    "ttft": (measure_ttft, ("ttft_s",)),
    "bandwidth": (measure_bandwidth, ("bandwidth_fraction",)),
    "finetuned": (measure_finetuned, ("finetuned_ratio",)),
    "compare": (measure_compare, ("compare_overhead_ratio",)),
    "eval": (measure_eval, ("eval_questions_per_s", "eval_speedup")),
    "cold_start": (measure_cold_start, ("cold_start_s",)),
    "knowledge": (measure_knowledge, KNOWLEDGE_KEYS),
    "train": (measure_train, ("train_tokens_per_s_cpu",)),
}
FIGURES = [figure for _, figures in MEASUREMENTS.values() for figure in figures]


def chosen_measurements(only: str | None) -> list[str]:
    """Measurement names for --only, which takes figure names (or measurement names), comma-separated."""
    if not only:
        return list(MEASUREMENTS)
    wanted = {name.strip() for name in only.split(",") if name.strip()}
    unknown = wanted - set(FIGURES) - set(MEASUREMENTS)
    if unknown:
        raise SystemExit(f"unknown figure(s): {', '.join(sorted(unknown))}; known: {', '.join(FIGURES)}")
    return [name for name, (_, figures) in MEASUREMENTS.items() if name in wanted or wanted & set(figures)]


def machine() -> dict[str, Any]:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in lines if "model name" in line), platform.processor())
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory / 1e9, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": versions,
        "llama_cpp_build": _llama_cpp_build(),
        "thread_env": {k: v for k, v in os.environ.items() if k.startswith(("OMP_", "MKL_", "GOMP_"))},
        "load_average_at_start": list(os.getloadavg()),
    }


def _llama_cpp_build() -> str | None:
    """xllamacpp's own report of the CPU features its llama.cpp was built with."""
    try:
        import xllamacpp

        return str(xllamacpp.get_system_info()).strip()
    except Exception:  # noqa: BLE001 - a missing report must not stop the bench
        return None


def run_one(bench: Bench, name: str) -> Measured:
    """One measurement, timed; a failure becomes missing figures and an error in the details."""
    function, produced = MEASUREMENTS[name]
    started, load_before = time.perf_counter(), os.getloadavg()[0]
    try:
        values, detail = function(bench)
    except Exception as exc:  # noqa: BLE001 - one failed measurement must not lose the others
        log(f"{name} FAILED: {type(exc).__name__}: {exc}")
        values, detail = dict.fromkeys(produced), {"error": f"{type(exc).__name__}: {exc}"}
    seconds = time.perf_counter() - started
    detail |= {"seconds": seconds, "load_average_1m": [load_before, os.getloadavg()[0]]}
    log(f"{name} done in {seconds:.0f} s: " + ", ".join(f"{k} = {_format(v)}" for k, v in values.items()))
    return values, detail


def write_results(out: Path, bench: Bench, about: dict, figures: dict, details: dict, started: float) -> None:
    """results.json as it stands (written after every measurement, so an interrupted run keeps its figures)."""
    about = about | {"load_average_now": list(os.getloadavg())}
    run = {"mode": "quick" if bench.quick else "full", "total_seconds": time.perf_counter() - started}
    run |= {"runs_per_figure": {"fast": bench.fast, "slow": bench.slow}, "eval_questions": bench.eval_questions}
    result = {
        "machine": about,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "figures": rounded(figures),
        "goals": {name: f"{op} {target:g}" for name, (op, target) in GOALS.items()},
        "details": rounded(details | {"run": run}),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _format(value: float | dict | None) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{name} {_format(v)}" for name, v in value.items())
    if value is None:
        return "missing"
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def markdown_table(figures: dict[str, float | None]) -> str:
    rows = ["| figure | value | goal | met? |", "|---|---|---|---|"]
    for name, value in figures.items():
        goal = GOALS.get(name)
        goal_text = f"{goal[0].replace('>=', '≥').replace('<=', '≤')} {goal[1]:g}" if goal else "—"
        rows.append(f"| `{name}` | {_format(value)} | {goal_text} | {_met(value, goal)} |")
    return "\n".join(rows)


def _met(value: float | dict | None, goal: tuple[str, float] | None) -> str:
    if goal is None:
        return "—"
    if isinstance(value, dict):  # a goal for every entry (each lane, each scenario)
        verdicts = [_met(v, goal) for v in value.values()] or ["missing"]
        return "yes" if all(v == "yes" for v in verdicts) else ("missing" if "missing" in verdicts else "no")
    if value is None:
        return "missing"
    comparison, target = goal
    met = {">=": value >= target, "<=": value <= target, "<": value < target}[comparison]
    return "yes" if met else "no"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few runs and small samples (to test the bench)")
    parser.add_argument("--only", help=f"comma-separated figures to measure: {', '.join(FIGURES)}")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results.json")
    parser.add_argument("--eval-questions", type=int, help="eval_questions_per_s sample (default 100, quick 8)")
    args = parser.parse_args()
    names = chosen_measurements(args.only)
    bench = Bench(quick=args.quick, eval_questions=args.eval_questions)
    started, about = time.perf_counter(), machine()
    figures: dict[str, float | None] = {}
    details: dict[str, Any] = {}
    for name in names:
        values, details[name] = run_one(bench, name)
        figures |= values
        write_results(args.out, bench, about, figures, details, started)
    log(f"wrote {args.out} ({time.perf_counter() - started:.0f} s in all)")
    print(markdown_table(figures))


if __name__ == "__main__":
    main()
