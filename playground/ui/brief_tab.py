"""The Brief tab: the room's volume, hardware and criteria in; charts, a recommendation and the file out.

It runs the same `build_brief` as the `brief` command, so the download is the file the command writes.
"""

from __future__ import annotations

from datetime import UTC, datetime

import gradio as gr

from playground.brief.build import BriefRequest, build_brief
from playground.brief.criteria import CHANGE_RATES, Criteria
from playground.brief.document import VERDICTS_HEADING
from playground.brief.verdicts import load_verdicts, verdicts_markdown
from playground.costs.hardware import DEFAULT_HARDWARE, get_hardware, hardware_names
from playground.errors import PlaygroundError
from playground.lanes import all_lanes, default_lanes
from playground.services import Services
from playground.ui.session import export, holds_workspace, session_services, session_workspace

NOT_STATED = "not a criterion"


def _number(value: float | None) -> float | None:
    """A typed number; empty or 0 means "not stated" (Gradio sends an emptied number field as 0)."""
    return None if value in (None, "") or float(value) == 0 else float(value)


def build_brief_tab(services: Services, scenario_picker: gr.Dropdown) -> None:
    """Lay out the Brief tab and wire its events."""
    gr.Markdown(
        "Everything the room needs to decide, measured now: each lane's answer, quality on a sample of the "
        "evaluation set, cost per answer and one-off costs on the chosen hardware, where one strategy "
        "overtakes another as the volume grows, and how a stuffed prompt grows with the knowledge base."
    )
    with gr.Row():
        questions = gr.Textbox(
            label="Questions (one per line; empty: the scenario's first example)", lines=2, elem_id="brief-questions"
        )
        lanes = gr.Dropdown(
            [(lane.title, lane.name) for lane in all_lanes()],
            value=default_lanes(),
            multiselect=True,
            label="Lanes",
            elem_id="brief-lanes",
        )
    with gr.Row():
        volume = gr.Slider(100, 1_000_000, value=10_000, step=100, label="Questions a month", elem_id="brief-volume")
        volume_typed = gr.Number(None, label="…or type the volume", minimum=0, elem_id="brief-volume-typed")
        hardware = gr.Dropdown(
            hardware_names(), value=DEFAULT_HARDWARE, label="Hardware for local work", elem_id="brief-hardware"
        )
        hourly = gr.Number(None, label="custom $/hour", minimum=0, elem_id="brief-hardware-price")
    with gr.Row():
        eval_limit = gr.Slider(0, 100, value=10, step=1, label="Evaluation questions (0: none)", elem_id="brief-eval")
        max_tokens = gr.Slider(8, 512, value=64, step=8, label="Longest answer (tokens)", elem_id="brief-max-tokens")
        growth = gr.Checkbox(True, label="Measure context growth", elem_id="brief-growth")
    with gr.Accordion("What the room needs (criteria; an empty or 0 field is not a criterion)", open=True):
        with gr.Row():
            min_quality = gr.Number(None, label="Quality needed (primary metric)", elem_id="brief-min-quality")
            changes = gr.Dropdown(
                [NOT_STATED, *CHANGE_RATES], value=NOT_STATED, label="The facts change", elem_id="brief-changes"
            )
            tone = gr.Checkbox(False, label="Tone and house style matter", elem_id="brief-tone")
        with gr.Row():
            examples = gr.Number(None, label="Training examples available", minimum=0, elem_id="brief-examples")
            budget = gr.Number(None, label="Budget per month (USD)", minimum=0, elem_id="brief-budget")
            latency = gr.Number(None, label="Slowest acceptable answer (s)", minimum=0, elem_id="brief-latency")
    with gr.Accordion(VERDICTS_HEADING, open=False):
        gr.Markdown(verdicts_markdown(load_verdicts()), elem_id="brief-verdicts")
    build = gr.Button("Build the brief", variant="primary", elem_id="brief-build")
    recommendation = gr.Markdown("", elem_id="brief-recommendation")
    break_even_plot = gr.Plot(label="break-even", elem_id="brief-plot-break-even")
    growth_plot = gr.Plot(label="context growth", elem_id="brief-plot-context-growth")
    with gr.Row():
        html_download = gr.DownloadButton("Download brief (HTML)", visible=False, elem_id="brief-html")
        md_download = gr.DownloadButton("Download brief (Markdown)", visible=False, elem_id="brief-md")
    document = gr.Markdown("", elem_id="brief-document")
    outputs = [recommendation, break_even_plot, growth_plot, html_download, md_download, document]

    @holds_workspace(services)
    def run(
        request: gr.Request,
        scenario_name: str,
        question_text: str,
        lane_list: list[str] | None,
        volume_value: float,
        volume_text: float | None,
        hardware_name: str,
        hourly_price: float | None,
        eval_questions: float,
        answer_tokens: float,
        with_growth: bool,
        quality: float | None,
        change_rate: str,
        tone_matters: bool,
        examples_value: float | None,
        budget_value: float | None,
        latency_value: float | None,
        progress=gr.Progress(),
    ) -> list[object]:
        try:
            scenario = services.scenarios.get(scenario_name)
            chosen = get_hardware(hardware_name, None if hourly_price in (None, "") else float(hourly_price))
            if not lane_list:
                raise PlaygroundError("choose at least one lane")
            criteria = Criteria(
                min_quality=_number(quality),
                knowledge_changes=None if change_rate == NOT_STATED else change_rate,
                tone_matters=bool(tone_matters),
                examples_available=None if _number(examples_value) is None else int(examples_value or 0),
                budget_per_month_usd=_number(budget_value),
                max_latency_s=_number(latency_value),
            )
            brief_request = BriefRequest(
                questions=tuple(line.strip() for line in (question_text or "").splitlines() if line.strip()),
                lanes=tuple(lane_list),
                volume=_number(volume_text) if _number(volume_text) is not None else float(volume_value),
                criteria=criteria,
                eval_limit=int(eval_questions),
                max_tokens=int(answer_tokens),
                growth=bool(with_growth),
            )
            workspace = session_workspace(services, request)
            progress(0, desc="starting")
            brief = build_brief(
                session_services(services, request),
                workspace,
                scenario,
                brief_request,
                chosen,
                lambda fraction, message: progress(fraction, desc=message),
            )
        except PlaygroundError as exc:
            gr.Warning(exc.message)
            return [gr.skip()] * len(outputs)
        stem = f"brief-{scenario.name}-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}"
        growth_chart = brief.charts.get("context-growth")
        return [
            f"### Recommendation\n{brief.recommendation.text}",
            brief.charts["break-even"],
            gr.update(value=growth_chart, visible=growth_chart is not None),
            gr.update(value=export(workspace.exports_dir, f"{stem}.html", brief.to_html()), visible=True),
            gr.update(value=export(workspace.exports_dir, f"{stem}.md", brief.to_markdown()), visible=True),
            brief.to_markdown(),
        ]

    inputs = [
        scenario_picker,
        questions,
        lanes,
        volume,
        volume_typed,
        hardware,
        hourly,
        eval_limit,
        max_tokens,
        growth,
        min_quality,
        changes,
        tone,
        examples,
        budget,
        latency,
    ]
    build.click(run, inputs, outputs, concurrency_limit=1)
