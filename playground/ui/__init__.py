"""The Gradio app: build_app() assembles one tab per module. Nothing outside ui/ imports gradio."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from playground.services import Services
from playground.ui.brief_tab import build_brief_tab
from playground.ui.compare_tab import build_compare_tab
from playground.ui.evaluate_tab import build_evaluate_tab
from playground.ui.keys_panel import build_keys_panel
from playground.ui.knowledge_tab import build_knowledge_tab
from playground.ui.session import attach_session_lifecycle
from playground.ui.train_tab import build_train_tab
from playground.ui.workshop_tab import build_workshop_tab

CSS_FILE = Path(__file__).with_name("theme.css")


def build_app(services: Services) -> gr.Blocks:
    """The whole app for these services (nothing global: two apps can share a process)."""
    scenarios = services.scenarios.all()
    first = scenarios[0] if scenarios else None
    # delete_cache: files Gradio keeps for downloads and uploads go after a day.
    with gr.Blocks(title="Strategy Playground", analytics_enabled=False, delete_cache=(3600, 86400)) as app:
        arrived = attach_session_lifecycle(app, services)  # who each page speaks for, before anything else
        gr.Markdown(
            "# Strategy Playground\n"
            "One question, three levers: **prompting**, **RAG** and **fine-tuning**, side by side "
            "with their token costs and latencies."
        )
        with gr.Row():
            scenario_picker = gr.Dropdown(
                [(s.title, s.name) for s in scenarios],
                value=first.name if first else None,
                label="Scenario",
                elem_id="scenario",
                scale=1,
            )
            description = gr.Markdown(
                first.description if first else "No scenario found.", elem_id="scenario-description"
            )
        build_keys_panel(services)
        with gr.Tabs():
            with gr.Tab("Compare", id="compare") as compare_tab:
                build_compare_tab(services, scenario_picker, compare_tab)
            with gr.Tab("Knowledge", id="knowledge") as knowledge_tab:
                build_knowledge_tab(services, scenario_picker, knowledge_tab)
            with gr.Tab("Train", id="train") as train_tab:
                build_train_tab(services, scenario_picker, train_tab)
            with gr.Tab("Evaluate", id="evaluate") as evaluate_tab:
                build_evaluate_tab(services, scenario_picker, evaluate_tab)
            with gr.Tab("Brief", id="brief"):
                build_brief_tab(services, scenario_picker)
            with gr.Tab("Workshop", id="workshop") as workshop_tab:
                build_workshop_tab(services, scenario_picker, workshop_tab, arrived)
        scenario_picker.change(lambda name: services.scenarios.get(name).description, scenario_picker, description)
    return app


def launch_options(services: Services | None = None) -> dict[str, object]:
    """Theme and CSS go to launch() in Gradio 6; with services, Gradio's own upload size limit too.

    Gradio refuses a file over `max_file_size` while it streams in, before any handler runs: our own
    checks (which stat a file before reading it) are the second line, for the same limit.
    """
    # Soft's labels are light grey on a tinted chip (3.6:1 in the light theme): darker text reads at 4.5:1 or more.
    theme = gr.themes.Soft().set(
        block_label_text_color="*neutral_700",
        block_label_text_color_dark="*neutral_200",
        block_info_text_color="*neutral_600",
        block_info_text_color_dark="*neutral_300",
        block_title_text_color="*neutral_700",
        block_title_text_color_dark="*neutral_200",
    )
    options: dict[str, object] = {"theme": theme, "css_paths": [CSS_FILE]}
    if services is not None:
        options["max_file_size"] = services.upload_bytes
    return options
