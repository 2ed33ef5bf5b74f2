"""Running lanes: one question through one lane, or through several at once.

The Compare tab, the command line and batch evaluation all call these, so the interactive and
headless paths share one tested code path.
"""

from __future__ import annotations

import queue
import re
import threading
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace

from playground.costs.hardware import get_hardware
from playground.costs.pricing import priced
from playground.errors import PlaygroundError, UsageError
from playground.lanes.base import ChatGateway, LaneContext, LaneOptions
from playground.lanes.registry import get_lane
from playground.provider_keys import redact
from playground.records import Answer
from playground.scenarios import Scenario


class EmptyQuestionError(UsageError, ValueError):
    """The question is empty or only whitespace (a usage error: exit code 2)."""


class QuestionTooLongError(UsageError):
    """The question is longer than any lane should be sent (exit code 2)."""


MAX_QUESTION_CHARS = 32_000  # ~8k tokens: longer material belongs in the knowledge base
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u200c\u2060\ufeff]")  # invisible or control


def check_question(question: str | None) -> str:
    """The question, Unicode-normalised (NFC), control and zero-width characters removed, stripped.

    An empty (or invisible) question and one over MAX_QUESTION_CHARS raise a usage error with one
    clear message, before any model is called.
    """
    text = _CONTROL.sub("", unicodedata.normalize("NFC", question or "")).strip()
    if not text:
        raise EmptyQuestionError("the question is empty: type a question first")
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionTooLongError(
            f"the question is {len(text):,} characters; the limit is {MAX_QUESTION_CHARS:,}: put long material"
            " in the knowledge base instead"
        )
    return text


@dataclass(frozen=True)
class LaneJob:
    """One lane to run: which lane, with which options, shown as `label` (default: the lane's name)."""

    lane: str
    options: LaneOptions
    label: str | None = None

    @property
    def key(self) -> str:
        """The name of this job's answers in tables and JSON (a lane's variants differ here)."""
        return self.label or self.lane


def describe_error(exc: Exception) -> str:
    """One line for a lane's failure: the message of an expected error, the type of a surprise."""
    if isinstance(exc, PlaygroundError):
        return exc.message
    if isinstance(exc, ValueError | KeyError):
        return redact(str(exc))
    return redact(f"{type(exc).__name__}: {exc}")


def run_lane(
    gateway: ChatGateway, question: str, scenario: Scenario, job: LaneJob, context: LaneContext | None = None
) -> Iterator[Answer]:
    """Yield the answer as it grows; the last one yielded has done=True (and error set on failure)."""
    answer = Answer(lane=job.key, model=str(job.options.model))
    started = time.perf_counter()
    try:
        for answer in get_lane(job.lane).run(question, scenario, job.options, context or LaneContext(), gateway):
            yield replace(answer, lane=job.key)
    except Exception as exc:  # noqa: BLE001 - one lane's surprise must not take the others down
        answer = replace(answer, lane=job.key, error=describe_error(exc))
    answer = replace(answer, lane=job.key)  # a labelled job (a variant) keeps its label to the end
    if answer.latency_s is None:
        answer.latency_s = time.perf_counter() - started
    answer.done = True
    yield priced(answer, (context and context.hardware) or get_hardware())


def _model_of(job: LaneJob, scenario: Scenario, context: LaneContext) -> object:
    """The model a lane will call (an adapter lane's base and adapter); the picker's if it cannot tell."""
    try:
        return get_lane(job.lane).model_for(scenario, job.options, context)
    except Exception:  # noqa: BLE001 - the lane itself reports why it cannot run
        return job.options.model


def _runs_one_at_a_time(gateway: ChatGateway, model: object) -> bool:
    """Whether the model takes turns; False where the gateway cannot tell (the lane then reports why)."""
    try:
        return gateway.runs_one_at_a_time(model)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - a missing file or a refused model is the lane's error, not the run's
        return False


def run_lanes(
    gateway: ChatGateway,
    question: str,
    scenario: Scenario,
    jobs: list[LaneJob],
    context: LaneContext | None = None,
    min_interval_s: float = 0.05,
    timeout_s: float | None = None,
) -> Iterator[dict[str, Answer]]:
    """Run lanes concurrently; yield a snapshot of every lane's answer as they progress.

    A lane still running after `timeout_s` is finished with an error that says so (what it had
    streamed is kept); the others are never held up by it.

    Every lane runs at once: remote models in parallel, local GGUF models in the slots of the
    llama.cpp servers, which decode them together. Only models that generate one request at a
    time (the in-process transformers engine) take turns, so that each lane's TTFT and latency
    measure that lane, not its wait in the queue. Snapshots are throttled to one per
    min_interval_s, except the last, which has every lane done.
    """
    updates: queue.Queue[Answer] = queue.Queue()
    latest = {job.key: Answer(lane=job.key, model=str(job.options.model)) for job in jobs}
    groups: dict[str, list[LaneJob]] = {}
    for job in jobs:
        serial = _runs_one_at_a_time(gateway, _model_of(job, scenario, context or LaneContext()))
        groups.setdefault("one at a time" if serial else job.key, []).append(job)

    stop = threading.Event()  # set when the caller stops waiting: a timeout, or a closed page

    def work(group: list[LaneJob]) -> None:
        for job in group:
            if stop.is_set():
                return
            answers = run_lane(gateway, question, scenario, job, context)
            try:
                for answer in answers:
                    if stop.is_set():
                        break
                    updates.put(answer)
            finally:
                # Closing the lane's generator closes its model stream, so llama.cpp sees the client
                # go and frees the slot instead of decoding an answer nobody will read.
                answers.close()

    threads = [
        threading.Thread(target=work, args=(group,), daemon=True, name=f"lanes-{key}") for key, group in groups.items()
    ]
    for thread in threads:
        thread.start()
    try:
        yield from _snapshots(updates, latest, min_interval_s, timeout_s)
    finally:
        stop.set()


def _snapshots(
    updates: queue.Queue[Answer], latest: dict[str, Answer], min_interval_s: float, timeout_s: float | None
) -> Iterator[dict[str, Answer]]:
    """The lanes' answers as they arrive (throttled), until every lane is done or the deadline passes."""
    last_yield = 0.0
    deadline = None if timeout_s is None else time.perf_counter() + timeout_s
    while not all(a.done for a in latest.values()):
        try:
            answer = updates.get(timeout=None if deadline is None else max(0.0, deadline - time.perf_counter()))
        except queue.Empty:  # past the deadline: the lanes still running are given up on
            for key, late in latest.items():
                if not late.done:
                    message = f"no answer within {timeout_s:g} s: the lane timed out (PLAYGROUND_LANE_TIMEOUT)"
                    latest[key] = replace(late, error=message, done=True, latency_s=timeout_s)
            break
        if latest[answer.lane].done:
            continue  # a timed-out lane's late words
        latest[answer.lane] = answer
        if time.perf_counter() - last_yield >= min_interval_s:
            last_yield = time.perf_counter()
            yield dict(latest)
    yield dict(latest)
