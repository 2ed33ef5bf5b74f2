"""scripts/load_test.py: its refusals and its statistics, without starting or calling any app."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from playground.config import REPO_ROOT

_spec = importlib.util.spec_from_file_location("load_test", REPO_ROOT / "scripts" / "load_test.py")
load_test = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("load_test", load_test)
_spec.loader.exec_module(load_test)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:7860/", "http://localhost:8000", "http://[::1]:7860/", "https://127.0.0.1:9000/x/"],
)
def test_loopback_urls_are_accepted(url: str) -> None:
    assert load_test.check_url(url).endswith("/")


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/",
        "https://huggingface.co/spaces/team/playground",
        "http://10.0.0.5:7860/",
        "http://0.0.0.0:7860/",
        "http://127.0.0.1.example.com/",
        "ftp://127.0.0.1/",
        "127.0.0.1:7860",
    ],
)
def test_other_urls_are_refused(url: str) -> None:
    with pytest.raises(load_test.LoadTestError):
        load_test.check_url(url)


def test_bounds() -> None:
    load_test.check_bounds(100, 20, 600)
    load_test.check_bounds(1, 1, 0.5)
    for sessions, questions, limit in [(101, 3, 600), (0, 3, 600), (20, 21, 600), (20, 0, 600), (20, 3, 0)]:
        with pytest.raises(load_test.LoadTestError):
            load_test.check_bounds(sessions, questions, limit)
    with pytest.raises(load_test.LoadTestError):
        load_test.check_bounds(20, 3, 3601)


def test_main_refuses_before_touching_anything(capsys: pytest.CaptureFixture[str]) -> None:
    assert load_test.main(["--url", "http://example.com/", "--sessions", "2"]) == 2
    assert load_test.main(["--url", "http://127.0.0.1:1/", "--sessions", "101"]) == 2
    assert "must be 1 to 100" in capsys.readouterr().err
    assert load_test.main(["--start", "--scenario", "no-such-scenario"]) == 2  # refused before any app starts
    assert "unknown scenario 'no-such-scenario'" in capsys.readouterr().err


def test_percentiles_against_hand_computed_values() -> None:
    values = [5.0, 1.0, 3.0, 2.0, 4.0]  # sorted: 1 2 3 4 5
    assert load_test.percentile(values, 50) == 3.0
    assert load_test.percentile(values, 95) == pytest.approx(4.8)  # rank 3.8: 4 + 0.8 * (5 - 4)
    assert load_test.percentile(values, 0) == 1.0
    assert load_test.percentile(values, 100) == 5.0
    assert load_test.percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5  # rank 1.5
    assert load_test.percentile([7.0], 95) == 7.0
    assert load_test.percentile([], 50) is None


def test_latency_summary() -> None:
    latencies = [float(i) for i in range(1, 21)]  # 1..20 s
    # p50: rank 9.5 -> 10.5; p95: rank 18.05 -> 19 + 0.05 = 19.05
    assert load_test.latency_summary(latencies) == {"p50_s": 10.5, "p95_s": 19.05, "max_s": 20.0}
    assert load_test.latency_summary([]) == {"p50_s": None, "p95_s": None, "max_s": None}


def _summary(*statuses: str) -> dict:
    headers = ["lane", "model", "status"]
    return {"headers": headers, "data": [[f"lane{i}", "m", status] for i, status in enumerate(statuses)]}


SKIP = {"__type__": "update"}  # what a gr.skip() output looks like to the client


def test_lane_errors_read_the_last_summary_among_the_streamed_outputs() -> None:
    streamed = [
        ("partial", _summary("running", "running"), SKIP),
        ("answer", _summary("done", "done"), SKIP),
        (SKIP, SKIP, {"visible": False, "value": {"headers": ["lane", "runs"], "data": [["lane0", 1]]}}),
    ]
    assert load_test.lane_errors(streamed) == []
    streamed[1] = ("answer", {"value": _summary("done", "error: boom")}, SKIP)
    assert load_test.lane_errors(streamed) == ["lane1: error: boom"]
    assert load_test.lane_errors([("answer", _summary("running"))]) == ["lane0: running"]


def test_lane_errors_without_a_summary_are_errors() -> None:
    assert load_test.lane_errors([(SKIP, SKIP)]) != []  # the app refused the question with a warning
    assert load_test.lane_errors([]) != []
    assert load_test.lane_errors([("a", _summary())]) == ["the summary table is empty: no lane ran"]


def test_ask_arguments_fill_page_defaults() -> None:
    parameters = [
        {"parameter_name": "scenario_name", "parameter_has_default": True, "parameter_default": "other"},
        {"parameter_name": "question_text", "parameter_has_default": False},
        {"parameter_name": "chosen", "parameter_has_default": True, "parameter_default": ["prompting", "rag"]},
        {"parameter_name": "hourly", "parameter_has_default": False},
        {"parameter_name": "param_6", "parameter_has_default": True, "parameter_default": 5},
    ]
    assert load_test.ask_arguments(parameters, "company-knowledge", "Q?") == [
        "company-knowledge",
        "Q?",
        ["prompting", "rag"],
        None,
        5,
    ]


def test_results_count_and_checkpoint() -> None:
    results = load_test.Results()
    for i in range(load_test.MEMORY_CHECKPOINT - 1):
        results.record(0.5, None if i % 2 else "QueueError: Queue is full! Please try again.")
    assert not results.checkpoint.is_set()
    results.record(1.0, None)
    assert results.checkpoint.is_set()
    assert results.done == load_test.MEMORY_CHECKPOINT
    assert results.failed == 10 and len(results.errors) == 5
    results.saw_position(4)
    results.saw_position(None)
    assert results.max_queue_position == 5


def test_example_questions_come_from_the_scenario() -> None:
    questions = load_test.example_questions("company-knowledge")
    assert questions and all(isinstance(q, str) and q for q in questions)
