"""The measured verdicts: recorded from an eval run, shown the same way in the README and the Brief."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from playground.brief.verdicts import Verdict, load_verdicts, verdicts_markdown

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("record_verdict", ROOT / "scripts" / "record_verdict.py")
record_verdict = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(record_verdict)


def _lane(lane: str, value: float, model: str = "local/smollm2-135m-instruct") -> dict:
    return {
        "lane": lane,
        "model": model,
        "metrics": {"hit_rate": {"value": value, "ci95": [value - 0.05, value + 0.05]}},
    }


def _run(comparisons: list[dict]) -> dict:
    return {
        "scenario": "product-pricing",
        "questions": 250,
        "primary_metric": "hit_rate",
        "lanes": [_lane("prompting", 0.10), _lane("rag", 0.30), _lane("finetuned", 0.25), _lane("baseline", 0.55)],
        "comparisons": comparisons,
    }


def test_the_winner_is_the_best_lever_and_the_interval_is_turned_to_favour_it() -> None:
    comparison = {"a": "finetuned", "b": "rag", "metric": "hit_rate", "wins": 10, "losses": 22, "ties": 218}
    comparison |= {"mean_difference": -0.05, "ci95": [-0.09, -0.01]}
    row = record_verdict.verdict_from_run(_run([comparison]), "fine-tuning", "all", "eval ...", "a CPU")
    assert row["winner"]["lane"] == "rag" and row["runner_up"]["lane"] == "finetuned"
    assert row["difference"] == 0.05 and row["difference_ci95"] == [0.01, 0.09]
    assert row["wins_losses_ties"] == [22, 10, 218]
    assert row["baseline"]["lane"] == "baseline"  # beside the levers, never one of them
    verdict = Verdict.from_json(row)
    assert verdict.clear and verdict.lever == "RAG"
    assert verdict.against_lecture() == "against the lecture, which expects fine-tuning"
    table = verdicts_markdown([verdict])
    assert "**RAG**: rag 0.300" in table and "+0.050 [+0.010, +0.090]" in table and "baseline 0.550" in table


def test_a_baseline_that_clearly_beats_the_winning_lever_is_said_to_go_against_the_lecture() -> None:
    lever = {"a": "finetuned", "b": "rag", "metric": "hit_rate", "wins": 22, "losses": 10, "ties": 218}
    lever |= {"mean_difference": -0.05, "ci95": [-0.09, -0.01]}
    baseline = {"a": "rag", "b": "baseline", "metric": "hit_rate", "wins": 5, "losses": 70, "ties": 175}
    baseline |= {"mean_difference": -0.25, "ci95": [-0.31, -0.19]}
    row = record_verdict.verdict_from_run(_run([lever, baseline]), "RAG", "all", "eval", "a CPU")
    assert row["baseline"]["better_than_winner_by"] == 0.25 and row["baseline"]["ci95_of_that"] == [0.19, 0.31]
    verdict = Verdict.from_json(row)
    assert verdict.against_lecture() == "as the lecture expects; but the no-LLM baseline beats it, against the lecture"
    assert "against the winner [+0.190, +0.310]" in verdicts_markdown([verdict])


def test_an_interval_that_holds_zero_is_no_clear_winner() -> None:
    comparison = {"a": "rag", "b": "finetuned", "metric": "hit_rate", "wins": 12, "losses": 10, "ties": 228}
    comparison |= {"mean_difference": 0.01, "ci95": [-0.02, 0.04]}
    verdict = Verdict.from_json(record_verdict.verdict_from_run(_run([comparison]), "RAG", "all", "eval", "a CPU"))
    assert not verdict.clear and verdict.against_lecture() == "no clear winner (the lecture expects RAG)"


def test_the_readme_shows_the_recorded_verdicts_table() -> None:
    verdicts = load_verdicts()
    assert {v.scenario for v in verdicts} == {"company-knowledge", "product-pricing", "support-tone"}
    assert verdicts_markdown(verdicts) in (ROOT / "README.md").read_text(encoding="utf-8")
