"""The training job: the child's command line, and its outcome read from JSON events, not from text."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from playground.training.jobs import TrainingJobs, ValidationReading, train_command, validation_reading
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


def test_the_command_line_names_the_scenario_and_metric_only_when_set(tmp_path: Path) -> None:
    plain = train_command(TrainConfig(data=tmp_path / "d.jsonl", out=tmp_path / "a"))
    assert "--scenario" not in plain and "--metric" not in plain
    assert plain[plain.index("--validation-fraction") + 1] == "0.1"
    assert plain[plain.index("--validation-generate") + 1] == "32"
    config = TrainConfig(data=tmp_path / "d.jsonl", out=tmp_path / "a", scenario="product-pricing", metric="hit_rate")
    command = train_command(config)
    assert command[command.index("--scenario") + 1] == "product-pricing"
    assert command[command.index("--metric") + 1] == "hit_rate"


def test_validation_events_become_readings_and_a_malformed_one_is_skipped() -> None:
    events = [
        {"event": "step", "step": 4, "max_steps": 8, "loss": 2.5, "eta_s": 3.0},
        {"event": "validation", "epoch": 1.0, "step": 4, "eval_loss": 2.25, "metric": "mae", "metric_value": 12.5}
        | {"higher_is_better": False, "examples": 2},
        {"event": "validation", "step": "eight"},
        {"event": "validation", "epoch": 2.0, "step": 8, "eval_loss": 1.75, "metric": None, "metric_value": None},
    ]
    lines = "; ".join(f"print({json.dumps(e)!r}, file=sys.stderr)" for e in events)
    state = _follow(f"import sys; {lines}; print({json.dumps({'steps': 8, 'train_loss': 2.0})!r})").state()
    assert state.status == "done" and state.losses == ((4, 2.5),)
    assert state.validation == (
        ValidationReading(step=4, epoch=1.0, eval_loss=2.25, metric="mae", metric_value=12.5, higher_is_better=False),
        ValidationReading(step=8, epoch=2.0, eval_loss=1.75, metric=None, metric_value=None),
    )
    assert validation_reading({"event": "validation", "epoch": 1}) is None  # no step


def test_a_validation_event_says_so_in_the_running_message() -> None:
    jobs = TrainingJobs()
    jobs._on_event(
        {"event": "validation", "epoch": 1.0, "step": 4, "eval_loss": 2.25, "metric": "hit_rate"}
        | {"metric_value": 0.5}
    )
    state = jobs.state()
    assert state.message == "validation at step 4 (epoch 1), loss 2.2500, hit_rate 0.500"
