"""The Compare tab: one question, one column per lane, answers streaming side by side."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import gradio as gr

from playground.costs.hardware import DEFAULT_HARDWARE, get_hardware, hardware_names
from playground.costs.pricing import priced
from playground.errors import PlaygroundError
from playground.evaluation.reference import Reference, find_reference
from playground.lanes import Lane, LaneError, all_lanes, default_lanes, run_lanes
from playground.lanes.repeats import MAX_REPEATS, repeat_stats
from playground.records import Answer
from playground.scenarios import Scenario
from playground.services import Services
from playground.ui.curation_panel import CurationPanel, build_curation_panel, wire_curation
from playground.ui.example_picker import example_choices, example_picker
from playground.ui.formatting import (
    answer_html,
    cost_html,
    metrics_html,
    passages_html,
    repeats_frame,
    steps_html,
    summary_table,
)
from playground.ui.lane_controls import build_lane_controls, coerce_options, scenario_updates
from playground.ui.reference_view import reference_html, score_html
from playground.ui.session import holds_workspace, session_id, session_services, session_workspace


@dataclass
class LaneColumn:
    """The widgets of one lane's column."""

    lane: Lane
    column: gr.Column
    model: gr.Dropdown
    controls: dict[str, gr.components.Component]
    answer: gr.HTML
    metrics: gr.HTML
    passages: gr.HTML
    steps: gr.HTML
    cost: gr.HTML
    messages: gr.JSON
    score: gr.HTML  # right / partly / wrong against the reference, when the question is an evaluation item
    curation: CurationPanel  # mark, edit and save the answer as a training example

    @property
    def inputs(self) -> list[gr.components.Component]:
        return [self.model, *self.controls.values()]

    @property
    def outputs(self) -> list[gr.components.Component]:
        return [self.answer, self.metrics, self.passages, self.steps, self.cost, self.messages, self.score]


def _lane_column(lane: Lane, services: Services, models: list[str], scenario: Scenario | None) -> LaneColumn:
    name = lane.name
    visible = name in default_lanes()
    with gr.Column(min_width=300, elem_classes="lane-column", elem_id=f"lane-{name}", visible=visible) as column:
        gr.Markdown(f"### {lane.title}")
        model = gr.Dropdown(
            models,
            value=services.settings.default_model,
            label="Model",
            allow_custom_value=True,
            elem_id=f"{name}-model",
            visible=lane.uses_model_picker,  # an adapter lane runs on the base its adapter was trained on
        )
        with gr.Accordion("Lane settings", open=not lane.uses_model_picker):
            controls = build_lane_controls(lane, scenario, services.adapters().names())
        answer = gr.HTML(answer_html(""), elem_id=f"{name}-answer", elem_classes="lane-answer")
        score = gr.HTML("", elem_id=f"{name}-score")
        curation = build_curation_panel(name)
        metrics = gr.HTML(metrics_html(None), elem_id=f"{name}-metrics")
        passages = gr.HTML("", elem_id=f"{name}-passages")
        steps = gr.HTML("", elem_id=f"{name}-steps")  # each step is its own fold
        cost = gr.HTML("", elem_id=f"{name}-cost")  # stage by stage, with the hardware that priced it
        with gr.Accordion("Messages sent", open=False):
            messages = gr.JSON(value=[], elem_id=f"{name}-messages")
    return LaneColumn(lane, column, model, controls, answer, metrics, passages, steps, cost, messages, score, curation)


def _order_style(chosen: list[str]) -> str:
    """CSS that lays the shown lanes' columns out in the order they were chosen."""
    rules = "".join(f"#lane-{name} {{ order: {position}; }}" for position, name in enumerate(chosen))
    return f"<style>{rules}</style>"


def _render(
    columns: list[LaneColumn], chosen: list[str], answers: dict[str, Answer], reference: Reference | bool | None = False
) -> list[object]:
    """Every column's outputs and the summary; `reference` False keeps the scores shown (a repricing)."""
    values: list[object] = []
    for column in columns:
        answer = answers.get(column.lane.name)
        if answer is None:
            values += [gr.skip()] * len(column.outputs)
            continue
        values += [
            answer_html(answer.text, streaming=not answer.done),
            metrics_html(answer),
            passages_html(answer),
            steps_html(answer),
            cost_html(answer),
            answer.messages,
            gr.skip() if reference is False else score_html(reference, answer),
        ]
    values.append(summary_table([answers[name] for name in chosen if name in answers]))
    return values


def _spend_line(services: Services, request: gr.Request | None) -> str:
    """This visitor's and all visitors' spending on the operator's keys today, against the budget."""
    if not services.budget.active:
        return ""
    return services.budget.spend(session_id(services, request) if request is not None else "").line()


def build_compare_tab(services: Services, scenario_picker: gr.Dropdown, tab: gr.Tab) -> None:
    """Lay out the Compare tab and wire its events."""
    scenarios = services.scenarios.all()
    first = scenarios[0] if scenarios else None
    models = services.model_choices()
    with gr.Row():
        # One row that grows: Enter asks, Shift+Enter starts a new line (Gradio submits on Enter at lines=1).
        question = gr.Textbox(
            label="Question",
            placeholder="Ask something… (Enter asks, Shift+Enter adds a line)",
            lines=1,
            max_lines=8,
            scale=4,
            elem_id="compare-question",
        )
        examples = example_picker(first, question, "compare-examples")
    lanes = all_lanes()
    with gr.Row():
        shown = gr.Dropdown(
            [(lane.title, lane.name) for lane in lanes],
            value=default_lanes(),
            multiselect=True,
            label="Lanes to compare (the summary follows this order)",
            scale=4,
            elem_id="compare-lanes",
        )
        hardware = gr.Dropdown(
            hardware_names(),
            value=DEFAULT_HARDWARE,
            label="Price local work on",
            info="a local lane costs its measured time at this hardware's hourly price",
            scale=2,
            elem_id="compare-hardware",
        )
        custom_price = gr.Number(
            None, label="custom $/hour", minimum=0, scale=1, elem_id="compare-hardware-price", visible=False
        )
        repeat = gr.Number(
            1,
            label="Repeat",
            info="ask every lane N times: latency median, p95 and spread",
            minimum=1,
            maximum=MAX_REPEATS,
            precision=0,
            scale=1,
            elem_id="compare-repeat",
        )
        ask = gr.Button("Ask every lane", variant="primary", scale=1, elem_id="compare-ask")
    order_style = gr.HTML(_order_style(default_lanes()), elem_id="compare-lane-order")
    reference_box = gr.HTML("", elem_id="compare-reference")  # the reference answer, for an evaluation item
    with gr.Row(equal_height=False):
        columns = [_lane_column(lane, services, models, first) for lane in lanes]
    summary = gr.Dataframe(summary_table([]), label="Side by side", interactive=False, elem_id="compare-summary")
    repeats_table = gr.Dataframe(
        repeats_frame({}), label="Repeats", interactive=False, visible=False, elem_id="compare-repeats"
    )

    spend = gr.Markdown(
        _spend_line(services, None), visible=services.budget.active, elem_id="compare-spend"
    )  # what this visitor has spent of the operator's keys, where a budget caps it

    last_answers = gr.State({})  # the finished answers, repriced when the hardware changes
    lane_inputs = [component for column in columns for component in column.inputs]
    outputs = [component for column in columns for component in column.outputs] + [summary, last_answers]
    run_outputs = [*outputs, repeats_table, reference_box, spend]

    @holds_workspace(services)
    def run(
        request: gr.Request,
        scenario_name: str,
        question_text: str,
        chosen: list[str] | None,
        hardware_name: str,
        hourly: float | None,
        times: float | None,
        *values: object,
    ) -> Iterator[list[object]]:
        chosen = [name for name in chosen or [] if any(c.lane.name == name for c in columns)]
        try:
            text = services.limits.question(question_text)
            priced_on = get_hardware(hardware_name, hourly)
            runs = int(times or 1)
            if not 1 <= runs <= MAX_REPEATS:
                raise LaneError(f"Repeat: {runs} is outside 1 to {MAX_REPEATS}")
            scenario = services.scenarios.get(scenario_name)
            if not chosen:
                raise LaneError("choose at least one lane to compare")
            services.limits.check_lane_runs(runs, len(chosen))
            jobs, position = {}, 0
            for column in columns:
                model, *settings = values[position : position + len(column.inputs)]
                position += len(column.inputs)
                if column.lane.name in chosen:
                    options = coerce_options(column.lane, dict(zip(column.controls, settings, strict=True)))
                    model_name = str(model or services.settings.default_model)
                    jobs[column.lane.name] = services.lane_job(column.lane.name, model_name, **options)
        except PlaygroundError as exc:
            gr.Warning(exc.message)  # one clear message; the lanes keep what they showed
            yield [gr.skip()] * len(run_outputs)
            return
        reference = find_reference(scenario, text)  # None: not an item of the scenario's evaluation set
        context = services.lane_context(session_workspace(services, request), priced_on)
        gateway = session_services(services, request).gateway  # remote models with the session's own keys
        ordered = [jobs[name] for name in chosen]
        finished: list[dict[str, Answer]] = []
        for _ in range(runs):
            for answers in run_lanes(
                gateway,
                text,
                scenario,
                ordered,
                context,
                min_interval_s=0.1,
                timeout_s=services.settings.lane_timeout_s,
            ):
                yield [
                    *_render(columns, chosen, answers, reference),
                    answers,
                    gr.skip(),
                    reference_html(reference),
                    gr.skip(),
                ]
            finished.append(answers)
            stats = {job.key: repeat_stats(job.key, [run[job.key] for run in finished]) for job in ordered}
            yield [
                *[gr.skip()] * len(outputs),
                gr.update(value=repeats_frame(stats), visible=runs > 1),
                gr.skip(),
                _spend_line(services, request),
            ]

    def reprice(hardware_name: str, hourly: float | None, chosen: list[str] | None, answers: dict) -> list[object]:
        """The shown answers' costs on another hardware, without asking again."""
        outputs_skipped = [gr.skip()] * len(outputs)
        try:
            priced_on = get_hardware(hardware_name, hourly)
        except PlaygroundError as exc:
            if hardware_name != "custom" or hourly is not None:
                gr.Warning(exc.message)
            return outputs_skipped
        if not answers:
            return outputs_skipped
        answers = {name: priced(answer, priced_on) if answer.done else answer for name, answer in answers.items()}
        return [*_render(columns, [n for n in chosen or [] if n in answers], answers), answers]

    hardware.change(lambda name: gr.update(visible=name == "custom"), hardware, custom_price)
    for widget in (hardware, custom_price):
        widget.change(reprice, [hardware, custom_price, shown, last_answers], outputs)

    inputs = [scenario_picker, question, shown, hardware, custom_price, repeat, *lane_inputs]
    # One queue for both triggers, as wide as PLAYGROUND_CONCURRENCY (Blocks.queue's default limit).
    asks = [
        ask.click(run, inputs, run_outputs, api_name="ask", concurrency_id="ask"),
        question.submit(run, inputs, run_outputs, concurrency_id="ask"),
    ]
    wire_curation(services, [c.curation for c in columns], asks, question, scenario_picker, last_answers)
    shown.change(
        lambda chosen: [
            _order_style(chosen or []),
            *(gr.update(visible=c.lane.name in (chosen or [])) for c in columns),
        ],
        shown,
        [order_style, *(c.column for c in columns)],
    )

    lane_widgets = [w for column in columns for w in column.controls.values()]

    def on_scenario(name: str) -> list[object]:
        try:
            scenario = services.scenarios.get(name)
        except PlaygroundError as exc:
            gr.Warning(exc.message)
            return [gr.skip()] * (1 + len(lane_widgets))
        updates: list[object] = [example_choices(scenario)]
        for column in columns:
            updates += scenario_updates(column.lane, scenario)
        return updates

    scenario_picker.change(on_scenario, scenario_picker, [examples, *lane_widgets])  # the chain follows it

    adapter_pickers = [c.controls["adapter"] for c in columns if "adapter" in c.controls]

    def refresh_adapters(request: gr.Request) -> object:
        names = services.adapters(session_workspace(services, request)).names()
        updates = [gr.update(choices=names) for _ in adapter_pickers]
        return updates[0] if len(updates) == 1 else updates  # Gradio wants a bare value for one output

    if adapter_pickers:
        tab.select(refresh_adapters, None, adapter_pickers)
