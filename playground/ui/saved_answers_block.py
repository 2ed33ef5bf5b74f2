"""The Train tab's training-data choice: the scenario's shipped set (or an upload), or my saved answers.

"My saved answers" is the set the visitor built in Compare (see `training.curation`), one per
workspace and scenario. The block shows its size and its last rows, refreshed when the tab opens,
the scenario changes or the visitor asks; `saved_answers_file` is what training reads then.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from playground.errors import PlaygroundError
from playground.services import Services
from playground.training.curation import SavedAnswers
from playground.training.registry import AdapterError
from playground.ui.session import session_workspace

SHIPPED, SAVED = "shipped", "saved"
SOURCE_CHOICES = [("The scenario's set, or the file uploaded here", SHIPPED), ("My saved answers from Compare", SAVED)]
PREVIEW_ROWS = 3
PREVIEW_CHARS = 300  # of each question and answer in the preview


@dataclass
class SavedAnswersBlock:
    """The widgets of the block; `source` is an input of every handler that reads the training data."""

    source: gr.Radio
    summary: gr.HTML


def saved_answers(services: Services, request: gr.Request, scenario_name: str) -> SavedAnswers:
    """This visitor's saved answers for the scenario (a scenario that is not known is refused)."""
    scenario = services.scenarios.get(scenario_name)
    return SavedAnswers.of(session_workspace(services, request), scenario, services.limits.question_chars)


def saved_answers_file(services: Services, request: gr.Request, scenario_name: str) -> Path:
    """The training file of the visitor's saved answers; AdapterError while it holds none."""
    saved = saved_answers(services, request, scenario_name)
    if saved.count() == 0:
        raise AdapterError("you have no saved answers for this scenario yet: save some under the answers in Compare")
    return saved.training_file


def summary_html(saved: SavedAnswers, title: str) -> str:
    """The set's size (`data-count`, for tests too) and its last rows, newest last."""
    count = saved.count()
    head = (
        f'<div class="saved-answers" data-count="{count}"><p>Your saved answers for {html.escape(title)}: '
        f"<strong>{count}</strong> example{'s' * (count != 1)}.</p>"
    )
    if not count:
        return head + "<p>Mark an answer good in Compare and save it to start the set.</p></div>"
    rows = "".join(
        f"<tr><td>{_cut(row.question)}</td><td>{_cut(row.answer)}</td><td>{html.escape(row.lane)}</td></tr>"
        for row in saved.last(PREVIEW_ROWS)
    )
    return (
        f"{head}<table class='saved-answers-preview'><thead><tr><th>question</th><th>answer</th><th>lane</th>"
        f"</tr></thead><tbody>{rows}</tbody></table></div>"
    )


def _cut(text: str) -> str:
    return html.escape(text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS] + "…")


def build_saved_answers_block(services: Services, scenario_picker: gr.Dropdown, tab: gr.Tab) -> SavedAnswersBlock:
    """Lay out the choice and the saved set's summary, and keep the summary current."""
    source = gr.Radio(SOURCE_CHOICES, value=SHIPPED, label="Training data", elem_id="train-source")
    with gr.Accordion("My saved answers", open=True):
        summary = gr.HTML("", elem_id="train-saved")
        refresh = gr.Button("Refresh", size="sm", elem_id="train-saved-refresh")

    def show(request: gr.Request, scenario_name: str) -> str:
        try:
            saved = saved_answers(services, request, scenario_name)
            return summary_html(saved, services.scenarios.get(scenario_name).title)
        except (PlaygroundError, OSError) as exc:
            text = exc.message if isinstance(exc, PlaygroundError) else str(exc)
            return f'<div class="saved-answers" data-state="refused">⚠ {html.escape(text)}</div>'

    tab.select(show, scenario_picker, summary, show_progress="hidden")
    scenario_picker.change(show, scenario_picker, summary, show_progress="hidden")
    refresh.click(show, scenario_picker, summary)
    return SavedAnswersBlock(source, summary)
