"""Background training: one job at a time, in a child process, with progress read from its stderr.

The child is `python -m playground train ... --progress --json`: Unsloth is imported first there,
a crash cannot take the app down, cancelling is a terminate, and the memory comes back. Its
progress, and its error if it fails, arrive as JSON events on stderr; other output is only logged.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from playground.config import REPO_ROOT
from playground.errors import PlaygroundError
from playground.limits import Limits
from playground.training.trainer import TrainConfig

log = logging.getLogger(__name__)


TIMED_OUT = "timed-out"  # a job stopped at its wall-time limit (a final status, as "cancelled")
TIME_SETTING = Limits.setting("train_seconds")
BUSY_MESSAGE = "another session is training an adapter (one job at a time on this machine): try again later"


class JobError(PlaygroundError, RuntimeError):
    """A job cannot be started (another one runs)."""


@dataclass(frozen=True)
class ValidationReading:
    """One `validation` progress event: where in training, the held-out loss and the metric's value."""

    step: int
    epoch: float
    eval_loss: float | None
    metric: str | None
    metric_value: float | None
    higher_is_better: bool = True


def validation_reading(event: dict[str, Any]) -> ValidationReading | None:
    """The reading a `validation` event carries, or None when the event is malformed (it is then only logged)."""
    try:
        loss, value = event.get("eval_loss"), event.get("metric_value")
        return ValidationReading(
            step=int(event["step"]),
            epoch=float(event.get("epoch") or 0.0),
            eval_loss=None if loss is None else float(loss),
            metric=None if event.get("metric") is None else str(event["metric"]),
            metric_value=None if value is None else float(value),
            higher_is_better=event.get("higher_is_better") is not False,
        )
    except (KeyError, TypeError, ValueError):
        return None


@dataclass(frozen=True)
class JobState:
    """What the Train tab shows: status, progress, the loss and validation curves and the outcome."""

    status: str = "idle"  # idle, starting, running, done, failed, cancelled, timed-out
    step: int = 0
    max_steps: int = 0
    losses: tuple[tuple[int, float], ...] = ()
    validation: tuple[ValidationReading, ...] = ()  # one per evaluation of the held-out slice
    elapsed_s: float = 0.0
    eta_s: float | None = None
    message: str = ""
    adapter: str | None = None
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.status in ("starting", "running")

    @property
    def fraction(self) -> float:
        return self.step / self.max_steps if self.max_steps else 0.0


def train_command(config: TrainConfig) -> list[str]:
    """The child process's command line for this configuration."""
    command = [sys.executable, "-m", "playground", "train", str(config.data), "--out", str(config.out)]
    command += ["--base", config.base, *config.settings.argv(), "--progress", "--json"]
    if config.scenario:
        command += ["--scenario", config.scenario]
    if config.metric:
        command += ["--metric", config.metric]
    if config.csv_mapping:
        command += [
            "--csv-prompt",
            config.csv_mapping.prompt_column,
            "--csv-completion",
            config.csv_mapping.completion_column,
        ]
    return command


class TrainingJobs:
    """Runs at most one training job; its state can be read at any time from any thread."""

    def __init__(self, cwd: Path = REPO_ROOT) -> None:
        self.cwd = cwd
        self._state = JobState()
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._started = 0.0
        self._out: Path | None = None
        self._owner: str | None = None

    def state(self, owner: str | None = None) -> JobState:
        """The job's state; to anyone but the `owner` who started it, only that the machine is busy."""
        with self._lock:
            if owner is not None and owner != self._owner:
                if self._state.active:
                    return JobState(status="busy", message=BUSY_MESSAGE)
                return JobState()
            if self._state.active:
                return replace(self._state, elapsed_s=round(time.perf_counter() - self._started, 1))
            return self._state

    def start(self, config: TrainConfig, owner: str | None = None, max_seconds: float | None = None) -> None:
        """Start training in a child process; `owner` (a workspace) alone may see and cancel it.

        With `max_seconds`, a job still running after that long is stopped and says which limit it hit.
        """
        with self._lock:
            if self._state.active:
                if owner is not None and owner != self._owner:
                    raise JobError(BUSY_MESSAGE)
                raise JobError("a training job is already running: wait for it or cancel it")
            for stale in config.out.parent.glob(f".{config.out.name}.*"):
                shutil.rmtree(stale, ignore_errors=True)  # staging left by a killed job
            self._started = time.perf_counter()
            self._out = config.out
            self._owner = owner
            self._state = JobState(status="starting", message="starting the trainer…", adapter=config.out.name)
            self._process = subprocess.Popen(
                train_command(config),
                cwd=self.cwd,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=os.environ | {"PYTHONUNBUFFERED": "1"},
                start_new_session=True,
            )
        threading.Thread(target=self._follow, args=(self._process,), daemon=True, name="train-job").start()
        if max_seconds is not None:
            timer = threading.Timer(max_seconds, self._time_out, args=(self._process, max_seconds))
            timer.daemon = True
            timer.start()

    def _time_out(self, process: subprocess.Popen, max_seconds: float) -> None:
        """Stop `process` if it is still the running job: it has used up its wall time."""
        with self._lock:
            if process is not self._process or not self._state.active:
                return
            message = (
                f"stopped after {max_seconds:,g} s: the limit on a training job's wall time "
                f"(the operator can raise {TIME_SETTING})"
            )
            self._state = replace(self._state, status=TIMED_OUT, message=message)
            os.killpg(process.pid, signal.SIGTERM)

    def cancel(self, owner: str | None = None) -> bool:
        """Stop the running job (only its owner's request does, when an owner is given)."""
        with self._lock:
            if not self._state.active or self._process is None:
                return False
            if owner is not None and owner != self._owner:
                return False
            self._state = replace(self._state, status="cancelled", message="cancelled")
            os.killpg(self._process.pid, signal.SIGTERM)
            return True

    def cancel_under(self, folder: Path) -> bool:
        """Cancel the running job if it writes into this folder (a workspace being removed)."""
        with self._lock:
            out = self._out
        if out is None or not out.resolve().is_relative_to(folder.resolve()):
            return False
        return self.cancel()

    def _update(self, **changes: Any) -> None:
        with self._lock:
            if self._state.status not in ("cancelled", TIMED_OUT):
                self._state = replace(self._state, **changes)

    def _follow(self, process: subprocess.Popen) -> None:
        error: str | None = None  # the child's own "error" event, if it reported one
        for raw in process.stderr:
            line = raw.split("\r")[-1].strip()  # a progress bar may share the line
            event = _event(line)
            if event is None:
                if line:
                    log.debug("trainer: %s", line)
            elif event.get("event") == "error":
                error = str(event.get("message"))
            else:
                self._on_event(event)
        stdout = process.stdout.read()
        code = process.wait()
        elapsed = round(time.perf_counter() - self._started, 1)
        if code == 0:
            result = json.loads(stdout.strip().splitlines()[-1])
            self._update(
                status="done",
                result=result,
                elapsed_s=elapsed,
                eta_s=0.0,
                message=f"done: {result['steps']} steps, loss {result['train_loss']}",
            )
        else:
            self._update(status="failed", elapsed_s=elapsed, message=error or f"the trainer exited with code {code}")

    def _on_event(self, event: dict[str, Any]) -> None:
        if event.get("event") == "loading":
            self._update(
                status="running",
                message=f"loading {event.get('base')} on {event.get('device')} ({event.get('examples')} examples)…",
            )
        elif event.get("event") == "step":
            with self._lock:
                losses = (*self._state.losses, (int(event["step"]), float(event["loss"])))
            self._update(
                status="running",
                step=int(event["step"]),
                max_steps=int(event["max_steps"]),
                losses=losses,
                eta_s=event.get("eta_s"),
                message=f"step {event['step']}/{event['max_steps']}, loss {event['loss']:.4f}",
            )
        elif event.get("event") == "validation":
            reading = validation_reading(event)
            if reading is None:
                log.debug("trainer: malformed validation event %s", event)
                return
            with self._lock:
                readings = (*self._state.validation, reading)
            self._update(status="running", validation=readings, message=_validation_message(reading))
        elif event.get("event") == "restored":
            self._update(
                status="running",
                message=f"kept the weights of step {event.get('step')} (epoch {event.get('epoch')}): "
                "the best on the validation slice",
            )


def _validation_message(reading: ValidationReading) -> str:
    parts = [f"validation at step {reading.step} (epoch {reading.epoch:g})"]
    if reading.eval_loss is not None:
        parts.append(f"loss {reading.eval_loss:.4f}")
    if reading.metric and reading.metric_value is not None:
        parts.append(f"{reading.metric} {reading.metric_value:.3f}")
    return ", ".join(parts)


def _event(line: str) -> dict[str, Any] | None:
    """A JSON progress event from one line of the child's stderr, or None for any other output."""
    if not line.startswith("{"):
        return None
    try:
        event = json.loads(line)
    except ValueError:
        return None
    return event if isinstance(event, dict) else None
