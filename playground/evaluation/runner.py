"""Run an evaluation set through chosen lanes: the same lanes as the Compare tab, in batches.

Each lane answers every question with up to `batch_size` requests in flight; a local model's
engine generates the requests that wait together as one batch, so a run of a hundred questions
is several times faster than asking them one by one (batch_size=1). Answers are cached by what
the model was sent and reused (marked cached) on a rerun; a run can be cancelled between answers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace

from playground.evaluation.cache import AnswerCache, CachingGateway
from playground.evaluation.house_style import HouseRule, parse_rules
from playground.evaluation.judge import Judge, JudgeScores
from playground.evaluation.sets import EvalItem
from playground.lanes import LaneContext, LaneJob, run_lane
from playground.llm import ChatGateway
from playground.records import Answer, Passage
from playground.scenarios import Scenario

Progress = Callable[[int, int, str], None]
DEFAULT_BATCH_SIZE = 16


@dataclass
class EvalRow:
    """One lane's answer to one question, and whether it came from the cache."""

    item: EvalItem
    job: LaneJob
    answer: Answer
    cached: bool = False
    judge: JudgeScores | None = None


@dataclass
class EvalRun:
    """Everything an evaluation produced, in lane order then question order."""

    scenario: str
    set_name: str
    items: list[EvalItem]
    jobs: list[LaneJob]
    rows: list[EvalRow] = field(default_factory=list)
    batch_size: int = DEFAULT_BATCH_SIZE
    judge_model: str | None = None
    seconds: float = 0.0
    cancelled: bool = False
    house_rules: list[HouseRule] = field(default_factory=list)  # the scenario's, for style_compliance


def answer_item(
    gateway: ChatGateway,
    item: EvalItem,
    scenario: Scenario,
    job: LaneJob,
    context: LaneContext | None = None,
    cache: AnswerCache | None = None,
) -> EvalRow:
    """One lane's whole answer to one question (not streamed); errors end up in answer.error."""
    question_context = replace(context or LaneContext(), category=item.category)
    *_, answer = run_lane(CachingGateway(gateway, cache), item.question, scenario, job, question_context)
    return EvalRow(item, job, answer, cached=answer.cached)


def run_evaluation(
    gateway: ChatGateway,
    scenario: Scenario,
    items: list[EvalItem],
    jobs: list[LaneJob],
    context: LaneContext | None = None,
    *,
    set_name: str = "",
    cache: AnswerCache | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    judge: Judge | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> EvalRun:
    """Every chosen lane over every item; progress(done, total, what) after each answer."""
    run = EvalRun(scenario.name, set_name or scenario.name, list(items), list(jobs), batch_size=max(1, batch_size))
    run.house_rules = parse_rules(scenario.extra.get("house_rules"))
    run.judge_model = judge.model if judge else None
    total = len(items) * len(jobs) * (2 if judge else 1)
    done = 0
    started = time.perf_counter()
    _index_first(scenario, context, progress)

    def tick(what: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total, what)

    for job in jobs:  # lane after lane: local lanes share one processor anyway
        rows = _run_lane(gateway, scenario, items, job, context, cache, run.batch_size, cancel, tick)
        if judge:
            _judge_rows(judge, rows, run.batch_size, cancel, tick)
        run.rows.extend(sorted(rows, key=lambda r: r.item.number))
        if cancel is not None and cancel.is_set():
            run.cancelled = True
            break
    run.seconds = time.perf_counter() - started
    return run


def _index_first(scenario: Scenario, context: LaneContext | None, progress: Progress | None) -> None:
    """Bring the knowledge base's index up to date now, so no answer's latency includes indexing."""
    if context is None or context.knowledge is None or scenario.knowledge_base is None:
        return
    if progress:
        progress(0, 1, "indexing the knowledge base")
    context.knowledge(scenario).ensure_synced()


def _run_lane(
    gateway: ChatGateway,
    scenario: Scenario,
    items: list[EvalItem],
    job: LaneJob,
    context: LaneContext | None,
    cache: AnswerCache | None,
    batch_size: int,
    cancel: threading.Event | None,
    tick: Callable[[str], None],
) -> list[EvalRow]:
    def work(item: EvalItem) -> EvalRow | None:
        if cancel is not None and cancel.is_set():
            return None
        return answer_item(gateway, item, scenario, job, context, cache)

    rows = []
    with ThreadPoolExecutor(batch_size, thread_name_prefix=f"eval-{job.lane}") as pool:
        for future in as_completed([pool.submit(work, item) for item in items]):
            row = future.result()
            if row is not None:
                rows.append(row)
                tick(f"{job.key}: question {row.item.number}" + (" (cached)" if row.cached else ""))
    return rows


def _judge_rows(
    judge: Judge, rows: list[EvalRow], batch_size: int, cancel: threading.Event | None, tick: Callable[[str], None]
) -> None:
    """Grade the text answers (the judge scores prose; numbers and choices have exact metrics)."""

    def grade(row: EvalRow) -> None:
        if (cancel is not None and cancel.is_set()) or row.item.kind != "text" or row.answer.error:
            return
        row.judge = judge.grade(row.item.question, row.item.reference, row.answer.text)

    with ThreadPoolExecutor(batch_size, thread_name_prefix="eval-judge") as pool:
        for future, row in [(pool.submit(grade, row), row) for row in rows]:
            future.result()
            tick(f"judge: {row.job.key} question {row.item.number}")


def retrieved_sources(passages: list[Passage]) -> list[str]:
    """The distinct knowledge-base files the passages came from, best first."""
    return list(dict.fromkeys(p.source for p in passages))
