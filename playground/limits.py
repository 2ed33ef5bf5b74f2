"""Limits on the size of work one request may ask for, read once from PLAYGROUND_* variables.

Anyone can call a Gradio endpoint directly with any value, so every limit is checked where the work
is done, not in a widget. Work past a limit is refused with one line that names the limit and the
setting an operator raises it with. The defaults suit a public Space on a small CPU machine; on a
private app (public mode off, see hosting.public_mode) they are the wider bounds a single user had
before (LOCAL_DEFAULTS), so a team can still run a whole shipped test set or a long training job.
Either way a PLAYGROUND_MAX_* variable sets a limit exactly. The upload size itself is
`Settings.max_upload_mb` (PLAYGROUND_MAX_UPLOAD_MB), checked here by
`check_file_size` before a file is read.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playground.config import SettingError
from playground.errors import UsageError

if TYPE_CHECKING:
    from playground.training.settings import TrainSettings

UPLOAD_SETTING = "PLAYGROUND_MAX_UPLOAD_MB"


class LimitError(UsageError):
    """Work past a configured limit (a usage error: exit code 2); the message names the setting."""


def over_limit(what: str, value: float, limit: float, setting: str) -> LimitError:
    """The one line for `what` at `value`, past `limit`: which limit, and which setting raises it."""
    return LimitError(f"{what} is {value:,g}, over the limit of {limit:,g} (the operator can raise {setting})")


def _mb(count: float) -> str:
    return f"{count / 1024 / 1024:.1f} MB"


def check_file_size(path: Path, max_bytes: int, what: str = "the upload") -> int:
    """The file's size, read from the file system before a byte of it is; LimitError past `max_bytes`."""
    try:
        size = Path(path).stat().st_size
    except OSError as exc:
        raise UsageError(f"{Path(path).name}: cannot be read ({exc.strerror or exc})") from exc
    if size > max_bytes:
        raise LimitError(
            f"{Path(path).name}: {what} is {_mb(size)}, over the limit of {_mb(max_bytes)} "
            f"(the operator can raise {UPLOAD_SETTING})"
        )
    return size


def _limit(default: float, setting: str, what: str) -> Any:
    return field(default=default, metadata={"setting": setting, "what": what})


@dataclass(frozen=True)
class Limits:
    """How much work one request may ask for; pass it in (Services.limits), never read a global."""

    question_chars: int = _limit(4_000, "PLAYGROUND_MAX_QUESTION_CHARS", "the question's length in characters")
    brief_questions: int = _limit(5, "PLAYGROUND_MAX_BRIEF_QUESTIONS", "the brief's number of questions")
    eval_rows: int = _limit(1_000, "PLAYGROUND_MAX_EVAL_ROWS", "the evaluation set's number of rows")
    eval_questions: int = _limit(100, "PLAYGROUND_MAX_EVAL_QUESTIONS", "the questions in one evaluation")
    lane_runs: int = _limit(30, "PLAYGROUND_MAX_LANE_RUNS", "the answers one request waits for (Repeat x lanes)")
    train_examples: int = _limit(5_000, "PLAYGROUND_MAX_TRAIN_EXAMPLES", "the training set's number of examples")
    train_steps: int = _limit(500, "PLAYGROUND_MAX_TRAIN_STEPS", "training steps")
    train_epochs: float = _limit(5.0, "PLAYGROUND_MAX_TRAIN_EPOCHS", "training epochs")
    train_seq_length: int = _limit(2_048, "PLAYGROUND_MAX_TRAIN_SEQ_LENGTH", "the training max sequence length")
    train_batch: int = _limit(32, "PLAYGROUND_MAX_TRAIN_BATCH", "the training batch size")
    train_rank: int = _limit(64, "PLAYGROUND_MAX_TRAIN_RANK", "the LoRA rank")
    train_seconds: float = _limit(3_600.0, "PLAYGROUND_MAX_TRAIN_SECONDS", "a training job's seconds")
    rooms_per_visitor: int = _limit(3, "PLAYGROUND_MAX_ROOMS_PER_VISITOR", "workshop rooms open by one visitor")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, public: bool = True) -> Limits:
        """Limits from PLAYGROUND_* variables; an unset one keeps its default, a bad one is one clear line.

        `public`: the public defaults (a stranger's request); otherwise the private app's wider ones.
        """
        env = os.environ if environ is None else environ
        values: dict[str, float] = {} if public else dict(LOCAL_DEFAULTS)
        for f in fields(cls):
            text = env.get(f.metadata["setting"], "").strip()
            if text:
                values[f.name] = _parse(f.metadata["setting"], text, int if f.type == "int" else float)
        return cls(**values)

    @staticmethod
    def setting(name: str) -> str:
        """The PLAYGROUND_* variable that sets the limit called `name` (e.g. "lane_runs")."""
        return _FIELDS[name].metadata["setting"]

    def check(self, name: str, value: float) -> None:
        """LimitError when `value` is past the limit called `name`; the message names its setting."""
        limit = getattr(self, name)
        if value > limit:
            meta = _FIELDS[name].metadata
            raise over_limit(meta["what"], value, limit, meta["setting"])

    def question(self, text: str | None) -> str:
        """A question cleaned as every lane takes it (see lanes.check_question), within question_chars."""
        from playground.lanes import check_question

        clean = check_question(text)
        self.check("question_chars", len(clean))
        return clean

    def check_evaluation(self, questions: Sequence[str]) -> None:
        """An evaluation's questions: how many are asked, and each one's length."""
        self.check("eval_questions", len(questions))
        for number, question in enumerate(questions, start=1):
            if len(question) > self.question_chars:
                raise over_limit(
                    f"question {number}'s length in characters",
                    len(question),
                    self.question_chars,
                    self.setting("question_chars"),
                )

    def check_lane_runs(self, repeats: int, lanes: int) -> None:
        """Compare's Repeat (or the brief's questions) times the lanes chosen: each is one answer to wait for."""
        self.check("lane_runs", repeats * lanes)

    def check_training(self, settings: TrainSettings, examples: int | None = None) -> None:
        """Training settings within this host's preset: steps, epochs, sequence length, batch and rank.

        With the number of `examples`, the steps the epochs make (when Max steps is off) count too.
        """
        self.check("train_epochs", settings.epochs)
        steps = settings.max_steps
        if steps is None and examples is not None:
            steps = math.ceil(math.ceil(examples / settings.batch_size) * settings.epochs)
        if steps is not None:
            self.check("train_steps", steps)
        self.check("train_seq_length", settings.max_seq_length)
        self.check("train_batch", settings.batch_size)
        self.check("train_rank", settings.rank)

    def table(self) -> list[tuple[str, float, str]]:
        """(setting, default, what it bounds) for every limit: the README's table."""
        return [(f.metadata["setting"], f.default, f.metadata["what"]) for f in fields(Limits)]


_FIELDS = {f.name: f for f in fields(Limits)}

# A private app's defaults: the bounds its widgets and commands had before public limits existed.
LOCAL_DEFAULTS: dict[str, float] = {
    "question_chars": 32_000,
    "brief_questions": 200,
    "eval_rows": 100_000,
    "eval_questions": 10_000,
    "lane_runs": 50 * 10,
    "train_examples": 1_000_000,
    "train_steps": 1_000_000,
    "train_epochs": 100.0,
    "train_seq_length": 131_072,
    "train_batch": 4_096,
    "train_rank": 512,
    "train_seconds": 7 * 24 * 3600.0,
    "rooms_per_visitor": 1_000,
}


def _parse(name: str, text: str, kind: type) -> float:
    """A positive number from a variable's text, or one clear SettingError."""
    what = "a whole number" if kind is int else "a number"
    try:
        value = kind(text)
    except ValueError:
        raise SettingError(f"{name}={text!r} is not {what}: set it to {what} or unset it") from None
    if not value > 0:  # also refuses NaN
        raise SettingError(f"{name}={text!r} must be more than 0: set a positive limit or unset it")
    return value
