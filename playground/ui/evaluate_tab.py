"""The Evaluate tab: a scenario's evaluation set (or an uploaded one) through the chosen lanes.

Shows a scoreboard, charts and every answer (filterable to questions the lanes disagree on),
and offers the rows as CSV and a self-contained HTML report. A run can be cancelled.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import gradio as gr

from playground.errors import PlaygroundError
from playground.evaluation.charts import all_charts
from playground.evaluation.report import EvalResults, comparisons_frame, write_csv, write_html
from playground.evaluation.runner import DEFAULT_BATCH_SIZE
from playground.evaluation.sets import EvalItem, EvalSetError, load_eval_set, sample_items
from playground.evaluation.splits import SPLITS, SplitError, split_items
from playground.lanes import all_lanes, default_lanes, get_lane
from playground.scenarios import Scenario
from playground.services import Services
from playground.ui.evaluation_view import rows_table, run_summary, scoreboard_table
from playground.ui.lane_controls import build_lane_controls, coerce_options
from playground.ui.session import downloadable, holds_workspace, session_id, session_services, session_workspace
from playground.ui.uploads import uploaded_file

JUDGE_OFF = "off"
DEFAULT_SAMPLE = 20
CHARTS = ("truth_vs_prediction", "metrics", "cost_vs_quality", "latency")


def _set_for(services: Services, scenario: Scenario, upload: str | None) -> tuple[list[EvalItem], str]:
    """The uploaded set (within the upload limits) when there is one, else the scenario's own."""
    if upload:
        path = uploaded_file(upload)  # never a server file named by a forged upload
        items = load_eval_set(path, max_rows=services.limits.eval_rows, max_bytes=services.upload_bytes)
        return items, Path(upload).name
    if scenario.eval_set is None:
        raise EvalSetError(f"scenario '{scenario.title}' has no evaluation set: upload one (JSONL)")
    return load_eval_set(scenario.eval_set), f"{scenario.name}/{scenario.eval_set.name}"


def _split_of(
    scenario: Scenario, items: list[EvalItem], set_name: str, part: object, uploaded: bool
) -> tuple[list[EvalItem], str]:
    """The items of the chosen split of the scenario's own set ("all": every item); an uploaded set has none."""
    if part in (None, "", "all"):
        return items, set_name
    if part not in SPLITS:
        raise SplitError("choose the questions from all, dev or test")
    if uploaded or scenario.eval_set is None:
        raise SplitError("an uploaded set has no recorded dev/test split: choose all questions")
    return split_items(scenario.eval_set, items, str(part)), f"{set_name} ({part})"


def _present(results: EvalResults, exports: Path) -> list[object]:
    """Status, scoreboard, the two downloads, the charts and the answers of a finished run."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    stem = f"eval-{results.run.scenario}-{stamp}"
    csv_path, html_path = write_csv(results, exports / f"{stem}.csv"), write_html(results, exports / f"{stem}.html")
    figures = all_charts(results.rows, results.metrics, results.board)
    plots = [
        gr.update(value=figures[name], visible=True) if name in figures else gr.update(value=None, visible=False)
        for name in CHARTS
    ]
    return [
        run_summary(results),
        f"**Verdict.** {results.verdict}",
        scoreboard_table(results),
        comparisons_frame(results),
        gr.update(value=downloadable(csv_path), visible=True),
        gr.update(value=downloadable(html_path), visible=True),
        *plots,
        rows_table(results),
    ]


def _failed_lanes(results: EvalResults) -> list[str]:
    """One line for each lane whose every answer failed (a refused model, a budget, a missing key)."""
    lines = []
    for lane, rows in results.rows.groupby("lane", sort=False):
        errors = rows["error"].dropna()
        if len(rows) and len(errors) == len(rows):
            lines.append(f"{lane}: every answer failed: {errors.iloc[0]}")
    return lines


def build_evaluate_tab(services: Services, scenario_picker: gr.Dropdown, tab: gr.Tab) -> None:
    """Lay out the Evaluate tab and wire its events."""
    models = services.model_choices()
    scenarios = services.scenarios.all()
    first = scenarios[0] if scenarios else None
    cancels: dict[str, threading.Event] = {}

    def set_info(scenario_name: str, upload: str | None) -> str:
        try:
            items, name = _set_for(services, services.scenarios.get(scenario_name), upload)
        except PlaygroundError as exc:
            return f"**Cannot use this set:** {exc.message}"
        kinds = ", ".join(sorted({i.kind for i in items}))
        return f"Set `{name}`: {len(items)} questions ({kinds})."

    with gr.Row():
        with gr.Column(scale=2):
            upload = gr.File(
                label="Your own evaluation set (JSONL: question, reference, kind, source); empty: the scenario's",
                file_types=[".jsonl"],
                type="filepath",
                elem_id="eval-upload",
            )
            info = gr.Markdown(elem_id="eval-set-info")
        with gr.Column(scale=3):
            lanes = gr.CheckboxGroup(
                [(lane.title, lane.name) for lane in all_lanes()],
                value=default_lanes(),
                label="Lanes",
                elem_id="eval-lanes",
            )
            with gr.Row():
                model = gr.Dropdown(
                    models, value=services.settings.default_model, label="Model", allow_custom_value=True
                )
                judge = gr.Dropdown(
                    [JUDGE_OFF, *models], value=JUDGE_OFF, label="LLM judge (text answers)", allow_custom_value=True
                )
            lane_controls = {}
            with gr.Accordion("Lane settings", open=False):
                for lane in all_lanes():
                    if any(c.field != "system_prompt" for c in lane.controls):
                        with gr.Accordion(lane.title, open=False):
                            lane_controls[lane.name] = build_lane_controls(
                                lane, first, services.adapters().names(), id_prefix="eval-", skip=("system_prompt",)
                            )
                with gr.Row():
                    max_tokens = gr.Slider(
                        8, 1024, value=services.settings.max_tokens, step=8, label="Longest answer (tokens)"
                    )
                    use_cache = gr.Checkbox(True, label="Reuse cached answers")
            with gr.Row():
                sample = gr.Number(
                    DEFAULT_SAMPLE, label="Questions (random sample)", precision=0, minimum=1, elem_id="eval-sample"
                )
                seed = gr.Number(0, label="Sample seed", precision=0)
                split = gr.Dropdown(
                    [
                        ("all questions", "all"),
                        ("dev split (for tuning)", "dev"),
                        ("test split (for reporting)", "test"),
                    ],
                    value="all",
                    label="Questions from",
                    info="the scenario's recorded dev/test split: tune settings on dev, report on test",
                    elem_id="eval-split",
                )
                batch = gr.Slider(1, 32, value=DEFAULT_BATCH_SIZE, step=1, label="Answers in flight (batch size)")
    with gr.Row():
        run_button = gr.Button("Run evaluation", variant="primary", elem_id="eval-run")
        cancel_button = gr.Button("Cancel", variant="stop", elem_id="eval-cancel")
    status = gr.Markdown(elem_id="eval-status")
    verdict_box = gr.Markdown(elem_id="eval-verdict")
    board = gr.Dataframe(scoreboard_table(None), label="Scoreboard", interactive=False, elem_id="eval-scoreboard")
    pairs = gr.Dataframe(
        label="Paired comparisons (same questions; 'beats' only when the 95% interval excludes zero)",
        interactive=False,
        elem_id="eval-comparisons",
    )
    with gr.Row():
        csv_download = gr.DownloadButton("Download CSV", visible=False, elem_id="eval-csv")
        html_download = gr.DownloadButton("Download HTML report", visible=False, elem_id="eval-html")
    plots = {name: gr.Plot(label=name.replace("_", " "), elem_id=f"eval-plot-{name}") for name in CHARTS}
    only_split = gr.Checkbox(False, label="Only questions the lanes disagree on (one right, another wrong)")
    rows = gr.Dataframe(rows_table(None), label="Every answer", interactive=False, wrap=True, elem_id="eval-rows")
    results_state = gr.State(None)

    @holds_workspace(services)
    def evaluate(
        request: gr.Request,
        scenario_name: str,
        upload_path: str | None,
        lane_list: list[str],
        model_name: str,
        judge_name: str,
        sample_size: float | None,
        seed_value: float | None,
        split_part: str,
        batch_size: float,
        answer_tokens: float,
        reuse: bool,
        progress=gr.Progress(),  # before *settings: Gradio finds special arguments only up to a *args
        *settings: object,
    ) -> list[object]:
        try:
            scenario = services.scenarios.get(scenario_name)
            items, set_name = _set_for(services, scenario, upload_path)
            items, set_name = _split_of(scenario, items, set_name, split_part, uploaded=bool(upload_path))
            items = sample_items(items, int(sample_size) if sample_size else None, int(seed_value or 0))
            services.limits.check_evaluation([item.question for item in items])
            if not lane_list:
                raise EvalSetError("choose at least one lane")
            gateway = session_services(services, request).gateway  # the session's own keys
            gateway.check_model(model_name)
            if judge_name and judge_name != JUDGE_OFF:
                gateway.check_model(judge_name)
            jobs = [
                job
                for lane in [lane.name for lane in all_lanes()]
                if lane in lane_list
                for job in services.lane_jobs(
                    lane, model_name, max_tokens=int(answer_tokens), **lane_options(lane, settings)
                )
            ]
        except PlaygroundError as exc:
            gr.Warning(exc.message)
            return [gr.skip()] * len(outputs)
        workspace = session_workspace(services, request)
        cancel = cancels.setdefault(session_id(services, request), threading.Event())
        cancel.clear()
        progress(0, desc="starting")
        run = session_services(services, request).evaluate(
            workspace,
            scenario,
            items,
            jobs,
            set_name=set_name,
            use_cache=reuse,
            judge_model=judge_name if judge_name and judge_name != JUDGE_OFF else None,
            batch_size=int(batch_size),
            progress=lambda done, total, what: progress((done, total), desc=what),
            cancel=cancel,
        )
        results = EvalResults.from_run(run, scenario.extra.get("primary_metric"))
        if results.rows.empty:
            gr.Warning("cancelled before any answer")
            return [gr.skip()] * len(outputs)
        shown = _present(results, workspace.exports_dir)
        failures = _failed_lanes(results)
        for failed in failures:  # say why at once, as the command line does, and keep it shown
            gr.Warning(failed)
        if failures:
            shown[0] = "\n\n".join([*(f"⚠ {failed}" for failed in failures), shown[0]])
        return [*shown, results]

    def cancel_run(request: gr.Request) -> str:
        event = cancels.get(session_id(services, request))
        if event is None:
            return "Nothing is running."
        event.set()
        return "Cancelling: the answers in flight finish, then the run stops."

    outputs = [status, verdict_box, board, pairs, csv_download, html_download, *plots.values(), rows, results_state]
    setting_fields = [(name, field) for name, controls in lane_controls.items() for field in controls]
    setting_widgets = [lane_controls[name][field] for name, field in setting_fields]

    def lane_options(lane_name: str, settings: tuple[object, ...]) -> dict[str, object]:
        """The lane's own settings from the flat list of widget values (the system prompt is the scenario's)."""
        values = {
            field: value for (name, field), value in zip(setting_fields, settings, strict=True) if name == lane_name
        }
        lane = get_lane(lane_name)
        return coerce_options(lane, values) | {"system_prompt": None}

    inputs = [
        scenario_picker,
        upload,
        lanes,
        model,
        judge,
        sample,
        seed,
        split,
        batch,
        max_tokens,
        use_cache,
        *setting_widgets,
    ]
    run_button.click(evaluate, inputs, outputs, concurrency_limit=2)
    cancel_button.click(cancel_run, None, status)
    only_split.change(rows_table, [results_state, only_split], rows)
    upload.change(set_info, [scenario_picker, upload], info)

    adapter_pickers = [
        lane_controls[name][control.field]
        for lane in all_lanes()
        for control in lane.controls
        if control.kind == "adapter" and (name := lane.name) in lane_controls
    ]

    def refresh_adapters(request: gr.Request) -> object:
        names = services.adapters(session_workspace(services, request)).names()
        updates = [gr.update(choices=names) for _ in adapter_pickers]
        return updates[0] if len(updates) == 1 else updates  # Gradio wants a bare value for one output

    if adapter_pickers:
        tab.select(refresh_adapters, None, adapter_pickers)
    scenario_picker.change(set_info, [scenario_picker, upload], info)
    followers = [  # settings whose value follows the scenario (the chain's steps)
        (lane_controls[lane.name][c.field], c)
        for lane in all_lanes()
        for c in lane.controls
        if c.scenario_default is not None and c.field in lane_controls.get(lane.name, {})
    ]

    def follow_scenario(name: str) -> object:
        try:
            scenario = services.scenarios.get(name)
        except PlaygroundError:
            return [gr.skip()] * len(followers) if len(followers) != 1 else gr.skip()
        updates = [gr.update(value=control.scenario_default(scenario)) for _, control in followers]
        return updates[0] if len(updates) == 1 else updates

    if followers:
        scenario_picker.change(follow_scenario, scenario_picker, [widget for widget, _ in followers])
    info.value = set_info(scenario_picker.value, None) if scenario_picker.value else ""
