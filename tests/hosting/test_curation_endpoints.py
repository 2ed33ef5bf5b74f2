"""Saving Compare answers as training data, called as a hostile client would: each visitor's own set,
forged values refused with one line, and the Train tab training on the saved set when asked to."""

from __future__ import annotations

import dataclasses
import html
import json
from types import SimpleNamespace

import gradio as gr
import pytest

from playground.records import Answer
from playground.training.curation import SavedAnswers
from playground.ui.compare_tab import build_compare_tab
from playground.ui.train_tab import build_train_tab
from tests.hosting.conftest import make_services
from tests.hosting.test_limits import _call, _handler, _values
from tests.hosting.test_workspaces import _WordTokenizer

QUESTION = "What is the meal per diem?"


def _compare(services, name: str):
    """A Compare handler by function name, or a save button by its API name."""
    services.model_choices = lambda: ["fake/m"]  # the fake gateway lists no models
    with gr.Blocks() as app:
        picker = gr.Dropdown(["demo"], value="demo")
        with gr.Tab("Compare") as tab:
            build_compare_tab(services, picker, tab)
    return next(f for f in app.fns.values() if name in (f.name, f.api_name))


def _asked(services) -> dict:
    """What the panels hold once an ask finished: the rag lane answered, the prompting lane failed."""
    fill = _compare(services, "fill")
    answers = {
        "rag": Answer("rag", "fake/m", "It is $80.", latency_s=1.0, done=True),
        "prompting": Answer("prompting", "fake/m", "", error="boom", done=True),
    }
    values = fill.fn(QUESTION, "demo", answers, None)
    editors = dict(zip([c.elem_id for c in fill.outputs], values, strict=True))
    assert editors["rag-curate-answer"] == "It is $80." and editors["prompting-curate-answer"] == ""
    return values[0]


def _save(services, session: str, asked: dict | None, text: object, mark: object, lane: str = "rag") -> str:
    save = _compare(services, f"save_answer_{lane}")
    result, warned = _call(save, session, [asked, text, mark])
    assert warned == []
    return html.unescape(result if isinstance(result, str) else "".join(result))


def test_a_saved_answer_lands_in_the_visitors_own_set_with_its_edit(services) -> None:
    asked = _asked(services)
    status = _save(services, "alice", asked, "It is $80 per day.", "good")
    assert 'data-state="saved"' in status and 'data-count="1"' in status
    scenario = services.scenarios.get("demo")
    alice = SavedAnswers.of(services.session_workspace(services.identities.resolve("alice")), scenario)
    row = json.loads(alice.training_file.read_text())
    assert row["messages"][-2:] == [
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": "It is $80 per day."},
    ]
    assert (row["lane"], row["model"], row["mark"]) == ("rag", "fake/m", "good")
    bob = SavedAnswers.of(services.session_workspace(services.identities.resolve("bob")), scenario)
    assert bob.count() == 0


@pytest.mark.parametrize(
    ("asked", "text", "mark", "message"),
    [
        (None, "anything", "good", "Ask a question first"),
        ("asked", "x" * 4_001, "good", "the answer is 4,001 characters, over the limit of 4,000"),
        ("asked", {"forged": 1}, "good", "the answer must be text"),
        ("asked", "fine", "excellent", "mark the answer good or bad"),
        ("asked", "fine", None, "mark the answer good or bad"),
    ],
)
def test_a_forged_save_is_refused_with_one_line(services, asked, text, mark, message) -> None:
    held = _asked(services) if asked == "asked" else None
    status = _save(services, "alice", held, text, mark)
    assert 'data-state="refused"' in status and message in status and "Traceback" not in status
    workspace = services.session_workspace(services.identities.resolve("alice"))
    assert SavedAnswers.of(workspace, services.scenarios.get("demo")).count() == 0


def test_a_lane_that_failed_has_nothing_to_save(services) -> None:
    status = _save(services, "alice", _asked(services), "my own text", "good", lane="prompting")
    assert 'data-state="refused"' in status and "no finished answer" in status


def test_a_refused_ask_keeps_the_panels_and_their_question(services) -> None:
    fill = _compare(services, "fill")
    answers = {"rag": Answer("rag", "fake/m", "It is $80.", latency_s=1.0, done=True)}
    held = fill.fn(QUESTION, "demo", answers, None)[0]
    again = fill.fn("a new question the ask refused", "demo", answers, held)  # last_answers did not change
    assert again == [gr.skip()] * len(fill.outputs), "the old answers got the new question"
    newer = {"rag": Answer("rag", "fake/m", "It is $80.", latency_s=0.9, done=True)}  # asked again: new timings
    assert fill.fn("asked again", "demo", newer, held)[0]["question"] == "asked again"


def test_the_train_tab_previews_and_trains_on_the_saved_answers(settings, clock, monkeypatch) -> None:
    services = make_services(dataclasses.replace(settings, workspace_max_mb=100.0), clock)
    loaded = SimpleNamespace(tokenizer=_WordTokenizer())
    services.gateway.engines = SimpleNamespace(get=lambda name: SimpleNamespace(load=lambda: loaded))
    started = []
    monkeypatch.setattr(services.jobs, "start", lambda config, **kwargs: started.append(config))

    start = _handler(services, build_train_tab, "start_job")
    saved_source = {"train-source": "saved", "train-name": "mine", "train-val-fraction": 0}  # one example: no split
    _, warned = _call(start, "alice", _values(start, **saved_source))
    assert len(warned) == 1 and "you have no saved answers for this scenario yet" in warned[0]
    assert started == []

    _save(services, "alice", _asked(services), "It is $80 per day.", "good")
    preview = _handler(services, build_train_tab, "show_preview")
    shown, _ = _call(preview, "alice", _values(preview, **saved_source))
    assert "".join(shown).startswith("1 examples (chat)") and "It is $80 per day." in "".join(shown)

    _, warned = _call(start, "alice", _values(start, **saved_source))
    assert warned == [] and len(started) == 1
    assert started[0].data.name == "saved-answers.jsonl" and started[0].scenario == "demo"
    _, warned = _call(start, "bob", _values(start, **{**saved_source, "train-name": "bobs"}))
    assert len(warned) == 1 and "no saved answers" in warned[0], "bob trained on alice's answers"
