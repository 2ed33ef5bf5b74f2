"""Per-lane settings widgets: each lane declares the options a user may change in Compare."""

from __future__ import annotations

import gradio as gr

from playground.knowledge.store import SEARCH_MODES
from playground.scenarios import Scenario
from playground.strategies.prompting import CONTEXT_MODES, SHOT_MODES


def build_lane_controls(
    lane: str, scenario: Scenario | None, adapter_names: list[str]
) -> dict[str, gr.components.Component]:
    """Widgets keyed by the LaneOptions field they set; rendered inside the lane's column."""
    if lane == "prompting":
        return {
            "shots": gr.Radio(
                list(SHOT_MODES), value="few-shot", label="Examples in the prompt", elem_id=f"{lane}-shots"
            ),
            "context": gr.Radio(
                list(CONTEXT_MODES),
                value="none",
                label="Knowledge in the prompt",
                info="'whole knowledge base' stuffs every document into the prompt",
                elem_id=f"{lane}-context",
            ),
            "system_prompt": gr.Textbox(
                value=scenario.system_prompt if scenario else "",
                lines=5,
                label="System prompt (editable)",
                elem_id=f"{lane}-system-prompt",
            ),
        }
    if lane == "rag":
        return {
            "k": gr.Slider(1, 10, value=5, step=1, label="Passages retrieved (k)", elem_id=f"{lane}-k"),
            "search_mode": gr.Radio(list(SEARCH_MODES), value="hybrid", label="Search", elem_id=f"{lane}-search-mode"),
        }
    if lane == "finetuned":
        return {
            "adapter": gr.Dropdown(
                adapter_names,
                value=None,
                label="Adapter (base model from its card)",
                info="empty: the scenario's adapter",
                elem_id=f"{lane}-adapter",
            )
        }
    return {}


def scenario_updates(lane: str, scenario: Scenario) -> list[object]:
    """New values for a lane's widgets when the scenario changes (same order as build_lane_controls)."""
    if lane == "prompting":
        return [gr.update(), gr.update(), gr.update(value=scenario.system_prompt)]
    if lane == "rag":
        return [gr.update(), gr.update()]
    if lane == "finetuned":
        return [gr.update(value=None)]
    return []


def coerce_options(options: dict[str, object]) -> dict[str, object]:
    """Widget values as LaneOptions wants them (sliders give floats)."""
    if "k" in options and options["k"] is not None:
        options["k"] = int(options["k"])
    return options
