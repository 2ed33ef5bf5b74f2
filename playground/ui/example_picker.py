"""The "Example questions" dropdown beside a question box: picking one fills the box in."""

from __future__ import annotations

import gradio as gr

from playground.scenarios import Scenario


def example_picker(scenario: Scenario | None, question: gr.Textbox, elem_id: str) -> gr.Dropdown:
    """The dropdown with this scenario's example questions, wired to fill `question` in (call inside a Row)."""
    picker = gr.Dropdown(
        list(scenario.example_questions) if scenario else [],
        value=None,
        label="Example questions",
        scale=2,
        elem_id=elem_id,
    )
    picker.change(lambda q: q or gr.update(), picker, question)
    return picker


def example_choices(scenario: Scenario) -> dict:
    """The update that shows another scenario's example questions, none picked."""
    return gr.update(choices=list(scenario.example_questions), value=None)
