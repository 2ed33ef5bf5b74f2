"""Bounded work: past each limit, one line naming it and its PLAYGROUND_* setting, and nothing stored changes.

Each entry point is called as a visitor's script would call it (the handler or the domain function,
with a value no widget offers), and each test fails if its check is taken out.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path

import gradio as gr
import pytest

from playground.brief.build import BriefRequest, build_brief
from playground.config import SettingError
from playground.costs.hardware import get_hardware
from playground.errors import PlaygroundError
from playground.evaluation.sets import load_eval_set
from playground.limits import LimitError, Limits, check_file_size
from playground.training.data import load_bounded
from playground.training.jobs import TIMED_OUT, TrainingJobs
from playground.training.settings import TrainSettings
from playground.training.trainer import TrainConfig
from playground.workshop.rooms import Rooms


@pytest.fixture(autouse=True)
def uploads_in_tmp(tmp_path, monkeypatch) -> None:
    """Files these tests hand to a tab stand for uploads: Gradio's upload folder is the test's folder."""
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path))


def _one_line(error: PlaygroundError, setting: str) -> str:
    message = error.message
    assert "\n" not in message and setting in message and "over the limit" in message, message
    return message


def _handler(services, build, name: str, with_tab: bool = True):
    """The named event handler of one tab, built over these services (as the app builds it)."""
    services.model_choices = lambda: ["fake/m"]  # the fake gateway lists no models
    with gr.Blocks() as app:
        picker = gr.Dropdown(["demo"], value="demo")
        with gr.Tab("tab") as tab:
            build(services, picker, tab) if with_tab else build(services, picker)
    found = [f for f in app.fns.values() if f.name == name]  # Compare's button and Enter share one handler
    assert found and all(f.fn is found[0].fn for f in found)
    return found[0]


def _call(fn, session: str, values: list[object]) -> tuple[list[object], list[str]]:
    """Call a handler as a request from `session`; what it returned and the warnings it showed."""
    with warnings.catch_warnings(record=True) as warned:  # gr.Warning, outside a running app
        warnings.simplefilter("always")
        result = fn.fn(gr.Request(session_hash=session), *values)
        result = list(result) if not isinstance(result, list) else result
    return result, [str(w.message) for w in warned]


def _values(fn, **by_id: object) -> list[object]:
    """The handler's input values as the page sends them, some replaced (by elem_id)."""
    return [by_id.get(c.elem_id, c.value) if c.elem_id else c.value for c in fn.inputs]


# -- the settings ---------------------------------------------------------------------------------


def test_limits_come_from_the_environment_with_public_defaults() -> None:
    assert Limits.from_env({}) == Limits()
    chosen = Limits.from_env({"PLAYGROUND_MAX_LANE_RUNS": " 90 ", "PLAYGROUND_MAX_TRAIN_EPOCHS": "0.5"})
    assert (chosen.lane_runs, chosen.train_epochs) == (90, 0.5)
    assert chosen.question_chars == Limits().question_chars


@pytest.mark.parametrize(
    ("value", "expected"),
    [("lots", "is not a whole number"), ("2.5", "is not a whole number"), ("0", "must be more than 0")],
)
def test_a_bad_limit_setting_is_one_clear_line(value: str, expected: str) -> None:
    with pytest.raises(SettingError) as refused:
        Limits.from_env({"PLAYGROUND_MAX_ROOMS_PER_VISITOR": value})
    assert refused.value.message.startswith(f"PLAYGROUND_MAX_ROOMS_PER_VISITOR={value!r} {expected}")


# -- upload bytes ---------------------------------------------------------------------------------


def test_gradio_is_given_the_upload_limit(services) -> None:
    from playground.ui import launch_options

    assert launch_options(services)["max_file_size"] == services.upload_bytes == 1024 * 1024 * 10


def test_an_oversized_knowledge_upload_is_refused_before_it_is_read(services, scenario, tmp_path, monkeypatch) -> None:
    kb = services.knowledge(services.session_workspace("alice"), scenario)
    kb.max_upload_bytes = 5_000
    big = tmp_path / "big.md"
    big.write_bytes(b"# Big\n\n" + b"word " * 2_000)
    files_before = {p.name: p.read_bytes() for p in kb.files()}
    reads: list[Path] = []
    real_read = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self) or real_read(self))
    with pytest.raises(PlaygroundError) as refused:
        kb.add_paths([big])
    message = refused.value.message
    assert "big.md: 10.0 kB is over the 5.0 kB upload limit" in message and "PLAYGROUND_MAX_UPLOAD_MB" in message
    assert reads == [], "the file was read before its size was checked"
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in kb.files()} == files_before


def test_an_edit_past_the_upload_limit_is_refused_and_the_document_unchanged(services, scenario) -> None:
    kb = services.knowledge(services.session_workspace("alice"), scenario)
    kb.max_upload_bytes = 5_000
    before = kb.read_text("travel.md")
    chunks = kb.stats().chunks
    with pytest.raises(PlaygroundError) as refused:
        kb.save_text("travel.md", "# Travel\n\n" + "per diem " * 1_000)
    assert "upload limit (the operator can raise PLAYGROUND_MAX_UPLOAD_MB)" in refused.value.message
    assert kb.read_text("travel.md") == before and kb.stats().chunks == chunks


def test_a_file_size_is_read_from_the_file_system(tmp_path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_bytes(b"x" * 3_000)
    assert check_file_size(path, 3_000) == 3_000
    with pytest.raises(LimitError) as refused:
        check_file_size(path, 2_999, "the evaluation set")
    assert "set.jsonl: the evaluation set is 0.0 MB, over the limit of 0.0 MB" in _one_line(
        refused.value, "PLAYGROUND_MAX_UPLOAD_MB"
    )


# -- Compare: question length, Repeat x lanes -------------------------------------------------------


def test_compare_refuses_repeat_times_lanes_past_the_limit_and_asks_nothing(services) -> None:
    from playground.ui.compare_tab import build_compare_tab

    services.limits = Limits(lane_runs=6)
    ask = _handler(services, build_compare_tab, "run")
    values = _values(ask, **{"compare-question": "Capital of France?", "compare-repeat": 3})
    values[[c.elem_id for c in ask.inputs].index("compare-lanes")] = ["prompting", "rag", "prompting"]
    shown, warned = _call(ask, "alice", values)
    assert warned == [
        "the answers one request waits for (Repeat x lanes) is 9, over the limit of 6 "
        "(the operator can raise PLAYGROUND_MAX_LANE_RUNS)"
    ]
    assert services.gateway.calls == [] and all(v is gr.skip() or v == gr.skip() for v in shown[0])
    values[[c.elem_id for c in ask.inputs].index("compare-lanes")] = ["prompting", "rag"]
    _call(ask, "alice", values)
    assert len(services.gateway.calls) == 6  # at the limit: every answer asked


def test_compare_refuses_a_question_past_the_length_limit(services) -> None:
    from playground.ui.compare_tab import build_compare_tab

    services.limits = Limits(question_chars=100)
    ask = _handler(services, build_compare_tab, "run")
    _, warned = _call(ask, "alice", _values(ask, **{"compare-question": "Why? " * 40}))
    assert len(warned) == 1 and "the question's length in characters is 199" in warned[0]
    assert "PLAYGROUND_MAX_QUESTION_CHARS" in warned[0] and services.gateway.calls == []


# -- the Brief: question count and length ---------------------------------------------------------


@pytest.mark.parametrize(
    ("request_", "setting"),
    [
        (BriefRequest(questions=("Capital?",) * 6, eval_limit=0, growth=False), "PLAYGROUND_MAX_BRIEF_QUESTIONS"),
        (BriefRequest(questions=("x" * 4_001,), eval_limit=0, growth=False), "PLAYGROUND_MAX_QUESTION_CHARS"),
        (BriefRequest(eval_limit=101, growth=False), "PLAYGROUND_MAX_EVAL_QUESTIONS"),
        (BriefRequest(lanes=("prompting",) * 31, eval_limit=0, growth=False), "PLAYGROUND_MAX_LANE_RUNS"),
    ],
    ids=["questions", "length", "evaluation", "lanes"],
)
def test_a_brief_past_a_limit_is_refused_before_any_lane_runs(services, scenario, request_, setting) -> None:
    workspace = services.session_workspace("alice")
    with pytest.raises(LimitError) as refused:
        build_brief(services, workspace, scenario, request_, get_hardware("Spaces CPU"))
    _one_line(refused.value, setting)
    assert services.gateway.calls == []


def test_the_brief_tab_refuses_many_question_lines(services) -> None:
    from playground.ui.brief_tab import build_brief_tab

    brief = _handler(services, build_brief_tab, "run", with_tab=False)
    lines = "\n".join(f"Question {n}?" for n in range(50))
    _, warned = _call(brief, "alice", _values(brief, **{"brief-questions": lines}))
    assert warned == [
        "the brief's number of questions is 50, over the limit of 5 (the operator can raise "
        "PLAYGROUND_MAX_BRIEF_QUESTIONS)"
    ]
    assert services.gateway.calls == [] and not services.session_workspace("alice").exports_dir.exists()


# -- evaluation: file bytes, rows, question count and length ----------------------------------------


def _eval_file(path: Path, rows: int, question: str = "Capital of France?") -> Path:
    path.write_text("".join(json.dumps({"question": question, "reference": "Paris"}) + "\n" for _ in range(rows)))
    return path


def test_an_evaluation_set_past_the_row_limit_is_refused(tmp_path) -> None:
    path = _eval_file(tmp_path / "set.jsonl", 11)
    assert len(load_eval_set(path, max_rows=11)) == 11
    with pytest.raises(LimitError) as refused:
        load_eval_set(path, max_rows=10)
    assert _one_line(refused.value, "PLAYGROUND_MAX_EVAL_ROWS").startswith(
        "set.jsonl: the number of rows is 11, over the limit of 10"
    )
    with pytest.raises(LimitError):
        load_eval_set(path, max_bytes=100)


@pytest.mark.parametrize(
    ("limits", "rows", "question", "setting"),
    [
        (Limits(eval_rows=5), 6, "Capital?", "PLAYGROUND_MAX_EVAL_ROWS"),
        (Limits(eval_questions=5), 6, "Capital?", "PLAYGROUND_MAX_EVAL_QUESTIONS"),
        (Limits(question_chars=50), 2, "Why? " * 20, "PLAYGROUND_MAX_QUESTION_CHARS"),
    ],
    ids=["rows", "questions", "length"],
)
def test_the_evaluate_tab_refuses_work_past_a_limit(services, tmp_path, limits, rows, question, setting) -> None:
    from playground.ui.evaluate_tab import build_evaluate_tab

    services.limits = limits
    evaluate = _handler(services, build_evaluate_tab, "evaluate")
    upload = _eval_file(tmp_path / "mine.jsonl", rows, question)
    values = _values(evaluate, **{"eval-upload": str(upload), "eval-sample": 0})
    _, warned = _call(evaluate, "alice", values)
    assert len(warned) == 1 and setting in warned[0] and "over the limit" in warned[0], warned
    workspace = services.session_workspace("alice")
    assert services.gateway.calls == [] and not workspace.answer_cache_file.exists()


# -- training: examples, settings, wall time ------------------------------------------------------


def test_a_training_file_past_the_example_limit_is_refused(tmp_path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_text('{"prompt": "Capital of France?", "completion": "Paris."}\n' * 8)
    assert len(load_bounded(path, None, None, Limits(train_examples=8))) == 8
    assert len(load_bounded(path, None, 3, Limits(train_examples=5))) == 3  # fewer asked for: fine
    with pytest.raises(LimitError) as refused:
        load_bounded(path, None, None, Limits(train_examples=5))
    assert "train.jsonl: the number of examples is 6, over the limit of 5" in _one_line(
        refused.value, "PLAYGROUND_MAX_TRAIN_EXAMPLES"
    )  # reading stopped one past the limit


@pytest.mark.parametrize(
    ("settings", "setting"),
    [
        (TrainSettings(max_steps=1_000_000), "PLAYGROUND_MAX_TRAIN_STEPS"),
        (TrainSettings(epochs=100), "PLAYGROUND_MAX_TRAIN_EPOCHS"),
        (TrainSettings(max_seq_length=131_072), "PLAYGROUND_MAX_TRAIN_SEQ_LENGTH"),
        (TrainSettings(batch_size=4_096), "PLAYGROUND_MAX_TRAIN_BATCH"),
        (TrainSettings(rank=512), "PLAYGROUND_MAX_TRAIN_RANK"),
        (TrainSettings(batch_size=1, epochs=5), "PLAYGROUND_MAX_TRAIN_STEPS"),  # 5 epochs of 2,000 examples
    ],
    ids=["steps", "epochs", "seq-length", "batch", "rank", "epoch-steps"],
)
def test_training_settings_past_the_public_preset_are_refused(settings, setting) -> None:
    with pytest.raises(LimitError) as refused:
        Limits().check_training(settings, examples=2_000)
    _one_line(refused.value, setting)


def test_the_presets_fit_the_default_limits() -> None:
    for preset in ("quick CPU demo", "GPU"):
        Limits().check_training(TrainSettings.from_preset(preset), examples=2_000)


def test_the_train_tab_refuses_settings_past_the_limits_and_starts_nothing(services, tmp_path, monkeypatch) -> None:
    from playground.ui.train_tab import build_train_tab

    started: list[object] = []
    monkeypatch.setattr("playground.training.jobs.subprocess.Popen", lambda *a, **k: started.append(a))
    start = _handler(services, build_train_tab, "start_job")
    data = tmp_path / "train.jsonl"
    data.write_text('{"prompt": "Capital of France?", "completion": "Paris."}\n' * 4)
    values = _values(start, **{"train-upload": str(data), "train-name": "mine", "train-rank": 512})
    _, warned = _call(start, "alice", values)
    assert len(warned) == 1 and "the LoRA rank is 512, over the limit of 64" in warned[0]
    assert started == [] and services.jobs.state(str(services.session_workspace("alice").root)).status == "idle"


def test_a_training_job_past_its_wall_time_is_stopped_with_one_line(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(
        "playground.training.jobs.train_command", lambda config: [sys.executable, "-c", "import time; time.sleep(60)"]
    )
    jobs = TrainingJobs()
    jobs.start(TrainConfig(data=tmp_path / "d.jsonl", out=tmp_path / "out"), owner="alice", max_seconds=0.5)
    process = jobs._process
    try:
        assert process.wait(timeout=20) != 0, "the job outlived its wall time"
        deadline = time.monotonic() + 10
        while jobs.state("alice").active and time.monotonic() < deadline:
            time.sleep(0.05)
        state = jobs.state("alice")
        assert state.status == TIMED_OUT and not state.active
        assert state.message == (
            "stopped after 0.5 s: the limit on a training job's wall time "
            "(the operator can raise PLAYGROUND_MAX_TRAIN_SECONDS)"
        )
    finally:
        if process.poll() is None:
            process.kill()


# -- the workshop: rooms per visitor --------------------------------------------------------------


def test_a_visitor_cannot_open_more_rooms_than_the_limit() -> None:
    rooms = Rooms(per_host=2)
    codes = [rooms.open(host="alice"), rooms.open(host="alice")]
    with pytest.raises(LimitError) as refused:
        rooms.open(host="alice")
    assert _one_line(refused.value, "PLAYGROUND_MAX_ROOMS_PER_VISITOR") == (
        "workshop rooms open by this visitor is 3, over the limit of 2 "
        "(the operator can raise PLAYGROUND_MAX_ROOMS_PER_VISITOR)"
    )
    assert len(rooms) == 2 and all(rooms.view(code).code == code for code in codes)
    rooms.open(host="bob")  # another visitor is not held back by alice's rooms
    assert len(rooms) == 3


def test_the_workshop_tab_keys_rooms_by_the_visitor(services) -> None:
    from playground.ui.workshop_tab import build_workshop_tab

    services.limits = Limits(rooms_per_visitor=1)
    open_new = _handler(services, build_workshop_tab, "open_new")
    first, warned = _call(open_new, "alice", [""])
    assert warned == [] and first[0]
    again, warned = _call(open_new, "alice", [""])
    assert len(warned) == 1 and "PLAYGROUND_MAX_ROOMS_PER_VISITOR" in warned[0]
    assert all(v == gr.skip() for v in again)
    other, warned = _call(open_new, "bob", [""])
    assert warned == [] and other[0] != first[0]


def test_a_private_app_keeps_the_wider_local_bounds_and_a_setting_still_wins() -> None:
    local = Limits.from_env({}, public=False)
    assert local.eval_questions >= 250, "a whole shipped test set runs from the tab"
    assert local.train_steps > Limits().train_steps and local.question_chars == 32_000
    assert Limits.from_env({"PLAYGROUND_MAX_EVAL_QUESTIONS": "7"}, public=False).eval_questions == 7
