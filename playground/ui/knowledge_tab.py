"""The Knowledge tab: upload, list, view, edit and delete this session's documents; index stats."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import pandas as pd

from playground.errors import PlaygroundError
from playground.knowledge.base import KnowledgeBase
from playground.knowledge.parsing import SUPPORTED_SUFFIXES
from playground.knowledge.store import IngestReport
from playground.services import Services
from playground.ui.session import holds_workspace, session_services, session_workspace
from playground.ui.uploads import uploaded_file

KB_ERRORS = (PlaygroundError, OSError)
FRESHNESS_LANES = ("prompting", "rag", "finetuned")


class FreshnessUnavailable(PlaygroundError):
    """The scenario declares no freshness set."""  # what a user can act on, and files that cannot be read or written


def _progress_callback(progress: gr.Progress):
    return lambda fraction, message: progress(fraction, desc=message)


def _stats_markdown(kb: KnowledgeBase) -> str:
    stats = kb.stats()
    return (
        f"**{stats.documents}** documents · **{stats.chunks}** chunks · embedding model "
        f"**{stats.embedder or '—'}** · last update {stats.updated_at or '—'} (UTC)"
    )


def _document_table(kb: KnowledgeBase) -> pd.DataFrame:
    rows = [{"document": d.source, "title": d.title, "chunks": d.chunks} for d in kb.stats().document_list]
    return pd.DataFrame(rows, columns=["document", "title", "chunks"])


def _report_line(verb: str, report: IngestReport) -> str:
    return (
        f"✅ {verb}: {report.added} chunks embedded, {report.removed} removed, "
        f"{report.chunks - report.added} unchanged ({report.seconds:.1f} s)"
    )


def build_knowledge_tab(services: Services, scenario_picker: gr.Dropdown, tab: gr.Tab) -> None:
    """Lay out the Knowledge tab and wire its events."""
    limit_mb = services.settings.max_upload_mb
    gr.Markdown(
        "Your own copy of the scenario's knowledge base: uploads and edits stay in this browser session, "
        "and the RAG lane in Compare searches them at once. The shipped sample stays untouched."
    )
    stats = gr.Markdown("", elem_id="kb-stats")
    with gr.Row():
        with gr.Column(scale=1):
            uploads = gr.File(
                label=f"Add documents (up to {limit_mb:g} MB each)",
                file_count="multiple",
                file_types=list(SUPPORTED_SUFFIXES),
                type="filepath",
                elem_id="kb-upload",
            )
            add = gr.Button("Add to knowledge base", variant="primary", elem_id="kb-add")
        with gr.Column(scale=2):
            documents = gr.Dataframe(
                pd.DataFrame(columns=["document", "title", "chunks"]),
                interactive=False,
                label="Documents",
                elem_id="kb-documents",
                max_height=320,
            )
    status = gr.Markdown("", elem_id="kb-status")
    picker = gr.Dropdown([], value=None, label="Document to view or edit", elem_id="kb-doc-picker")
    editor = gr.Textbox("", lines=16, max_lines=30, label="Content", elem_id="kb-editor")
    with gr.Row():
        save = gr.Button("Save and re-index", elem_id="kb-save")
        delete = gr.Button("Delete document", variant="stop", elem_id="kb-delete")
    with gr.Accordion("Freshness demonstration: edit facts, ask again", open=False):
        gr.Markdown(
            "Edits one fact per question in **this session's** copy (a price, a name, a limit; the list is the "
            "scenario's `freshness_set`), asking each lane before and after. RAG reads the edited documents at "
            "once; an adapter trained before the edit cannot. Run it once per session: the edits stay."
        )
        fresh_run = gr.Button("Edit the facts and ask again", elem_id="kb-freshness-run")
        fresh_summary = gr.Markdown("", elem_id="kb-freshness-summary")
        fresh_table = gr.Dataframe(interactive=False, wrap=True, label="Before and after", elem_id="kb-freshness")

    def knowledge(scenario_name: str, request: gr.Request) -> KnowledgeBase:
        scenario = services.scenarios.get(scenario_name)
        return services.knowledge(session_workspace(services, request), scenario)

    def listing(kb: KnowledgeBase, selected: str | None = None) -> list[object]:
        names = [p.name for p in kb.files()]
        return [
            _stats_markdown(kb),
            _document_table(kb),
            gr.update(choices=names, value=selected if selected in names else None),
        ]

    listing_outputs = [stats, documents, picker]

    @holds_workspace(services)
    def refresh(scenario_name: str, request: gr.Request, progress=gr.Progress()) -> list[object]:
        try:
            kb = knowledge(scenario_name, request)
            kb.ensure_synced(_progress_callback(progress))
        except KB_ERRORS as exc:
            return [f"⚠ {exc}", gr.skip(), gr.skip()]
        return listing(kb)

    @holds_workspace(services)
    def add_files(scenario_name: str, paths: list[str] | None, request: gr.Request, progress=gr.Progress()):
        if not paths:
            gr.Warning("choose one or more files first")
            return [gr.skip()] * 3 + ["", gr.skip()]
        try:
            kb = knowledge(scenario_name, request)
            report = kb.add_paths([uploaded_file(p) for p in paths], progress=_progress_callback(progress))
        except KB_ERRORS as exc:
            gr.Warning(str(exc))
            return [gr.skip()] * 3 + [f"⚠ {exc}", gr.skip()]
        names = ", ".join(Path(p).name for p in paths)
        return [*listing(kb), _report_line(f"added {names}", report), None]

    def show(scenario_name: str, name: str | None, request: gr.Request) -> list[object]:
        if not name:
            return ["", ""]
        try:
            return [knowledge(scenario_name, request).read_text(name), ""]
        except KB_ERRORS as exc:
            return ["", f"⚠ {exc}"]

    @holds_workspace(services)
    def save_document(scenario_name: str, name: str | None, text: str, request: gr.Request) -> list[object]:
        if not name:
            gr.Warning("pick a document to save")
            return [gr.skip()] * 3 + [gr.skip()]
        try:
            kb = knowledge(scenario_name, request)
            report = kb.save_text(name, text)
        except KB_ERRORS as exc:
            gr.Warning(str(exc))
            return [gr.skip()] * 3 + [f"⚠ {exc}"]
        return [*listing(kb, name), _report_line(f"re-indexed {name}", report)]

    @holds_workspace(services)
    def delete_document(scenario_name: str, name: str | None, request: gr.Request) -> list[object]:
        if not name:
            gr.Warning("pick a document to delete")
            return [gr.skip()] * 3 + [gr.skip(), gr.skip()]
        try:
            kb = knowledge(scenario_name, request)
            removed = kb.delete(name)
        except KB_ERRORS as exc:
            gr.Warning(str(exc))
            return [gr.skip()] * 3 + [f"⚠ {exc}", gr.skip()]
        return [*listing(kb), f"🗑 deleted {name} ({removed} chunks removed)", ""]

    @holds_workspace(services)
    def freshness(scenario_name: str, request: gr.Request, progress=gr.Progress()) -> list[object]:
        from playground.evaluation.freshness import load_freshness, run_freshness

        try:
            scenario = services.scenarios.get(scenario_name)
            spec = scenario.extra.get("freshness_set")
            if not spec:
                raise FreshnessUnavailable(f"scenario '{scenario.title}' has no freshness set")
            items = load_freshness(scenario.folder / str(spec))
            workspace = session_workspace(services, request)
            jobs = [services.lane_job(lane, max_tokens=64, system_prompt=None) for lane in FRESHNESS_LANES]
            result = run_freshness(
                session_services(services, request).gateway,
                scenario,
                items,
                jobs,
                services.lane_context(workspace),
                services.knowledge(workspace, scenario),
                progress=lambda done, total, what: progress((done, total), desc=what),
            )
        except KB_ERRORS as exc:
            gr.Warning(str(exc))
            return [f"⚠ {exc}", gr.skip(), *([gr.skip()] * 3)]
        lines = [
            f"- **{lane['lane']}**: the old value before the edits in {lane['right_before']:.0%} of answers, the new "
            f"value after in **{lane['right_after']:.0%}**, still the old one in {lane['stale_after']:.0%}"
            for lane in result.summary()
        ]
        table = pd.DataFrame(
            [
                {
                    "lane": row.lane,
                    "question": row.question,
                    "before": row.before_answer,
                    "after": row.after_answer,
                    "new value?": "yes" if row.knows_after else ("old value" if row.stale_after else "no"),
                }
                for row in result.rows
            ]
        )
        kb = services.knowledge(session_workspace(services, request), services.scenarios.get(scenario_name))
        return ["\n".join(lines), table, *listing(kb)]

    fresh_run.click(freshness, scenario_picker, [fresh_summary, fresh_table, *listing_outputs])
    tab.select(refresh, scenario_picker, listing_outputs)
    scenario_picker.change(refresh, scenario_picker, listing_outputs)
    add.click(add_files, [scenario_picker, uploads], [*listing_outputs, status, uploads])
    picker.change(show, [scenario_picker, picker], [editor, status])
    save.click(save_document, [scenario_picker, picker, editor], [*listing_outputs, status])
    delete.click(delete_document, [scenario_picker, picker], [*listing_outputs, status, editor])
