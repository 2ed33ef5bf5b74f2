"""The command line: the ask contract end to end, and one clear line for bad input."""

from __future__ import annotations

import json

import pytest

from playground.cli import main
from tests.cli_support import run_cli


@pytest.mark.integration
def test_ask_prints_the_contract_json_offline() -> None:
    result = run_cli("ask", "What is the capital of France?", "--lanes", "prompting", "--json", "--max-tokens", "24")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["question"] == "What is the capital of France?"
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
    }
    assert lane["lane"] == "prompting" and lane["error"] is None and lane["answer"].strip()
    assert lane["prompt_tokens"] > 0 and lane["completion_tokens"] > 0
    assert lane["ttft_s"] > 0 and lane["latency_s"] >= lane["ttft_s"]
    assert lane["cost_usd"] is None and lane["passages"] == []


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["ask", "   "], 2, "the question is empty"),
        (["ask", "hi", "--model", "nonsense-provider/x"], 2, "unknown model 'nonsense-provider/x'"),
        (["ask", "hi", "--model", "local/no-such-model"], 2, "unknown local model 'no-such-model'"),
        (["ask", "hi", "--lanes", "telepathy"], 2, "unknown lane 'telepathy'"),
        (["ask", "hi", "--scenario", "nope"], 1, "unknown scenario 'nope'"),
        (["ask"], 2, "the following arguments are required: question"),
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
