"""Saved answers: rows the trainer reads, every bad value refused with one line, nothing ever lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from playground.scenarios import Scenario
from playground.training.curation import BAD, GOOD, CurationError, SavedAnswers
from playground.training.data import load_training_file
from playground.workspace import WorkspaceFullError, workspace_for

SYSTEM = "You are the support desk. Answer briefly."


def _saved(tmp_path: Path, **kwargs: object) -> SavedAnswers:
    return SavedAnswers(tmp_path / "saved", **kwargs)


def _save(saved: SavedAnswers, answer: object = "Restart the router.", mark: object = GOOD, **kwargs: object) -> int:
    values = {"question": "The wifi is down?", "system": SYSTEM, "lane": "rag", "model": "embedded", **kwargs}
    question = values.pop("question")
    return saved.save(question, answer, mark, **values)


def test_a_good_answer_becomes_a_chat_example_the_trainer_reads(tmp_path: Path) -> None:
    saved = _saved(tmp_path)
    assert _save(saved, "  Restart the router, then call us.  ") == 1
    assert _save(saved, "Check the cable.", question="And the cable?", lane="finetuned", model="m2") == 2

    training = load_training_file(saved.training_file)
    assert len(training) == 2 and training.format == "chat"
    assert training.conversations[0] == (
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": "The wifi is down?"},
        {"role": "assistant", "content": "Restart the router, then call us."},  # edges trimmed
    )
    first = json.loads(saved.training_file.read_text().splitlines()[0])
    assert (first["lane"], first["model"], first["mark"]) == ("rag", "embedded", GOOD)
    assert saved.count() == 2 and [r.answer for r in saved.last(1)] == ["Check the cable."]
    assert saved.last(5)[0].lane == "rag" and saved.last(5)[1].question == "And the cable?"


def test_no_system_message_when_the_adapter_trained_without_one(tmp_path: Path) -> None:
    saved = _saved(tmp_path)
    _save(saved, system="  ")
    assert [m["role"] for m in load_training_file(saved.training_file).conversations[0]] == ["user", "assistant"]


def test_a_bad_answer_is_kept_apart_and_never_trained_on(tmp_path: Path) -> None:
    saved = _saved(tmp_path)
    _save(saved, "Good one.")
    assert _save(saved, "Wrong one.", mark=BAD) == 1
    assert saved.count() == 1 and saved.count(BAD) == 1
    assert "Wrong one." not in saved.training_file.read_text()
    assert json.loads(saved.rejected_file.read_text())["mark"] == BAD


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"mark": None}, "mark the answer good or bad"),
        ({"mark": "great"}, "mark the answer good or bad"),
        ({"answer": "   "}, "the answer is empty"),
        ({"answer": ["a list"]}, "the answer must be text"),
        ({"answer": None}, "the answer must be text"),
        ({"answer": "x" * 41}, "the answer is 41 characters, over the limit of 40"),
        ({"question": ""}, "the question is empty"),
        ({"question": 7}, "the question must be text"),
        ({"question": "q" * 31}, "the question is 31 characters, over the limit of 30"),
        ({"lane": ""}, "the lane is empty"),
        ({"model": {"x": 1}}, "the model must be text"),
    ],
)
def test_a_malformed_save_is_refused_with_one_line_and_changes_nothing(
    tmp_path: Path, changes: dict, message: str
) -> None:
    saved = _saved(tmp_path, max_answer_chars=40, max_question_chars=30)
    _save(saved, "Kept.")
    before = saved.training_file.read_bytes()
    with pytest.raises(CurationError) as refused:
        _save(saved, **changes)
    assert message in refused.value.message and "\n" not in refused.value.message
    assert saved.training_file.read_bytes() == before
    assert not saved.rejected_file.exists()


def test_a_full_set_refuses_the_next_row_and_keeps_every_old_one(tmp_path: Path) -> None:
    saved = _saved(tmp_path, max_rows=3)
    for n in range(3):
        _save(saved, f"answer {n}")
    with pytest.raises(CurationError, match="hold 3 examples, the most one set may hold"):
        _save(saved, "one too many")
    assert [r.answer for r in saved.last(10)] == ["answer 0", "answer 1", "answer 2"]
    assert _save(saved, "a bad one still fits its own file", mark=BAD) == 1


def test_existing_rows_survive_a_file_without_a_final_newline(tmp_path: Path) -> None:
    saved = _saved(tmp_path)
    _save(saved, "first")
    saved.training_file.write_bytes(saved.training_file.read_bytes().rstrip(b"\n"))
    assert _save(saved, "second") == 2
    assert [r.answer for r in saved.last(2)] == ["first", "second"]
    assert not [p.name for p in saved.folder.iterdir() if p.name.endswith(".tmp")]  # no staging file left


def test_a_failed_write_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    saved = _saved(tmp_path)
    _save(saved, "first")
    before = saved.training_file.read_bytes()

    def broken_replace(*_args: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr("playground.training.curation.os.replace", broken_replace)
    with pytest.raises(OSError):
        _save(saved, "second")
    assert saved.training_file.read_bytes() == before
    assert not [p.name for p in saved.folder.iterdir() if p.name.endswith(".tmp")]


def test_the_workspace_disk_cap_is_checked_before_writing(tmp_path: Path) -> None:
    workspace = workspace_for(tmp_path, "visitor", max_bytes=10)
    saved = SavedAnswers(workspace.root / "support" / "saved", check_room=workspace.check_room)
    with pytest.raises(WorkspaceFullError):
        _save(saved)
    assert saved.count() == 0


def test_each_workspace_and_scenario_has_its_own_set(tmp_path: Path) -> None:
    one = Scenario("support", tmp_path / "support", "Support", "", "s")
    other = Scenario("pricing", tmp_path / "pricing", "Pricing", "", "s")
    alice, bob = workspace_for(tmp_path, "alice"), workspace_for(tmp_path, "bob")
    _save(SavedAnswers.of(alice, one), "alice's")
    assert SavedAnswers.of(alice, one).count() == 1
    assert SavedAnswers.of(bob, one).count() == 0
    assert SavedAnswers.of(alice, other).count() == 0
    assert SavedAnswers.of(alice, one).training_file.is_relative_to(alice.root)
