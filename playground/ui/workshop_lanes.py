"""The workshop's round setup: which lanes answer the next round, and the model (or adapter) of each.

The same choices as the Compare tab and the same checks: a model string goes through the
session's gateway (`Gateway.resolve`), so a public app refuses what its operator did not offer,
with one line, before the round starts; an adapter is looked up in the session's registry (shipped
adapters and the ones this visitor trained). Any value may arrive from a caller, not only the
page's: each is checked here, none is trusted.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from playground.lanes import LaneError, LaneJob, all_lanes, default_lanes, get_lane, lane_names
from playground.llm import Gateway
from playground.scenarios import Scenario
from playground.services import Services
from playground.training.registry import AdapterRegistry

MAX_MODEL_CHARS = 200


@dataclass
class LanePicker:
    """The lane checklist and one model (or adapter) picker per lane, shown for the chosen lanes."""

    lanes: gr.Dropdown
    rows: dict[str, gr.Row]
    pickers: dict[str, gr.Dropdown]  # lane -> its model picker, or its adapter picker for an adapter lane

    @property
    def inputs(self) -> list[gr.components.Component]:
        return [self.lanes, *self.pickers.values()]


def _adapter_lane(name: str) -> bool:
    return any(control.kind == "adapter" for control in get_lane(name).controls)


def build_lane_picker(services: Services) -> LanePicker:
    """The widgets, laid out where they are called (element ids `workshop-lanes`, `workshop-<lane>-model|adapter`)."""
    models = services.model_choices()
    adapters = services.adapters().names()
    lanes = gr.Dropdown(
        [(lane.title, lane.name) for lane in all_lanes()],
        value=default_lanes(),
        multiselect=True,
        label="Lanes in the next round",
        elem_id="workshop-lanes",
    )
    rows: dict[str, gr.Row] = {}
    pickers: dict[str, gr.Dropdown] = {}
    with gr.Row(elem_id="workshop-lane-models"):
        for lane in all_lanes():
            if not lane.uses_model_picker and not _adapter_lane(lane.name):
                continue  # the baseline runs no model
            with gr.Row(visible=lane.name in default_lanes(), min_height=0) as row:
                if lane.uses_model_picker:
                    pickers[lane.name] = gr.Dropdown(
                        models,
                        value=services.settings.default_model,
                        label=f"{lane.title}: model",
                        allow_custom_value=True,
                        elem_id=f"workshop-{lane.name}-model",
                    )
                else:
                    pickers[lane.name] = gr.Dropdown(
                        [("the scenario's adapter", ""), *adapters],
                        value="",
                        label=f"{lane.title}: adapter",
                        elem_id=f"workshop-{lane.name}-adapter",
                    )
            rows[lane.name] = row
    lanes.change(lambda chosen: [gr.update(visible=n in (chosen or [])) for n in rows], lanes, list(rows.values()))
    return LanePicker(lanes, rows, pickers)


def _chosen(value: object) -> list[str]:
    names = value if isinstance(value, list) else []
    known = set(lane_names())
    unknown = [str(n)[:40] for n in names if n not in known]
    if unknown:
        raise LaneError(f"unknown lane {unknown[0]!r}: choose from {', '.join(lane_names())}")
    chosen = list(dict.fromkeys(str(n) for n in names))
    if not chosen:
        raise LaneError("choose at least one lane for the round")
    return chosen


def _text(value: object, what: str) -> str:
    if value is not None and not isinstance(value, str):
        raise LaneError(f"{what}: expected text")
    text = (value or "").strip()
    if len(text) > MAX_MODEL_CHARS:
        raise LaneError(f"{what}: longer than {MAX_MODEL_CHARS} characters")
    return text


def round_jobs(
    services: Services,
    gateway: Gateway,
    adapters: AdapterRegistry,
    scenario: Scenario,
    chosen_lanes: object,
    picked: dict[str, object],
) -> tuple[list[LaneJob], dict[str, str]]:
    """The round's jobs and each lane's name on its model ("rag · local/x", "finetuned · support-tone").

    Raises a PlaygroundError with one line for an unknown lane, a refused model or an unknown adapter.
    """
    chosen = _chosen(chosen_lanes)
    services.limits.check_lane_runs(1, len(chosen))
    jobs, entrants = [], {}
    for name in chosen:
        value = _text(picked.get(name), f"{get_lane(name).title}")
        if name in picked and not get_lane(name).uses_model_picker:
            adapter = value or str(scenario.extra.get("adapter") or "")
            if value:
                adapters.get(value)  # one line for an unknown or invalid name
            # No adapter at all: the lane runs and its answer says so, as in Compare.
            jobs.append(services.lane_job(name, None, adapter=value or None))
            entrants[name] = f"{name} · {adapter}" if adapter else name
        elif name in picked:
            model = str(gateway.resolve(value or services.settings.default_model))  # the public policy's check
            jobs.append(services.lane_job(name, value or None))
            entrants[name] = f"{name} · {model}"
        else:
            jobs.append(services.lane_job(name))
            entrants[name] = name
    return jobs, entrants
