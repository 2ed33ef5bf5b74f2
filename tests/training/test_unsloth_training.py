"""Integration: real Unsloth training on CPU (2 epochs of 2 steps, validated each epoch), then the adapter
answers through the lane."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_support import run_cli

pytestmark = pytest.mark.integration
STYLE = "— The Test Team"


def _tiny_dataset(path: Path) -> Path:
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"Customer {i}: my sensor {i} stopped."},
                {"role": "assistant", "content": f"Hi, let us fix sensor {i}. {STYLE}"},
            ],
            "category": "sensors" if i % 2 else "gateways",
        }
        for i in range(16)
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    return path


def test_train_two_epochs_with_a_validation_curve_then_answer_through_the_adapter(tmp_path: Path) -> None:
    data = _tiny_dataset(tmp_path / "tiny.jsonl")
    adapters = tmp_path / "adapters"
    result = run_cli(
        "train",
        str(data),
        "--out",
        str(adapters / "tiny"),
        "--epochs",
        "2",
        "--batch-size",
        "8",
        "--max-seq-length",
        "128",
        "--metric",
        "keyword_coverage",
        "--validation-generate",
        "2",
        "--progress",
        "--json",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(payload) == {"adapter", "steps", "train_loss", "seconds", "device", "backend"}
    # 16 examples: 2 held out (10%, one per category), 14 trained on in steps of 8: 2 steps an epoch
    assert payload["steps"] == 4 and payload["device"] == "cpu" and payload["backend"].startswith("unsloth")
    assert payload["train_loss"] > 0
    folder = adapters / "tiny"
    card = json.loads((folder / "card.json").read_text())
    assert card["examples"] == 14 and card["dataset_sha256"] and card["hyperparameters"]["responses_only"]
    validation = card["validation"]
    assert validation["examples"] == 2 and validation["stratified_by"] == "category" and len(validation["rows"]) == 2
    assert validation["metric"] == "keyword_coverage" and validation["generated_per_evaluation"] == 2
    assert [(p["epoch"], p["step"]) for p in validation["curve"]] == [(1.0, 2), (2.0, 4)]  # one point per epoch
    assert all(p["eval_loss"] > 0 and 0 <= p["metric_value"] <= 1 for p in validation["curve"])
    assert validation["best_epoch"] in (1.0, 2.0) and validation["seed"] == 3407
    assert validation["saved_step"] == validation["best_step"]  # the saved adapter is the best point's
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith('{"event": "validation"')]
    assert [(e["step"], e["eval_loss"]) for e in events] == [(p["step"], p["eval_loss"]) for p in validation["curve"]]
    assert (folder / "adapter_config.json").exists() and any(folder.glob("adapter_model.*"))
    assert not [p for p in adapters.iterdir() if p.name.startswith(".")], "no staging folder left behind"

    asked = run_cli(
        "ask",
        "My sensor stopped.",
        "--lanes",
        "finetuned",
        "--adapter",
        "tiny",
        "--json",
        "--max-tokens",
        "16",
        env={"PLAYGROUND_ADAPTERS": str(adapters)},
    )
    assert asked.returncode == 0, asked.stderr
    (lane,) = json.loads(asked.stdout)["lanes"]
    assert lane["error"] is None and lane["answer"].strip() and lane["completion_tokens"] > 0
    assert lane["model"].startswith("local/smollm2-135m-instruct::")


def test_malformed_training_file_is_refused_naming_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}\n{not json\n'
    )
    result = run_cli("train", str(bad), "--out", str(tmp_path / "adapters" / "x"), "--max-steps", "1")
    assert result.returncode == 1
    assert "bad.jsonl: line 2: not valid JSON" in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "adapters" / "x").exists()


def test_bad_adapter_name_is_refused(tmp_path: Path) -> None:
    result = run_cli("train", str(_tiny_dataset(tmp_path / "t.jsonl")), "--out", str(tmp_path / "Bad Name"))
    assert result.returncode == 1 and "invalid adapter name 'Bad Name'" in result.stderr
