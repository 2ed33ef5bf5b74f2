"""One error base class: each user-facing error carries a one-line message and an exit code."""

from __future__ import annotations

import pytest

from playground.cli import main
from playground.cli.common import CommandError
from playground.cli.knowledge import InputError
from playground.errors import PlaygroundError, UsageError
from playground.evaluation.sets import EvalSetError
from playground.knowledge.base import UploadError
from playground.knowledge.embedding import EmbedderError
from playground.knowledge.parsing import DocumentError
from playground.knowledge.store import StoreError
from playground.llm import ModelError
from playground.local_models import LocalModelError
from playground.scenarios import ScenarioError
from playground.training.data import TrainingDataError
from playground.training.jobs import JobError
from playground.training.registry import AdapterError
from playground.training.settings import SettingsError
from playground.training.trainer import TrainingError


@pytest.mark.parametrize(
    ("error", "old_base", "code"),
    [
        (CommandError, Exception, 1),
        (InputError, Exception, 2),
        (EvalSetError, ValueError, 1),
        (UploadError, ValueError, 1),
        (DocumentError, ValueError, 1),
        (EmbedderError, RuntimeError, 1),
        (StoreError, RuntimeError, 1),
        (ModelError, RuntimeError, 2),
        (LocalModelError, RuntimeError, 1),
        (ScenarioError, ValueError, 1),
        (TrainingDataError, ValueError, 1),
        (JobError, RuntimeError, 1),
        (AdapterError, ValueError, 1),
        (SettingsError, ValueError, 2),
        (TrainingError, RuntimeError, 1),
    ],
)
def test_user_errors_share_the_base_and_keep_their_old_one(error: type, old_base: type, code: int) -> None:
    exc = error("something\n  went wrong")
    assert isinstance(exc, PlaygroundError) and isinstance(exc, old_base)
    assert exc.exit_code == code and exc.message == "something went wrong"


def test_usage_errors_exit_2_and_the_code_can_be_given() -> None:
    assert UsageError("bad flag").exit_code == 2
    assert PlaygroundError("x").exit_code == 1 and PlaygroundError("x", exit_code=3).exit_code == 3
    assert PlaygroundError().message == "PlaygroundError"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "d.jsonl", "--out", "adapters/x", "--rank", "0"], "argument --rank: must be at least 1"),
        (["train", "d.jsonl", "--out", "adapters/x", "--csv-prompt", "q"], "--csv-prompt and --csv-completion go"),
        (["ingest", "no-such-file.md", "--store", "store"], "no-such-file.md: no such file or folder"),
        (["eval", "--limit", "0"], "argument --limit: must be at least 1"),
        (["serve-model", "--port", "eighty"], "argument --port: invalid int value: 'eighty'"),
        (["nonsense"], "argument command: invalid choice: 'nonsense'"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args: list[str], message: str, capsys) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("playground: error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err
