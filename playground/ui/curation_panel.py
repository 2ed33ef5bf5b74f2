"""Under each Compare lane: mark the answer good or bad, edit it, and save it as a training example.

The question, the scenario and the lane's model come from server-side state filled when an ask
finishes; only the edited text and the mark come from the page, and `training.curation` checks
both. Good answers grow the visitor's saved training set for the scenario (the Train tab trains on
it); bad ones are kept apart.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr
from gradio.events import Dependency

from playground.errors import PlaygroundError
from playground.records import Answer
from playground.scenarios import training_system_prompt
from playground.services import Services
from playground.training.curation import BAD, GOOD, MAX_ANSWER_CHARS, SavedAnswers
from playground.ui.session import holds_workspace, session_workspace

MARK_CHOICES = [("👍 good", GOOD), ("👎 bad", BAD)]


@dataclass
class CurationPanel:
    """The widgets under one lane's answer."""

    lane: str
    editor: gr.Textbox
    mark: gr.Radio
    save: gr.Button
    status: gr.HTML


def build_curation_panel(lane: str) -> CurationPanel:
    """Lay out one lane's panel (call inside the lane's column)."""
    with gr.Accordion("Save as a training example", open=False, elem_id=f"{lane}-curate"):
        editor = gr.Textbox(
            label="Answer to save (edit it as you like)",
            lines=3,
            max_lines=12,
            max_length=MAX_ANSWER_CHARS,
            elem_id=f"{lane}-curate-answer",
        )
        with gr.Row():
            mark = gr.Radio(MARK_CHOICES, value=None, label="Mark", elem_id=f"{lane}-curate-mark", scale=2)
            save = gr.Button("Save", size="sm", elem_id=f"{lane}-curate-save", scale=1)
        status = gr.HTML(status_html(), elem_id=f"{lane}-curate-status")
    return CurationPanel(lane, editor, mark, save, status)


def status_html(state: str = "idle", text: str = "", count: int | None = None) -> str:
    """The panel's status line; `data-state` (idle, saved, refused) and `data-count` are for tests."""
    count_attr = "" if count is None else f' data-count="{count}"'
    return f'<div class="curate-status" data-state="{state}"{count_attr}>{html.escape(text)}</div>'


def wire_curation(
    services: Services,
    panels: list[CurationPanel],
    asks: list[Dependency],
    question: gr.Textbox,
    scenario_picker: gr.Dropdown,
    last_answers: gr.State,
) -> None:
    """Fill each panel when an ask finishes, and save a lane's answer on its button."""
    asked = gr.State(None)  # what the panels hold: {"question", "scenario", "models" (by lane), "answers"}

    def fill(question_text: str, scenario_name: str, answers: dict[str, Answer], held: dict | None) -> list[object]:
        answers = answers or {}
        if held and held["answers"] == _fingerprint(answers):
            return [gr.skip()] * len(fill_outputs)  # a refused ask: the answers (and their question) did not change
        usable = {name: a for name, a in answers.items() if a.done and not a.error}
        models = {name: a.model for name, a in usable.items()}
        values: list[object] = [
            {"question": question_text, "scenario": scenario_name, "models": models, "answers": _fingerprint(answers)}
        ]
        for panel in panels:
            answer = usable.get(panel.lane)
            values += [answer.text if answer else "", None, status_html()]
        return values

    fill_outputs = [asked, *(w for p in panels for w in (p.editor, p.mark, p.status))]
    for ask in asks:
        ask.then(fill, [question, scenario_picker, last_answers, asked], fill_outputs, show_progress="hidden")

    for panel in panels:
        panel.save.click(
            _saver(services, panel.lane),
            [asked, panel.editor, panel.mark],
            panel.status,
            api_name=f"save_answer_{panel.lane.replace('-', '_')}",
        )


def _fingerprint(answers: dict[str, Answer] | None) -> list[list[object]]:
    """What tells one ask's answers from another's (a new ask always measures new timings)."""
    return [[name, a.text, a.latency_s, a.ttft_s] for name, a in sorted((answers or {}).items())]


def _saver(services: Services, lane: str) -> Callable[..., str]:
    @holds_workspace(services)
    def save(request: gr.Request, asked: dict | None, text: object, mark: object) -> str:
        model = (asked or {}).get("models", {}).get(lane)
        if not model:
            return status_html("refused", "⚠ Ask a question first: this lane has no finished answer to save.")
        try:
            scenario = services.scenarios.get(asked["scenario"])
            saved = SavedAnswers.of(session_workspace(services, request), scenario, services.limits.question_chars)
            system = training_system_prompt(scenario)
            count = saved.save(asked["question"], text, mark, system=system, lane=lane, model=model)
        except (PlaygroundError, OSError) as exc:
            message = exc.message if isinstance(exc, PlaygroundError) else f"could not save: {exc.strerror or exc}"
            return status_html("refused", f"⚠ {message}")
        where = "saved answers" if mark == GOOD else "answers marked bad (kept apart, not trained on)"
        return status_html("saved", f"Saved. Your {where} for {scenario.title}: {count}.", count)

    return save
