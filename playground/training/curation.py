"""Saved answers: a visitor's Compare answers, marked and maybe edited, kept as training examples.

One chat JSONL file per workspace and scenario (`saved-answers.jsonl` in the workspace's scenario
folder), in the form `training.data` reads: the system message the scenario's adapter trains with,
the question, the chosen answer. Each row also records where the answer came from (`lane`, `model`)
and its `mark`; the loader ignores fields it does not know. Answers marked bad go to a side file
(`rejected-answers.jsonl`) in the same form, kept for later (preference pairs), never trained on.

Every value is checked here, not in a widget: anyone can call the endpoint with anything. A save
writes the whole file anew to a temporary file and renames it over the old one, under a lock
file, so a crash or two saves at once never lose a row.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playground.errors import UsageError
from playground.scenarios import Scenario
from playground.training.data import load_training_bytes
from playground.workspace import Workspace

GOOD, BAD = "good", "bad"
MARKS: tuple[str, ...] = (GOOD, BAD)
TRAINING_FILE = "saved-answers.jsonl"
REJECTED_FILE = "rejected-answers.jsonl"
MAX_ANSWER_CHARS = 4_000  # an edited answer past this is refused, not cut
MAX_QUESTION_CHARS = 4_000  # Limits.question_chars' default; the UI passes the host's own
MAX_ROWS = 500  # per file: enough to train on, small enough to read whole on every save
MAX_LABEL_CHARS = 200  # a lane or model name


class CurationError(UsageError):
    """A save that cannot be done: a bad value, a full set. str(exc) is one line."""


@dataclass(frozen=True)
class SavedRow:
    """One saved example as the Train tab previews it."""

    question: str
    answer: str
    mark: str
    lane: str
    model: str


@dataclass(frozen=True)
class SavedAnswers:
    """The saved answers of one workspace for one scenario: the training file and the rejected one."""

    folder: Path
    max_rows: int = MAX_ROWS
    max_answer_chars: int = MAX_ANSWER_CHARS
    max_question_chars: int = MAX_QUESTION_CHARS
    check_room: Callable[[int, str], None] | None = None  # the workspace's disk cap, before a byte is written

    @classmethod
    def of(cls, workspace: Workspace, scenario: Scenario, max_question_chars: int = MAX_QUESTION_CHARS) -> SavedAnswers:
        """The saved answers `workspace` keeps for `scenario`."""
        return cls(
            workspace.scenario_dir(scenario) / "saved",
            max_question_chars=max_question_chars,
            check_room=workspace.check_room,
        )

    @property
    def training_file(self) -> Path:
        return self.folder / TRAINING_FILE

    @property
    def rejected_file(self) -> Path:
        return self.folder / REJECTED_FILE

    def file_for(self, mark: str) -> Path:
        return self.training_file if mark == GOOD else self.rejected_file

    def count(self, mark: str = GOOD) -> int:
        """How many examples are saved with this mark (0 when none ever were)."""
        return len(_lines(self.file_for(mark)))

    def last(self, n: int = 3, mark: str = GOOD) -> list[SavedRow]:
        """The last `n` rows saved with this mark, oldest first."""
        lines = _lines(self.file_for(mark))
        return [_row(line) for line in lines[-n:]] if n > 0 else []

    def save(self, question: object, answer: object, mark: object, *, system: str, lane: object, model: object) -> int:
        """Append one example (good: the training file; bad: the rejected one); how many that file now holds.

        Raises CurationError, with one line, for a malformed value or a full file; the file is unchanged then.
        """
        record = self.record(question, answer, mark, system=system, lane=lane, model=model)
        line = json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n"
        load_training_bytes(TRAINING_FILE, line)  # the trainer reads what is saved (raises if it could not)
        path = self.file_for(record["mark"])
        self.folder.mkdir(parents=True, exist_ok=True)
        with _locked(self.folder / ".lock"):
            existing = path.read_bytes() if path.exists() else b""
            rows = len(_split(existing))
            if rows >= self.max_rows:
                kind = "saved answers" if record["mark"] == GOOD else "answers marked bad"
                raise CurationError(f"your {kind} for this scenario hold {rows} examples, the most one set may hold")
            if self.check_room is not None:
                self.check_room(len(line), "this answer")
            if existing and not existing.endswith(b"\n"):
                existing += b"\n"
            _write_atomically(path, existing + line)
        return rows + 1

    def record(
        self, question: object, answer: object, mark: object, *, system: str, lane: object, model: object
    ) -> dict:
        """The JSONL record of one example, every value checked; CurationError names the first bad one."""
        if mark not in MARKS:
            raise CurationError("mark the answer good or bad before saving it")
        question_text = _text("the question", question, self.max_question_chars)
        answer_text = _text("the answer", answer, self.max_answer_chars)
        messages = [{"role": "system", "content": system}] if system.strip() else []
        messages += [{"role": "user", "content": question_text}, {"role": "assistant", "content": answer_text}]
        return {
            "messages": messages,
            "lane": _text("the lane", lane, MAX_LABEL_CHARS),
            "model": _text("the model", model, MAX_LABEL_CHARS),
            "mark": mark,
        }


def _text(what: str, value: object, limit: int) -> str:
    if not isinstance(value, str):
        raise CurationError(f"{what} must be text")
    clean = value.strip()
    if not clean:
        raise CurationError(f"{what} is empty: nothing to save")
    if len(clean) > limit:
        raise CurationError(f"{what} is {len(clean):,} characters, over the limit of {limit:,}")
    return clean


def _lines(path: Path) -> list[bytes]:
    try:
        return _split(path.read_bytes())
    except FileNotFoundError:
        return []


def _split(data: bytes) -> list[bytes]:
    return [line for line in data.split(b"\n") if line.strip()]


def _row(line: bytes) -> SavedRow:
    """A saved line as a row; the file is only written here, so a line that does not parse is damage."""
    try:
        record = json.loads(line)
        turns = {m["role"]: m["content"] for m in record["messages"]}
        return SavedRow(turns["user"], turns["assistant"], record["mark"], record["lane"], record["model"])
    except (ValueError, KeyError, TypeError) as exc:
        raise CurationError("a saved answer cannot be read back: the file was changed outside the app") from exc


@contextmanager
def _locked(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive lock on `lock_file` (saves from two pages, or two processes, take turns)."""
    with lock_file.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` by `data` all at once: a reader sees the old file or the new one, never half."""
    staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with staging.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(staging, path)
    finally:
        staging.unlink(missing_ok=True)
