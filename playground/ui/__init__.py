"""The Gradio app: build_app() assembles one tab per module. Nothing outside ui/ imports gradio."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from playground.services import Services
from playground.ui.compare_tab import build_compare_tab

CSS_FILE = Path(__file__).with_name("theme.css")


def build_app(services: Services) -> gr.Blocks:
    """The whole app for these services (nothing global: two apps can share a process)."""
    with gr.Blocks(title="Strategy Playground", analytics_enabled=False) as app:
        gr.Markdown(
            "# Strategy Playground\n"
            "One question, three levers: **prompting**, **RAG** and **fine-tuning**, side by side "
            "with their token costs and latencies."
        )
        with gr.Tabs(), gr.Tab("Compare", id="compare"):
            build_compare_tab(services)
    return app


def launch_options() -> dict[str, object]:
    """Theme and CSS go to launch() in Gradio 6."""
    return {"theme": gr.themes.Soft(), "css_paths": [CSS_FILE]}
