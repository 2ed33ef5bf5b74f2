"""The baseline lane: how far does an LLM beat a ten-line model? No language model at all.

For a scenario whose answers are numbers and which has a training set: the training mean, the
median of the question's category, and a TF-IDF ridge regression (see `lanes/baselines.py`).
It answers in milliseconds at no token cost. In an evaluation its three methods are three rows;
in Compare it shows all three (ridge first). For a text question it says it does not apply.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from playground.lanes.base import Control, Lane, LaneContext, LaneError, LaneOptions, Recorder
from playground.lanes.baselines import Baselines, fit
from playground.lanes.registry import register
from playground.llm import ChatGateway
from playground.records import Answer
from playground.scenarios import Scenario

ALL = "all"
METHODS = ("ridge regression", "category median", "training mean")


@dataclass(frozen=True)
class BaselineOptions(LaneOptions):
    method: str = ALL


def _money(value: float) -> str:
    return f"${value:,.2f}"


@register
class BaselineLane(Lane):
    """Classical estimates from the training set: the bar every LLM lane has to clear."""

    name = "baseline"
    title = "Baseline (no LLM)"
    order = 70
    summary = (
        "A training-set mean, a per-category median and a TF-IDF ridge regression, for numeric answers. "
        "Shows how much the LLM lanes add over a ten-line model; costs no tokens and answers in milliseconds."
    )
    options_type = BaselineOptions
    controls = (Control("method", "Method", "choice", (ALL, *METHODS), flag="--baseline-method"),)
    uses_model_picker = False

    def variants(self, options: LaneOptions) -> list[tuple[str, LaneOptions]]:
        assert isinstance(options, BaselineOptions)
        if options.method != ALL:
            return [(f"{self.name}: {options.method}", options)]
        return [(f"{self.name}: {method}", replace(options, method=method)) for method in METHODS]

    def run(
        self, question: str, scenario: Scenario, options: LaneOptions, context: LaneContext, gateway: ChatGateway
    ) -> Iterator[Answer]:
        assert isinstance(options, BaselineOptions)
        methods = METHODS if options.method == ALL else (options.method,)
        recorder = Recorder(
            Answer(lane=self.name, model="scikit-learn" if len(methods) > 1 else methods[0]), gateway, options
        )
        yield recorder.snapshot()
        if scenario.train_set is None or not scenario.train_set.exists():
            raise LaneError(f"the baseline does not apply: scenario '{scenario.name}' has no training set")
        baselines = fit(scenario.train_set)
        lines = [f"{method}: {self._estimate(recorder, baselines, method, question, context)}" for method in methods]
        recorder.answer.text = lines[0].split(": ", 1)[1] if len(lines) == 1 else "\n".join(lines)
        finished = recorder.finish()
        finished.ttft_s = finished.latency_s
        yield finished

    @staticmethod
    def _estimate(recorder: Recorder, baselines: Baselines, method: str, question: str, context: LaneContext) -> str:
        if method == "training mean":
            return recorder.tool(method, {"examples": baselines.examples}, lambda: _money(baselines.by_mean()))
        if method == "category median":
            value, which = baselines.by_category(context.category)
            return recorder.tool(method, {"category": context.category, "used": which}, lambda: _money(value))
        return recorder.tool(method, question, lambda: _money(baselines.by_ridge(question)))
