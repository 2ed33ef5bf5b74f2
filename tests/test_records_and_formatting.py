"""The Answer record's contract shape, and how the Compare tab formats it."""

from __future__ import annotations

from playground.records import Answer, Passage, Usage
from playground.ui.formatting import format_cost, metric_values, metrics_html, summary_table


def _done(**kwargs) -> Answer:
    base = {
        "lane": "prompting",
        "model": "local/x",
        "text": "Paris.",
        "usage": Usage(12, 4),
        "ttft_s": 0.5,
        "latency_s": 2.0,
        "done": True,
    }
    return Answer(**(base | kwargs))


def test_to_dict_matches_the_command_line_contract() -> None:
    answer = _done(passages=[Passage("a.md", "text", 0.9, section="S")])
    assert answer.to_dict() == {
        "lane": "prompting",
        "model": "local/x",
        "answer": "Paris.",
        "prompt_tokens": 12,
        "completion_tokens": 4,
        "cost_usd": None,
        "ttft_s": 0.5,
        "latency_s": 2.0,
        "error": None,
        "passages": [{"source": "a.md", "text": "text", "score": 0.9}],
        "steps": [],
        "cost": None,  # priced when the runner finishes the lane
    }


def test_tokens_per_second_is_end_to_end_and_absent_without_tokens() -> None:
    assert _done().tokens_per_second == 2.0
    assert _done(usage=Usage(3, 0)).tokens_per_second is None


def test_unknown_cost_reads_unknown_never_zero() -> None:
    assert format_cost(None) == "unknown"
    assert format_cost(0.0) == "$0.000000"
    assert format_cost(0.25) == "$0.2500"


def test_metrics_of_a_finished_answer_are_all_filled() -> None:
    values = metric_values(_done())
    assert values == {
        "prompt tokens": "12",
        "completion tokens": "4",
        "cost": "unknown",
        "TTFT": "0.50 s",
        "latency": "2.00 s",
        "tokens/s": "2.0",
    }


def test_metrics_while_streaming_show_a_placeholder() -> None:
    assert set(metric_values(Answer(lane="p", model="m")).values()) == {"…"}


def test_error_is_shown_escaped_in_its_lane() -> None:
    html = metrics_html(_done(error="needs <KEY>"))
    assert "lane-error" in html and "&lt;KEY&gt;" in html


def test_summary_table_lines_lanes_up() -> None:
    table = summary_table([_done(), _done(lane="rag", error="boom")])
    assert list(table["lane"]) == ["prompting", "rag"]
    assert table.loc[0, "latency (s)"] == 2.0 and table.loc[0, "status"] == "done"
    assert table.loc[1, "status"] == "error: boom"


def test_summary_table_names_an_adapter_never_its_folder(tmp_path) -> None:
    folder = tmp_path / "home" / "someone" / "pricing"
    folder.mkdir(parents=True)
    table = summary_table([_done(lane="finetuned", model=f"local/smollm2-135m-instruct::{folder}")])
    assert table.loc[0, "model"] == "local/smollm2-135m-instruct::pricing"
