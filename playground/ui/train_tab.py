"""The Train tab: pick or upload a dataset, preview it, train a LoRA adapter in the background with
a live loss curve and, next to it, the held-out validation curve, list adapters with their cards,
and run the forgetting check."""

from __future__ import annotations

import html
from pathlib import Path

import gradio as gr
import pandas as pd

from playground.costs.one_off import training_cost
from playground.errors import PlaygroundError
from playground.limits import check_file_size
from playground.local_models import EMBEDDED_ALIAS
from playground.model_ref import ModelRef
from playground.services import Services
from playground.training.data import CsvMapping, TrainingSet, load_bounded, preview
from playground.training.estimate import TrainingEstimate, estimate_training, measured_throughput
from playground.training.forgetting import compare_to_base, load_probe, record_on_card, run_probe
from playground.training.jobs import JobState
from playground.training.registry import AdapterError, check_adapter_name
from playground.training.settings import DEFAULT_PRESET, PRESETS, TAB_SPECS, TrainSettings
from playground.training.trainer import TrainConfig
from playground.training.validation import split_training, subset
from playground.ui.adapter_transfer import build_adapter_transfer
from playground.ui.saved_answers_block import SAVED, build_saved_answers_block, saved_answers_file
from playground.ui.session import holds_workspace, session_workspace
from playground.ui.uploads import uploaded_file

FIELDS_PER_ROW = 4
ADAPTER_ROOM_BYTES = 30 * 1024 * 1024  # room a new LoRA adapter needs in the workspace (shipped ones: < 25 MB)
TRAIN_ERRORS = (PlaygroundError, OSError)  # what a user can act on, and files that cannot be read or written


def setting_fields(settings: TrainSettings) -> list[gr.Number]:
    """One number field per training setting the tab shows, declared in `training.settings`."""
    values = field_values(settings)
    numbers = []
    for start in range(0, len(TAB_SPECS), FIELDS_PER_ROW):
        with gr.Row():
            for spec, value in zip(TAB_SPECS[start : start + FIELDS_PER_ROW], values[start:], strict=False):
                numbers.append(
                    gr.Number(
                        value,
                        label=spec.label,
                        info=spec.help,
                        precision=0 if spec.kind is int else None,
                        minimum=0 if spec.optional else spec.minimum,
                        maximum=spec.maximum,
                        elem_id=spec.elem_id,
                    )
                )
    return numbers


def field_values(settings: TrainSettings) -> list[float | int]:
    """The tab's field values for these settings: an unset optional setting shows as 0."""
    return [0 if getattr(settings, spec.name) is None else getattr(settings, spec.name) for spec in TAB_SPECS]


def settings_from_fields(values: tuple[float | None, ...]) -> TrainSettings:
    """The settings the tab's fields ask for (0 or empty turns an optional setting off)."""
    chosen = {}
    for spec, value in zip(TAB_SPECS, values, strict=True):
        off = value is None or (spec.optional and value == 0)
        chosen[spec.name] = None if off else spec.kind(value)  # None for a required one: refused, named
    return TrainSettings(**chosen)


def job_html(state: JobState) -> str:
    """Status, a progress bar, elapsed time and ETA of the current (or last) job."""
    if state.status == "idle":
        return '<div class="job-status" data-status="idle">No training job yet.</div>'
    if state.status == "busy":
        return f'<div class="job-status" data-status="busy">{html.escape(state.message)}</div>'
    eta = "—" if state.eta_s is None else f"{state.eta_s:.0f} s"
    percent = round(100 * (1.0 if state.status == "done" else state.fraction))
    return (
        f'<div class="job-status" data-status="{state.status}">'
        f"<b>{html.escape(state.adapter or '')}</b>: {html.escape(state.status)} · {html.escape(state.message)}"
        f'<div class="job-bar"><div class="job-bar-fill" style="width:{percent}%"></div></div>'
        f"step {state.step}/{state.max_steps or '?'} · elapsed {state.elapsed_s:.0f} s · ETA {eta}</div>"
    )


def loss_frame(state: JobState) -> pd.DataFrame:
    """The loss chart's points: the training loss at each step and the validation loss at each evaluation."""
    rows = [{"step": step, "loss": loss, "series": "training"} for step, loss in state.losses]
    held_out = [r for r in state.validation if r.eval_loss is not None]
    rows += [{"step": r.step, "loss": r.eval_loss, "series": "validation"} for r in held_out]
    return pd.DataFrame(rows, columns=["step", "loss", "series"])


def validation_frame(state: JobState) -> pd.DataFrame:
    """The validation chart's points: the metric on the held-out answers at each evaluation."""
    rows = [
        {"step": r.step, "epoch": r.epoch, "value": r.metric_value, "metric": r.metric}
        for r in state.validation
        if r.metric and r.metric_value is not None
    ]
    return pd.DataFrame(rows, columns=["step", "epoch", "value", "metric"])


def validation_summary(state: JobState) -> str:
    """One line under the charts: the latest validation reading and the best so far (by metric, else loss)."""
    if not state.validation:
        return ""
    latest = state.validation[-1]
    scored = [r for r in state.validation if r.metric_value is not None]
    if scored:
        sign = -1.0 if latest.higher_is_better else 1.0
        best = min(scored, key=lambda r: (sign * r.metric_value, r.step))
        measure = f"{best.metric} {best.metric_value:.3f}"
    else:
        with_loss = [r for r in state.validation if r.eval_loss is not None]
        if not with_loss:
            return ""
        best = min(with_loss, key=lambda r: (r.eval_loss, r.step))
        measure = f"validation loss {best.eval_loss:.4f}"
    return (
        f"**Validation.** {len(state.validation)} evaluation{'s' * (len(state.validation) != 1)}; "
        f"best so far at epoch {best.epoch:g} (step {best.step}): {measure}."
    )


def adapters_table(services: Services, request: gr.Request) -> pd.DataFrame:
    rows = []
    for a in services.adapters(session_workspace(services, request)).all():
        card = a.card
        rows.append(
            {
                "adapter": a.name,
                "base": a.base_model,
                "dataset": card.get("dataset"),
                "examples": card.get("examples"),
                "steps": card.get("steps"),
                "loss": card.get("train_loss"),
                "seconds": card.get("seconds"),
                "tokens/s": card.get("tokens_per_s"),
                "device": card.get("device"),
                "est. cost": card.get("estimated_cost_usd"),
                "size (MB)": round(a.size_bytes() / 1e6, 1),
                "shipped": a.read_only,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "adapter",
            "base",
            "dataset",
            "examples",
            "steps",
            "loss",
            "seconds",
            "tokens/s",
            "device",
            "est. cost",
            "size (MB)",
            "shipped",
        ],
    )


def build_train_tab(services: Services, scenario_picker: gr.Dropdown, tab: gr.Tab) -> None:
    """Lay out the Train tab and wire its events."""

    def owner(request: gr.Request) -> str:
        """The session a job belongs to: only it sees the job's details and may cancel it."""
        return str(session_workspace(services, request).root)

    gr.Markdown(
        "Train a LoRA adapter with Unsloth on the scenario's examples or your own file. Training runs in "
        "the background (one job at a time); the new adapter appears in the fine-tuned lane of Compare."
    )
    with gr.Row():
        with gr.Column():
            upload = gr.File(
                label="Training file (.jsonl chat or prompt/completion, or .csv)",
                file_types=[".jsonl", ".csv"],
                type="filepath",
                elem_id="train-upload",
            )
            with gr.Row():
                csv_prompt = gr.Textbox(label="CSV prompt column", elem_id="train-csv-prompt")
                csv_completion = gr.Textbox(label="CSV completion column", elem_id="train-csv-completion")
            saved_block = build_saved_answers_block(services, scenario_picker, tab)  # answers saved in Compare
            preview_button = gr.Button("Preview examples", elem_id="train-preview")
            preview_box = gr.Code(
                label="First examples as the model sees them", language=None, lines=10, elem_id="train-preview-text"
            )
        with gr.Column():
            preset = gr.Radio(sorted(PRESETS), value=DEFAULT_PRESET, label="Preset", elem_id="train-preset")
            hyper_inputs = setting_fields(TrainSettings.from_preset(DEFAULT_PRESET))
            name = gr.Textbox(label="Adapter name", placeholder="my-adapter", elem_id="train-name")
            with gr.Row():
                estimate_button = gr.Button("Estimate time and cost", elem_id="train-estimate-run")
                start = gr.Button("Start training", variant="primary", elem_id="train-start")
                cancel = gr.Button("Cancel", variant="stop", elem_id="train-cancel")
            estimate_box = gr.Markdown("", elem_id="train-estimate")
    status = gr.HTML(job_html(JobState()), elem_id="train-status")
    with gr.Row():
        loss_plot = gr.LinePlot(
            loss_frame(JobState()),
            x="step",
            y="loss",
            color="series",
            title="Loss: training and held-out validation",
            elem_id="train-loss",
            height=260,
        )
        validation_plot = gr.LinePlot(
            validation_frame(JobState()),
            x="step",
            y="value",
            color="metric",
            title="Validation metric on held-out answers",
            elem_id="train-validation",
            height=260,
        )
    validation_line = gr.Markdown("", elem_id="train-validation-summary")
    adapters = gr.Dataframe(label="Adapters", interactive=False, elem_id="train-adapters")
    with gr.Row():
        probe_adapter = gr.Dropdown([], label="Forgetting check: adapter", elem_id="probe-adapter", scale=2)
        probe_button = gr.Button("Run forgetting check", elem_id="probe-run", scale=1)
    probe_table = gr.Dataframe(
        label="General-knowledge probe: base vs adapter", interactive=False, elem_id="probe-results"
    )
    build_adapter_transfer(services, tab)  # download an adapter as a zip, import one (its own block)
    timer = gr.Timer(1.0, active=False)
    last_estimate = gr.State(None)  # the estimate the running job started with, shown next to its actual figures

    def dataset_path(request: gr.Request, scenario_name: str, source: str, uploaded: str | None) -> Path:
        if source == SAVED:
            return saved_answers_file(services, request, scenario_name)
        if uploaded:
            path = uploaded_file(uploaded)  # never a server file named by a forged upload
            check_file_size(path, services.upload_bytes, "the training file")  # before it is read
            return path
        scenario = services.scenarios.get(scenario_name)
        if scenario.train_set is None:
            raise AdapterError(f"scenario '{scenario.name}' has no training set: upload a file")
        return scenario.train_set

    def mapping(prompt_col: str, completion_col: str) -> CsvMapping | None:
        return CsvMapping(prompt_col.strip(), completion_col.strip()) if prompt_col and completion_col else None

    def training_set(path: Path, csv_mapping: CsvMapping | None, max_examples: int | None = None) -> TrainingSet:
        """The examples training would use, refused past the host's limit on examples."""
        return load_bounded(path, csv_mapping, max_examples, services.limits)

    def show_preview(
        request: gr.Request, scenario_name: str, source: str, uploaded: str | None, prompt_col: str, completion_col: str
    ) -> str:
        try:
            data = dataset_path(request, scenario_name, source, uploaded)
            training = training_set(data, mapping(prompt_col, completion_col))
            tokenizer = services.gateway.engines.get(EMBEDDED_ALIAS).load().tokenizer
            rendered = preview(training, lambda m: tokenizer.apply_chat_template(m, tokenize=False), n=3)
        except TRAIN_ERRORS as exc:
            return f"⚠ {exc}"
        return f"{len(training)} examples ({training.format})\n\n" + "\n\n".join(rendered)

    def token_counts(training: TrainingSet, max_seq_length: int) -> list[int]:
        """Each example's tokens as the trainer sees them: the chat template applied, cut at the max length."""
        tokenizer = services.gateway.engines.get(EMBEDDED_ALIAS).load().tokenizer
        texts = [tokenizer.apply_chat_template(list(c), tokenize=False) for c in training.conversations]
        return [min(len(ids), max_seq_length) for ids in tokenizer(texts)["input_ids"]]

    def estimate(
        request: gr.Request,
        scenario_name: str,
        source: str,
        uploaded: str | None,
        prompt_col: str,
        completion_col: str,
        *values,
    ) -> TrainingEstimate:
        settings = settings_from_fields(values)
        training = training_set(
            dataset_path(request, scenario_name, source, uploaded),
            mapping(prompt_col, completion_col),
            settings.max_examples,
        )
        services.limits.check_training(settings, len(training))
        held_out = split_training(training, settings.validation_fraction, settings.seed)  # not trained on
        training = subset(training, held_out.train)
        cards = [a.card for a in services.adapters(session_workspace(services, request)).all()]
        return estimate_training(
            token_counts(training, settings.max_seq_length),
            settings.batch_size,
            settings.epochs,
            settings.max_steps,
            measured_throughput(cards, "cpu"),
        )

    def show_estimate(request: gr.Request, *args: object) -> list[object]:
        try:
            result = estimate(request, *args)
        except TRAIN_ERRORS as exc:
            return [f"⚠ {exc}", gr.skip()]
        return [f"**Estimate.** {result.describe()}", result]

    def apply_preset(choice: str) -> list[object]:
        return field_values(TrainSettings.from_preset(choice))

    @holds_workspace(services)
    def start_job(
        request: gr.Request,
        scenario_name: str,
        source: str,
        uploaded: str | None,
        prompt_col: str,
        completion_col: str,
        adapter_name: str,
        *values: float,
    ) -> list[object]:
        try:
            workspace = session_workspace(services, request)
            out = workspace.adapters_dir / check_adapter_name(adapter_name.strip())
            if out.exists() or adapter_name.strip() in services.adapters(workspace).names():
                raise AdapterError(f"an adapter named '{adapter_name.strip()}' exists: pick another name")
            data = dataset_path(request, scenario_name, source, uploaded)
            own_file = bool(uploaded) and source != SAVED  # an upload: the scenario's metric may not fit it
            chosen = settings_from_fields(values)
            training_set(data, mapping(prompt_col, completion_col), chosen.max_examples)  # refused before starting
            config = TrainConfig(
                data=data,
                out=out,
                settings=chosen,
                csv_mapping=mapping(prompt_col, completion_col),
                scenario=None if own_file else scenario_name,  # its primary metric scores the validation answers
            )
            expected = estimate(request, scenario_name, source, uploaded, prompt_col, completion_col, *values)
            workspace.check_room(ADAPTER_ROOM_BYTES, "a new adapter")
            services.jobs.start(config, owner=str(workspace.root), max_seconds=services.limits.train_seconds)
        except TRAIN_ERRORS as exc:
            gr.Warning(str(exc))
            return [
                f'<div class="job-status" data-status="refused">⚠ {html.escape(str(exc))}</div>',
                gr.Timer(active=False),
                gr.skip(),
                gr.skip(),
            ]
        return [
            job_html(services.jobs.state(str(workspace.root))),
            gr.Timer(active=True),
            f"**Estimate.** {expected.describe()}",
            expected,
        ]

    def poll(request: gr.Request, expected: TrainingEstimate | None) -> list[object]:
        state = services.jobs.state(owner(request))
        curve = loss_frame(state)
        finished = not state.active
        table = adapters_table(services, request) if finished else gr.skip()
        names = gr.update(choices=list(adapters_table(services, request)["adapter"])) if finished else gr.skip()
        outcome = gr.skip()
        if finished and state.status == "done" and expected is not None and state.result.get("seconds"):
            actual = training_cost(state.result, state.adapter or "adapter")
            planned = (
                "not measured" if expected.seconds is None else f"{expected.seconds:.0f} s, ${expected.cost_usd:.4f}"
            )
            outcome = (
                f"**Estimate.** {expected.describe()}\n\n**Actual.** {state.result['seconds']:.0f} s, "
                f"${actual.cost_usd or 0:.4f} ({actual.basis}); the estimate said {planned}."
            )
        return [
            job_html(state),
            curve,
            validation_frame(state),
            validation_summary(state),
            table,
            names,
            gr.Timer(active=not finished),
            outcome,
        ]

    def cancel_job(request: gr.Request) -> str:
        services.jobs.cancel(owner(request))
        return job_html(services.jobs.state(owner(request)))

    def refresh(request: gr.Request) -> list[object]:
        table = adapters_table(services, request)
        state = services.jobs.state(owner(request))
        return [table, gr.update(choices=list(table["adapter"])), job_html(state), gr.Timer(active=state.active)]

    @holds_workspace(services)
    def forgetting(request: gr.Request, adapter_name: str | None, progress=gr.Progress()) -> pd.DataFrame:
        try:
            adapter = services.adapters(session_workspace(services, request)).get(adapter_name or "")
            tuned = ModelRef.for_adapter(adapter)
            items = load_probe()
            progress(0.0, desc=f"the base model: {len(items)} questions")
            base = run_probe(services.gateway, tuned.base, items)
            progress(0.5, desc=f"adapter {adapter.name}: {len(items)} questions")
            report = compare_to_base(base, run_probe(services.gateway, tuned, items))
            if not adapter.read_only:  # a session's own adapter keeps the result on its card
                record_on_card(adapter.path, report)
        except TRAIN_ERRORS as exc:
            gr.Warning(str(exc))
            return gr.skip()
        interval = "" if report.ci95 is None else f"[{report.ci95[0]:+.3f}, {report.ci95[1]:+.3f}]"
        rows = [
            {"model": "base model", "score": round(base.score, 3), "correct": f"{base.correct}/{base.total}"},
            {
                "model": f"adapter {adapter.name}",
                "score": round(report.adapter.score, 3),
                "correct": f"{report.adapter.correct}/{report.adapter.total}",
            },
            {"model": "change (paired, 95% interval)", "score": round(report.change, 3), "correct": interval},
            {"model": "verdict", "score": None, "correct": report.statement()},
        ]
        return pd.DataFrame(rows)

    data_inputs = [scenario_picker, saved_block.source, upload, csv_prompt, csv_completion]
    preview_button.click(show_preview, data_inputs, preview_box)
    preset.change(apply_preset, preset, hyper_inputs)
    estimate_button.click(show_estimate, [*data_inputs, *hyper_inputs], [estimate_box, last_estimate])
    start.click(start_job, [*data_inputs, name, *hyper_inputs], [status, timer, estimate_box, last_estimate])
    timer.tick(
        poll,
        last_estimate,
        [status, loss_plot, validation_plot, validation_line, adapters, probe_adapter, timer, estimate_box],
    )
    cancel.click(cancel_job, None, status)
    tab.select(refresh, None, [adapters, probe_adapter, status, timer])
    probe_button.click(forgetting, probe_adapter, probe_table)
