"""The training job: the child's command line, and its outcome read from JSON events, not from text."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from playground.training.jobs import TrainingJobs, train_command
from playground.training.settings import TrainSettings
from playground.training.trainer import TrainConfig


def test_job_command_line_carries_every_setting(tmp_path: Path) -> None:
    settings = TrainSettings(max_steps=2, rank=4, learning_rate=1e-3)
    command = train_command(TrainConfig(data=tmp_path / "d.jsonl", out=tmp_path / "a", settings=settings))
    assert command[1:5] == ["-m", "playground", "train", str(tmp_path / "d.jsonl")]
    for flag, value in [
        ("--out", str(tmp_path / "a")),
        ("--max-steps", "2"),
        ("--rank", "4"),
        ("--learning-rate", "0.001"),
        ("--alpha", "16"),
        ("--seed", "3407"),
    ]:
        assert command[command.index(flag) + 1] == value
    assert "--progress" in command and "--json" in command


def _follow(script: str) -> TrainingJobs:
    """Run a stand-in child that writes `script`'s stderr and exit code, as the job follows it."""
    jobs = TrainingJobs()
    jobs._started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    jobs._follow(process)
    return jobs


def test_a_failed_child_reports_its_error_event() -> None:
    error = json.dumps({"event": "error", "message": "bad.jsonl: line 2: not valid JSON"})
    step = json.dumps({"event": "step", "step": 1, "max_steps": 2, "loss": 1.5, "eta_s": 3.0})
    script = f"import sys; print({step!r}, file=sys.stderr); print('noise', file=sys.stderr); "
    script += f"print({error!r}, file=sys.stderr); print('playground: error: other text', file=sys.stderr); sys.exit(1)"
    state = _follow(script).state()
    assert state.status == "failed" and state.message == "bad.jsonl: line 2: not valid JSON"
    assert state.losses == ((1, 1.5),)


def test_a_child_that_dies_without_an_event_reports_its_exit_code() -> None:
    state = _follow("import sys; print('playground: error: text is not read', file=sys.stderr); sys.exit(3)").state()
    assert state.status == "failed" and state.message == "the trainer exited with code 3"


def test_a_finished_child_reports_its_result() -> None:
    result = json.dumps({"adapter": "a", "steps": 2, "train_loss": 0.5})
    state = _follow(f"print({result!r})").state()
    assert state.status == "done" and state.message == "done: 2 steps, loss 0.5"
