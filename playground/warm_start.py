"""Warm start: pay the first answer's one-off costs when the app starts, in the background.

A fresh app used to make its first visitor wait for everything at once: the embedder (~15 s with
sentence-transformers; under 0.5 s on ONNX Runtime now), the scenario's index, the llama.cpp
servers (and the conversion of the served GGUF), and the prefill of every lane's prompt.
`WarmStart` does them in this order on a daemon thread while the page comes
up, the default scenario first:

1. on one thread, the models: litellm's import, the llama.cpp servers of the default model and of
   every scenario's adapter (converting the served GGUF copy once if it is missing), then each
   scenario's prompts (3. below), which need no embedder;
2. on the other, the embedder, then each scenario's shared index, opened and searched once;
3. each scenario's prompts: the prompting and fine-tuned lanes answer one example question with a
   single token, which leaves the lane's shared prefix (system prompt, few-shot examples) in a
   llama.cpp slot, where a visitor's question with the same prefix picks it up (llama.cpp gives a
   request the idle slot whose cached prompt is most similar). The default scenario goes first.

Nothing here fails the app: a step that fails is logged and skipped; the lane that needs it later
reports the problem to its visitor.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from playground.lanes import get_lane
from playground.lanes.running import run_lane
from playground.model_ref import ModelRef
from playground.scenarios import Scenario
from playground.services import SHARED_WORKSPACE, Services

log = logging.getLogger(__name__)

DEFAULT_LANES = ("prompting", "rag", "finetuned")


@dataclass
class WarmStart:
    """The background warm-up of one app: which steps are done, and how long each took."""

    services: Services
    lanes: tuple[str, ...] = DEFAULT_LANES
    # Lanes whose prompt is mostly the same for every question of a scenario (measured with
    # `bench/run.py --only prefix_share`: prompting 82-93%, fine-tuned 36-88%). RAG's is mostly the
    # passages (9-24% shared), so its warm-up is the embedder and the index, not a prefill that would
    # compete with the first visitor for the cores.
    prefix_lanes: tuple[str, ...] = ("prompting", "finetuned")
    seconds: dict[str, float] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    done: threading.Event = field(default_factory=threading.Event)

    def start(self) -> WarmStart:
        """Run the warm-up on a daemon thread; returns at once."""
        threading.Thread(target=self.run, daemon=True, name="warm-start").start()
        return self

    def run(self) -> None:
        started = time.perf_counter()
        try:
            scenarios = self.services.scenarios.all()
            models = threading.Thread(target=self._models_then_prefixes, args=(scenarios,), name="warm-start-models")
            models.start()
            self._step("embedder", lambda: self.services.embedder.embed(["warm start"]))
            for scenario in scenarios:
                self._step(f"index:{scenario.name}", lambda s=scenario: self._open_index(s))
            models.join()
        finally:
            self.seconds["total"] = time.perf_counter() - started
            self.done.set()
            log.info("warm start done in %.1f s: %s", self.seconds["total"], self._summary())

    def _models_then_prefixes(self, scenarios: list[Scenario]) -> None:
        """The servers, then each scenario's prefixes: they need no embedder, so they are ready first."""
        self._step("models", lambda: self._load_models(scenarios))
        for scenario in scenarios:
            self._step(f"prefixes:{scenario.name}", lambda s=scenario: self._prefill(s))

    def _step(self, name: str, work: Callable[[], object]) -> None:
        started = time.perf_counter()
        try:
            work()
        except Exception as exc:  # noqa: BLE001 - a warm-up step must never take the app down
            self.failures[name] = f"{type(exc).__name__}: {exc}"
            log.warning("warm start: %s failed: %s", name, self.failures[name])
        self.seconds[name] = time.perf_counter() - started

    def _context(self):  # the command line's view: shipped documents and adapters, no session
        return self.services.lane_context(self.services.workspace(SHARED_WORKSPACE, copy_documents=False))

    def _jobs(self, lanes: tuple[str, ...]) -> list:
        return [self.services.lane_job(lane, max_tokens=1) for lane in lanes]

    def _load_models(self, scenarios: list[Scenario]) -> None:
        """The default model's server and every scenario's adapter server, started now."""
        context = self._context()
        default = self.services.settings.default_model
        models: dict[ModelRef, str | ModelRef] = {ModelRef.parse(default): default}
        for scenario in scenarios:
            for job in self._jobs(self.lanes):
                try:
                    model = get_lane(job.lane).model_for(scenario, job.options, context)
                except Exception:  # noqa: BLE001 - a scenario without an adapter: its lane says so when asked
                    continue
                models.setdefault(ModelRef.parse(model), model)  # a ModelRef keeps its adapter's folder; str() drops it
        self.services.gateway.warm_up(tuple(models.values()))

    def _open_index(self, scenario: Scenario) -> None:
        if scenario.knowledge_base is None:
            return
        knowledge = self.services.knowledge(self.services.workspace(SHARED_WORKSPACE, copy_documents=False), scenario)
        knowledge.ensure_synced()
        knowledge.search(scenario.example_questions[0] if scenario.example_questions else scenario.title, k=1)

    def _prefill(self, scenario: Scenario) -> None:
        """Each prefix lane's prompt for an example question, answered with one token: its prefix stays cached."""
        if not scenario.example_questions:
            return
        context, question = self._context(), scenario.example_questions[0]
        for job in self._jobs(tuple(lane for lane in self.lanes if lane in self.prefix_lanes)):
            *_, answer = run_lane(self.services.gateway, question, scenario, job, context)
            if answer.error:
                raise RuntimeError(f"{job.lane}: {answer.error}")

    def _summary(self) -> str:
        parts = [f"{name} {seconds:.1f} s" for name, seconds in self.seconds.items() if name != "total"]
        return ", ".join(parts) + (f"; failed: {', '.join(self.failures)}" if self.failures else "")
