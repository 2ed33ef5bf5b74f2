"""Benchmarks of the served GGUF copy (issue 18): prefill speed, the first answer of a fresh app, Compare's wall time.

- `prefill`: prompt tokens/s of the shipped Q4_1 file and of the file actually served (the copy in
  PLAYGROUND_LOCAL_QUANT's type), each on its own llama.cpp server with the lane's threads and one slot,
  an ~800-token prompt with `cache_prompt: false` and a unique first line, max_tokens 1; the speed is
  llama.cpp's own `timings.prompt_per_second`. Runs alternate (shipped, served, shipped, ...).
- `first_answer`: `python app.py` started fresh (its own empty cache for workspaces, the shared model
  cache); as soon as the page answers, one visitor asks the default scenario's first example question
  through `/ask` with the page's defaults; each lane's TTFT is the app's own (the summary table's
  "TTFT (s)", from the lane's start: retrieval and any loading it waits for included).
- `compare_wall`: per scenario, the first example question through prompting, rag and finetuned
  (`run_lanes`, default options, the scenario's adapter), warm (one untimed run first), on two Services
  of one process that differ only in the file served: `keep` (shipped Q4_1) and the chosen type.
  Runs alternate; the ratio is the median of the per-pair ratios.
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playground import app_process
from playground.config import Settings
from playground.lanes import get_lane, run_lane, run_lanes
from playground.llamacpp.http import post_json
from playground.llamacpp.quantize import KEEP, served_gguf
from playground.llamacpp.server import LlamaServer, ServerConfig
from playground.local_models import embedded_gguf_file
from playground.services import SHARED_WORKSPACE, Services

LANES = ("prompting", "rag", "finetuned")
PREFILL_WORDS = 560  # ~800 tokens of knowledge-base text
Log = Callable[[str], None]


def _documents(settings: Settings, words: int) -> str:
    kb = settings.sample_data_dir / "company-knowledge" / "kb"
    text = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(kb.iterdir()) if p.suffix == ".md")
    return " ".join(text.split(" ")[:words])


def _prefill_once(address: str, documents: str) -> dict[str, float]:
    system = f"Benchmark run {uuid.uuid4().hex}. Answer from these documents only.\n\n{documents}"
    body = {
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": "Summarise them."}],
        "max_tokens": 1,
        "temperature": 0.0,
        "cache_prompt": False,
    }
    timings = post_json(f"{address}/v1/chat/completions", body, timeout_s=300)["timings"]
    return {"prompt_n": timings["prompt_n"], "prompt_tok_s": timings["prompt_per_second"]}


def measure_prefill(settings: Settings, threads: int, runs: int, log: Log) -> tuple[dict, dict]:
    shipped = embedded_gguf_file()
    files = {"shipped": shipped, "served": served_gguf(shipped, settings.local_quant, settings.served_gguf_dir)}
    servers = {
        name: LlamaServer(ServerConfig(model=path, slots=1, context_per_slot=4096, threads=threads))
        for name, path in files.items()
    }
    documents = _documents(settings, PREFILL_WORDS)
    results: dict[str, list[dict[str, float]]] = {name: [] for name in files}
    try:
        for server in servers.values():
            _prefill_once(server.address, documents)  # warm-up, not counted
        for i in range(runs):
            log(f"prefill: pair {i + 1}/{runs}")
            for name in ("shipped", "served") if i % 2 == 0 else ("served", "shipped"):
                results[name].append(_prefill_once(servers[name].address, documents))
    finally:
        for server in servers.values():
            server.close()
    figures = {
        f"prefill_tok_s_{name}": statistics.median(r["prompt_tok_s"] for r in runs_) for name, runs_ in results.items()
    }
    details = {
        "files": {name: path.name for name, path in files.items()},
        "quant": settings.local_quant,
        "threads": threads,
        "runs": results,
    }
    return figures, details


def measure_first_answer(settings: Settings, log_dir: Path, log: Log) -> tuple[dict, dict]:
    """A fresh app's first answer, as its first visitor sees it."""
    from gradio_client import Client

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    from load_test import ask_arguments, example_questions

    scenario = "company-knowledge"
    question = example_questions(scenario)[0]
    started = time.perf_counter()
    with app_process.running_app(log_dir / "app.log", {}, timeout_s=300) as url:
        page_s = time.perf_counter() - started
        log(f"first_answer: page up after {page_s:.1f} s; asking")
        client = Client(url, verbose=False, download_files=False, analytics_enabled=False)
        parameters = client.view_api(return_format="dict", print_info=False)["named_endpoints"]["/ask"]["parameters"]
        asked = time.perf_counter()
        job = client.submit(*ask_arguments(parameters, scenario, question), api_name="/ask")
        job.result()
        wall = time.perf_counter() - asked
        rows = _summary_rows(job.outputs())
        client.close()
    ttft = {row["lane"]: row["TTFT (s)"] for row in rows}
    details = {"question": question, "page_s": page_s, "wall_s": wall, "rows": rows}
    return {"first_answer_ttft_s": ttft}, details


def _summary_rows(outputs: list[Any]) -> list[dict[str, Any]]:
    for output in reversed(outputs):
        for value in output if isinstance(output, list | tuple) else [output]:
            table = value.get("value", value) if isinstance(value, dict) else None
            if isinstance(table, dict) and "TTFT (s)" in (table.get("headers") or []):
                return [dict(zip(table["headers"], row, strict=False)) for row in table.get("data") or []]
    return []


def measure_compare_wall(settings: Settings, runs: int, log: Log) -> tuple[dict, dict]:
    both = {
        quant: Services.from_settings(dataclasses.replace(settings, local_quant=quant))
        for quant in (KEEP, settings.local_quant)
    }
    ratios, details = {}, {}
    for scenario_name in ("company-knowledge", "product-pricing", "support-tone"):
        walls: dict[str, list[float]] = {quant: [] for quant in both}
        answers: dict[str, list[dict]] = {quant: [] for quant in both}
        for i in range(runs + 1):  # the first round starts every server and is not counted
            for quant in list(both) if i % 2 == 0 else list(reversed(both)):
                wall, summary = fresh_question(both[quant], scenario_name)
                if i:
                    walls[quant].append(wall)
                    answers[quant].append(summary)
            log(f"compare_wall: {scenario_name} round {i}/{runs}")
        pairs = [s / b for s, b in zip(walls[settings.local_quant], walls[KEEP], strict=True)]
        ratios[scenario_name] = statistics.median(pairs)
        details[scenario_name] = {"walls": walls, "pair_ratios": pairs, "answers": answers}
    details["method"] = (
        "per scenario: every slot of every server the lanes use is flushed, each lane's shared prefix is "
        "primed with the scenario's second example question (as the warm start does), then the first example "
        "question runs through prompting, rag and finetuned (run_lanes, default options); the same on a "
        "Services serving the shipped Q4_1 (keep), alternating; ratio = median of per-pair ratios"
    )
    return {"compare_wall_ratio": ratios}, details


def fresh_question(services: Services, scenario_name: str) -> tuple[float, dict]:
    """A new question in a warm app: slots flushed, shared prefixes primed, then the question timed."""
    scenario = services.scenarios.get(scenario_name)
    context = services.lane_context(services.workspace(SHARED_WORKSPACE, copy_documents=False))
    jobs = [services.lane_job(lane) for lane in LANES]
    models = [get_lane(job.lane).model_for(scenario, job.options, context) for job in jobs]
    flush_slots(services.gateway, models, services.settings.engine_slots)
    for job in jobs:  # prime: the lane's prompt for another question, one token
        primer = dataclasses.replace(job, options=dataclasses.replace(job.options, max_tokens=1))
        *_, _ = run_lane(services.gateway, scenario.example_questions[1], scenario, primer, context)
    started = time.perf_counter()
    *_, answers = run_lanes(services.gateway, scenario.example_questions[0], scenario, jobs, context)
    wall = time.perf_counter() - started
    summary = {
        lane: {
            "prompt_tokens": a.usage.prompt_tokens,
            "completion_tokens": a.usage.completion_tokens,
            "ttft_s": a.ttft_s,
            "error": a.error,
        }
        for lane, a in answers.items()
    }
    return wall, {"wall_s": wall, "lanes": summary}


def flush_slots(gateway: Any, models: list[str], slots: int) -> None:
    """Replace every slot's cached prompt on the servers of these models (unique prompts, all at once)."""
    tag, filler = uuid.uuid4().hex, " ".join(["flush"] * 60)

    def one(model: str, i: int) -> None:
        gateway.complete(
            model, [{"role": "system", "content": f"{tag}{i}"}, {"role": "user", "content": filler}], max_tokens=2
        )

    unique = list({repr(model): model for model in models}.values())  # a ModelRef's str() drops its folder
    threads = [threading.Thread(target=one, args=(m, i)) for m in unique for i in range(slots)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


class _Recording:
    """The real gateway, recording each model call's messages (for the prefix measurement)."""

    def __init__(self, gateway: Any) -> None:
        self._gateway, self.sent = gateway, []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._gateway, name)

    def stream(self, model: Any, messages: list[dict[str, str]], *args: Any, **kwargs: Any) -> Any:
        self.sent.append(messages)
        return self._gateway.stream(model, messages, *args, **kwargs)

    def complete(self, model: Any, messages: list[dict[str, str]], *args: Any, **kwargs: Any) -> Any:
        self.sent.append(messages)
        return self._gateway.complete(model, messages, *args, **kwargs)


def measure_prefix_share(settings: Settings, log: Log) -> tuple[dict, dict]:
    """Per scenario and lane: prompt tokens, and how many of them two different questions share from the start."""
    from playground.llamacpp.served import EMBEDDED_ALIAS

    services = Services.from_settings(settings)
    context = services.lane_context(services.workspace(SHARED_WORKSPACE, copy_documents=False))
    address = services.gateway.served.get(EMBEDDED_ALIAS).server.address
    shares, details = {}, {}
    for scenario in services.scenarios.all():
        for lane in LANES:
            prompts = []
            for question in scenario.example_questions[:2]:
                recording = _Recording(services.gateway)
                job = services.lane_job(lane, max_tokens=1)
                *_, _ = run_lane(recording, question, scenario, job, context)
                prompts.append(_tokens(address, recording.sent[-1]) if recording.sent else [])
            common = 0
            while common < min(map(len, prompts)) and prompts[0][common] == prompts[1][common]:
                common += 1
            key = f"{scenario.name}/{lane}"
            shares[key] = common / len(prompts[1]) if prompts[1] else None
            details[key] = {"prompt_tokens": [len(p) for p in prompts], "shared_prefix_tokens": common}
            log(f"prefix_share: {key}: {common} of {len(prompts[1])} tokens shared")
    return {"prefix_share": shares}, details


def _tokens(address: str, messages: list[dict[str, str]]) -> list[int]:
    prompt = post_json(f"{address}/apply-template", {"messages": messages})["prompt"]
    return post_json(f"{address}/tokenize", {"content": prompt, "add_special": False, "parse_special": True})["tokens"]
