"""The runner: every lane over every item, in flight together, cached, cancellable, judged."""

from __future__ import annotations

import threading
from pathlib import Path

from playground.evaluation.cache import AnswerCache
from playground.evaluation.judge import Judge, parse_scores
from playground.evaluation.runner import run_evaluation
from playground.evaluation.sets import EvalItem
from tests.fakes import FakeGateway, lane_job

ITEMS = [EvalItem(n, f"What is {n} + {n}?", str(2 * n), "number") for n in range(1, 9)]
PROMPTING = lane_job("prompting", "local/x", shots="zero-shot")
ZERO = lane_job("rag", "local/x")


def _double(messages: list[dict[str, str]]) -> str:
    number = int(messages[-1]["content"].split()[2])
    return f"${2 * number}"


def test_every_item_answered_in_flight_together(scenario) -> None:
    gateway = FakeGateway(reply_for=_double, delay_s=0.05)
    seen: list[tuple[int, int]] = []
    run = run_evaluation(
        gateway, scenario, ITEMS, [PROMPTING], batch_size=4, progress=lambda d, t, _: seen.append((d, t))
    )
    assert [r.item.number for r in run.rows] == list(range(1, 9))
    assert all(r.answer.text == f"${2 * r.item.number}" and not r.answer.error for r in run.rows)
    assert 1 < gateway.most_in_flight <= 4
    assert seen[-1] == (8, 8) and not run.cancelled


def test_batch_size_one_is_sequential(scenario) -> None:
    gateway = FakeGateway(reply_for=_double)
    run_evaluation(gateway, scenario, ITEMS, [PROMPTING], batch_size=1)
    assert gateway.most_in_flight == 1


def test_reruns_come_from_the_cache_marked_cached(scenario, tmp_path: Path) -> None:
    cache = AnswerCache(tmp_path / "cache.sqlite")
    gateway = FakeGateway(reply_for=_double)
    first = run_evaluation(gateway, scenario, ITEMS, [PROMPTING], cache=cache)
    calls = len(gateway.calls)
    again = run_evaluation(gateway, scenario, ITEMS, [PROMPTING], cache=cache)
    assert len(gateway.calls) == calls  # nothing generated twice
    assert all(r.cached for r in again.rows) and not any(r.cached for r in first.rows)
    assert [r.answer.text for r in again.rows] == [r.answer.text for r in first.rows]
    assert again.rows[0].answer.usage == first.rows[0].answer.usage
    other = lane_job("prompting", "local/x", shots="zero-shot", system_prompt="Be brief.")
    changed = run_evaluation(gateway, scenario, ITEMS[:1], [other], cache=cache)
    assert not changed.rows[0].cached  # another system prompt is another question to the model


def test_cancel_stops_before_the_remaining_answers(scenario) -> None:
    cancel = threading.Event()
    gateway = FakeGateway(reply_for=_double, delay_s=0.02)

    def progress(done: int, total: int, what: str) -> None:
        if done == 3:
            cancel.set()

    jobs = [PROMPTING, PROMPTING]
    run = run_evaluation(gateway, scenario, ITEMS, jobs, batch_size=1, progress=progress, cancel=cancel)
    assert run.cancelled and 3 <= len(run.rows) < len(ITEMS)


def test_a_failing_lane_is_recorded_not_raised(scenario) -> None:
    gateway = FakeGateway(reply_for=_double)
    run = run_evaluation(gateway, scenario, ITEMS[:2], [ZERO, PROMPTING])  # rag: no knowledge here
    rag = [r for r in run.rows if r.job.lane == "rag"]
    assert len(rag) == 2 and all("knowledge base" in r.answer.error for r in rag)
    assert all(not r.answer.error for r in run.rows if r.job.lane == "prompting")


def test_judge_grades_text_answers_and_counts_its_cost(scenario) -> None:
    items = [EvalItem(1, "Who runs finance?", "Marcus Webb", "text"), EvalItem(2, "Price?", "10", "number")]

    def reply(messages: list[dict[str, str]]) -> str:
        if "grading an answer" in messages[-1]["content"]:
            return 'Scores: {"accuracy": 5, "completeness": 4, "relevance": 5}'
        return "Marcus Webb"

    gateway = FakeGateway(reply_for=reply, cost_usd=0.001)
    judge = Judge(gateway, "openai/gpt-4o-mini")
    run = run_evaluation(gateway, scenario, items, [PROMPTING], judge=judge)
    text_row, number_row = run.rows
    assert text_row.judge.scores == {"accuracy": 5, "completeness": 4, "relevance": 5}
    assert text_row.judge.cost_usd == 0.001 and number_row.judge is None
    assert gateway.calls[-1]["model"] == "openai/gpt-4o-mini"


def test_judge_replies_it_cannot_read() -> None:
    assert parse_scores("I think it is good") == {"accuracy": None, "completeness": None, "relevance": None}
    assert parse_scores('{"accuracy": 9, "completeness": "3", "relevance": 2.6}') == {
        "accuracy": None,
        "completeness": 3,
        "relevance": 3,
    }
