"""Per-lane settings widgets: each lane declares the options a user may change in Compare."""

from __future__ import annotations

import gradio as gr

from playground.scenarios import Scenario
from playground.strategies.prompting import SHOT_MODES


def build_lane_controls(lane: str, scenario: Scenario | None) -> dict[str, gr.components.Component]:
    """Widgets keyed by the LaneOptions field they set; rendered inside the lane's column."""
    if lane == "prompting":
        return {
            "shots": gr.Radio(
                list(SHOT_MODES), value="few-shot", label="Examples in the prompt", elem_id=f"{lane}-shots"
            ),
            "system_prompt": gr.Textbox(
                value=scenario.system_prompt if scenario else "",
                lines=5,
                label="System prompt (editable)",
                elem_id=f"{lane}-system-prompt",
            ),
        }
    return {}


def scenario_updates(lane: str, scenario: Scenario) -> list[object]:
    """New values for a lane's widgets when the scenario changes (same order as build_lane_controls)."""
    if lane == "prompting":
        return [gr.update(), gr.update(value=scenario.system_prompt)]
    return []
