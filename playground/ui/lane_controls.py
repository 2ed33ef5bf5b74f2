"""Lane settings widgets, built from each lane's `controls` (data), never from its name."""

from __future__ import annotations

from typing import Any

import gradio as gr

from playground.lanes import Control, Lane
from playground.scenarios import Scenario


def build_control(
    lane: Lane, control: Control, scenario: Scenario | None, adapter_names: list[str], id_prefix: str = ""
) -> Any:
    """One Gradio widget for one control, with the lane's default (or the scenario's) as its value."""
    default = getattr(lane.options_type("m"), control.field)
    if control.scenario_default is not None and scenario is not None:
        default = control.scenario_default(scenario)
    elem_id = f"{id_prefix}{lane.name}-{control.field.replace('_', '-')}"
    common = {"label": control.label, "elem_id": elem_id, "info": control.info or None}
    if control.kind == "choice":
        return gr.Radio(list(control.choices), value=default, **common)
    if control.kind in ("int", "float"):
        step = control.step or (1 if control.kind == "int" else 0.1)
        return gr.Slider(control.minimum, control.maximum, value=default, step=step, **common)
    if control.kind == "adapter":
        return gr.Dropdown(adapter_names, value=None, **common)
    if control.kind == "yaml":
        return gr.Code(value=default or "", language="yaml", label=control.label, elem_id=elem_id)
    return gr.Textbox(value=default or "", lines=5, **common)


def build_lane_controls(
    lane: Lane,
    scenario: Scenario | None,
    adapter_names: list[str],
    id_prefix: str = "",
    skip: tuple[str, ...] = (),
) -> dict[str, gr.components.Component]:
    """Widgets keyed by the option field they set (element ids `<prefix><lane>-<field>`)."""
    return {
        c.field: build_control(lane, c, scenario, adapter_names, id_prefix)
        for c in lane.controls
        if c.field not in skip
    }


def scenario_updates(lane: Lane, scenario: Scenario) -> list[object]:
    """New values for a lane's widgets when the scenario changes (same order as build_lane_controls)."""
    updates: list[object] = []
    for control in lane.controls:
        if control.scenario_default is not None:
            updates.append(gr.update(value=control.scenario_default(scenario)))
        elif control.kind == "adapter":
            updates.append(gr.update(value=None))
        else:
            updates.append(gr.update())
    return updates


def coerce_options(lane: Lane, values: dict[str, object]) -> dict[str, object]:
    """Widget values as the lane's options want them (sliders give floats, empty text keeps defaults)."""
    kinds = {c.field: c.kind for c in lane.controls}
    options: dict[str, object] = {}
    for field, value in values.items():
        if kinds.get(field) == "int" and value is not None:
            value = int(value)
        if kinds.get(field) in ("adapter", "yaml") and not value:
            value = None
        options[field] = value
    return options
