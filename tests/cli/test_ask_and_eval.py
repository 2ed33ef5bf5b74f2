"""The command line: the ask contract end to end, and one clear line for bad input."""

from __future__ import annotations

import json

import pytest

from playground.cli import main
from tests.cli_support import run_cli

# The questions each metric scores in `eval --limit 3` (seed 0): two text questions, one number question.
SAMPLE_METRICS = {"exact_match": 2, "token_f1": 2, "keyword_coverage": 2, "hit_rate": 1, "near_miss_rate": 1}


@pytest.mark.integration
def test_ask_prints_the_contract_json_offline() -> None:
    result = run_cli("ask", "What is the capital of France?", "--lanes", "prompting", "--json", "--max-tokens", "24")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["question"] == "What is the capital of France?"
    assert payload["reference"] is None  # not an item of the scenario's evaluation set: nothing to score
    (lane,) = payload["lanes"]
    assert set(lane) == {
        "lane",
        "model",
        "answer",
        "prompt_tokens",
        "completion_tokens",
        "cost_usd",
        "ttft_s",
        "latency_s",
        "error",
        "passages",
        "steps",
        "cost",
    }
    assert lane["lane"] == "prompting" and lane["error"] is None and lane["answer"].strip()
    assert lane["prompt_tokens"] > 0 and lane["completion_tokens"] > 0
    assert lane["ttft_s"] > 0 and lane["latency_s"] >= lane["ttft_s"]
    assert lane["passages"] == []
    (stage,) = lane["cost"]["stages"]  # a local lane: its measured seconds at this machine's hourly price
    assert lane["cost_usd"] == lane["cost"]["total_usd"] == stage["cost_usd"] > 0
    assert stage["seconds"] <= lane["latency_s"] and "this machine" in lane["cost"]["assumption"]
    (step,) = lane["steps"]
    assert step["kind"] == "llm" and step["output"] == lane["answer"]
    assert (step["prompt_tokens"], step["completion_tokens"]) == (lane["prompt_tokens"], lane["completion_tokens"])


@pytest.mark.integration
def test_ask_on_an_evaluation_item_carries_the_reference_and_each_lane_s_score() -> None:
    # Other spacing and case: still the item "Who started Tallowmere Systems?" (company-knowledge, line 1).
    question = "who started  Tallowmere systems?"
    result = run_cli("ask", question, "--lanes", "prompting,rag", "--json", "--max-tokens", "16")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["question"] == question
    reference = payload["reference"]
    assert reference["answer"] == "Ingrid Halvorsen and Marcus Oyelaran-Webb."
    assert reference["source"] == "company-history.md" and reference["metric"] == "keyword_coverage"
    for lane in payload["lanes"]:
        score = lane["score"]
        assert {"metric", "value", "verdict"} <= set(score), lane["lane"]
        assert score["metric"] == "keyword_coverage" and 0.0 <= score["value"] <= 1.0
        assert score["verdict"] in {"right", "partly", "wrong"}
    prompting, rag = payload["lanes"]
    assert prompting["score"]["retrieval"] is None  # it retrieved nothing
    retrieval = rag["score"]["retrieval"]
    sources = [p["source"] for p in rag["passages"]]
    assert retrieval["source"] == "company-history.md"
    assert retrieval["retrieved"] == ("company-history.md" in sources)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["ask", "   "], 2, "the question is empty"),
        (["ask", "hi", "--model", "nonsense-provider/x"], 2, "unknown model 'nonsense-provider/x'"),
        (["ask", "hi", "--model", "local/no-such-model"], 2, "unknown local model 'no-such-model'"),
        (["ask", "hi", "--lanes", "telepathy"], 2, "unknown lane 'telepathy'"),
        (["ask", "hi", "--scenario", "nope"], 1, "unknown scenario 'nope'"),
        (["ask"], 2, "the following arguments are required: question"),
        (["ask", "hi", "--max-tokens", "0"], 2, "Longest answer (tokens): 0 is outside 1 to 8192"),
        (["ask", "hi", "--temperature", "5"], 2, "Temperature: 5 is outside 0 to 2"),
        (["ask", "hi", "--temperature", "nan"], 2, "Temperature: 'nan' is not a finite number"),
        (["ask", "hi", "--k", "0"], 2, "Passages retrieved (k): 0 is outside 1 to 20"),
        (["ask", "hi", "--lanes", "tools", "--max-tool-calls", "99"], 2, "Tool calls allowed: 99 is outside 1 to 8"),
        (["ask", "hi", "--shots", "many"], 2, "invalid choice: 'many'"),
        (["ask", "hi", "--lanes", "chain", "--chain-steps", "/no/such.yaml"], 2, "cannot read /no/such.yaml"),
    ],
)
def test_bad_input_is_one_line_on_stderr(args: list[str], code: int, message: str, capsys) -> None:
    assert _exit_code(args) == code
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def _exit_code(args: list[str]) -> int:
    try:
        return main(args)
    except SystemExit as exc:  # argparse's own errors exit
        return int(exc.code)


def test_missing_key_is_named(capsys, monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert main(["ask", "hi", "--model", "openai/gpt-4o-mini"]) == 2
    assert "needs OPENAI_API_KEY" in capsys.readouterr().err


@pytest.mark.integration
def test_eval_prints_per_lane_metrics_offline(tmp_path) -> None:
    report = tmp_path / "report.html"
    result = run_cli(
        "eval",
        "--scenario",
        "company-knowledge",
        "--limit",
        "3",
        "--max-tokens",
        "16",
        "--no-cache",  # answers generated now: a rerun would read them from the cache, with no latency
        "--json",
        "--out",
        str(report),
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    lanes = {lane["lane"]: lane for lane in data["lanes"]}
    assert set(lanes) == {"prompting", "rag", "finetuned"} and data["questions"] == 3
    for lane in lanes.values():
        assert lane["questions"] == 3 and lane["latency_p50_s"] is not None
        assert lane["latency_p95_s"] >= lane["latency_p50_s"] and lane["cost_per_question_usd"] > 0  # local time
        scored = {key: metric["n"] for key, metric in lane["metrics"].items()}
        assert {key: scored.get(key) for key in SAMPLE_METRICS} == SAMPLE_METRICS
    assert {"recall_at_k", "mrr"} <= set(lanes["rag"]["metrics"])
    assert set(lanes["rag"]["misses"]) == {"retrieval_misses", "generation_misses"}
    assert data["primary_metric"] == "keyword_coverage" and len(data["comparisons"]) == 3
    assert {"a", "b", "metric", "wins", "losses", "ties", "mean_difference", "ci95"} <= set(data["comparisons"][0])
    assert data["verdict"].startswith("On quality (keyword coverage)")
    page = report.read_text()
    assert 'class="plotly-graph-div"' in page and "Paired comparisons" in page


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["eval", "--out", "results.txt"], 2, "--out must end in .csv, .html, .json"),
        (["eval", "--lanes", "magic"], 2, "unknown lane 'magic'"),
        (["eval", "--limit", "0"], 2, "argument --limit: must be at least 1"),
        (["eval", "--batch-size", "0"], 2, "argument --batch-size: must be at least 1"),
    ],
)
def test_eval_bad_options_are_one_line(args: list[str], code: int, message: str, capsys) -> None:
    assert main(args) == code
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_eval_bad_set_names_its_line(tmp_path, capsys) -> None:
    bad = tmp_path / "set.jsonl"
    bad.write_text('{"question": "q", "reference": "r"}\n{"question": "no reference"}\n')
    assert main(["eval", str(bad)]) == 1
    assert "set.jsonl: line 2: missing reference" in capsys.readouterr().err
