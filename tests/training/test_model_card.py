"""An adapter's README is written from its card: training settings, the validation curve, forgetting."""

from __future__ import annotations

import json
from pathlib import Path

from playground.training.forgetting import record_on_card
from playground.training.model_card import render_model_card, write_model_card

CARD = {
    "base_model": "smollm2-135m-instruct",
    "dataset": "train.jsonl",
    "dataset_sha256": "ab" * 32,
    "examples": 270,
    "hyperparameters": {"epochs": 2.0, "learning_rate": 0.0002, "system_prompt": "a | b"},
    "steps": 68,
    "train_loss": 2.1,
    "validation": {
        "examples": 30,
        "metric": "style_compliance",
        "note": "eval_loss over all 30 held-out examples",
        "saved_step": 34,
        "chosen_by": "metric",
        "curve": [
            {"epoch": 1.0, "step": 34, "eval_loss": 2.29, "metric_value": 0.7},
            {"epoch": 2.0, "step": 68, "eval_loss": 2.25, "metric_value": 0.6},
        ],
    },
}


def test_the_readme_carries_the_curve_the_saved_step_and_no_template_text() -> None:
    text = render_model_card("support-tone", CARD)
    assert text.startswith("---\nlibrary_name: peft") and "# support-tone" in text
    assert "| 1.0 | 34 | 2.29 | 0.7 |" in text and "| 2.0 | 68 | 2.25 | 0.6 |" in text
    assert "weights are those of step 34" in text and "| system_prompt | a \\| b |" in text
    assert "More Information Needed" not in text and "Not measured yet" in text


def test_recording_forgetting_rewrites_the_readme(tmp_path: Path) -> None:
    folder = tmp_path / "support-tone"
    folder.mkdir()
    (folder / "card.json").write_text(json.dumps(CARD))
    (folder / "README.md").write_text("# Model Card for Model ID\n[More Information Needed]\n")
    write_model_card(folder)
    assert "Not measured yet" in (folder / "README.md").read_text()

    class Report:
        def to_card(self) -> dict:
            return {"statement": "no clear change", "probe_questions": 243, "ci95": [-0.03, 0.07], "lost": 19}

    record_on_card(folder, Report())
    readme = (folder / "README.md").read_text()
    assert "no clear change: general-knowledge probe of 243 questions" in readme and "19 lost" in readme
    assert json.loads((folder / "card.json").read_text())["forgetting"]["lost"] == 19
