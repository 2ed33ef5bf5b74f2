"""An adapter's README.md, written from its card.json: what the Hub shows and what an export carries.

PEFT's own README is an empty template ("More Information Needed"); this one says what the adapter
is, what it was trained on and how, its validation curve and its forgetting check, all from the card.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

README = "README.md"


def render_model_card(name: str, card: dict[str, Any]) -> str:
    """The README for the adapter called `name` with this card."""
    hp = card.get("hyperparameters") or {}
    lines = [
        "---",
        "library_name: peft",
        "pipeline_tag: text-generation",
        "license: apache-2.0",
        "tags: [lora, sft, unsloth, strategy-playground]",
        "---",
        "",
        f"# {name}",
        "",
        f"A LoRA adapter for `{card.get('base_model', 'unknown')}`, trained with Strategy Playground "
        f"({card.get('backend', 'unknown backend')}) on `{card.get('dataset', 'unknown')}` "
        f"({card.get('examples', '?')} examples, SHA-256 `{str(card.get('dataset_sha256', ''))[:16]}…`).",
        "",
        "## Training",
        "",
        "| setting | value |",
        "|---|---|",
        *(f"| {key} | {_value(value)} |" for key, value in hp.items()),
        f"| steps | {card.get('steps', '?')} |",
        f"| final training loss | {card.get('train_loss', '?')} |",
        f"| wall time | {card.get('seconds', '?')} s on {card.get('device', '?')} |",
        f"| estimated cost | ${card.get('estimated_cost_usd', '?')} ({card.get('cost_assumption', '')}) |",
        "",
    ]
    lines += _validation(card.get("validation"))
    forgetting = card.get("forgetting")
    lines += ["## Forgetting check", ""]
    if forgetting:
        interval = forgetting.get("ci95") or [None, None]
        lines += [
            f"{forgetting.get('statement', '')}: general-knowledge probe of {forgetting.get('probe_questions')} "
            f"questions, base {forgetting.get('base_score')}, adapter {forgetting.get('adapter_score')}, "
            f"change {forgetting.get('change')} (95% paired interval {interval[0]} to {interval[1]}; "
            f"{forgetting.get('lost')} lost, {forgetting.get('gained')} gained).",
            "",
        ]
    else:
        lines += ["Not measured yet: `python -m playground forgetting --adapters NAME --record`.", ""]
    return "\n".join(lines)


def _validation(block: dict[str, Any] | None) -> list[str]:
    if not block:
        return ["## Validation", "", "Nothing was held out for validation.", ""]
    metric = block.get("metric")
    lines = [
        "## Validation",
        "",
        f"{block.get('examples')} held-out examples ({block.get('note', '')}). The saved weights are those of "
        f"step {block.get('saved_step')} (the best by {block.get('chosen_by')}).",
        "",
        f"| epoch | step | eval loss | {metric or 'metric'} |",
        "|---|---|---|---|",
    ]
    for point in block.get("curve") or []:
        value = point.get("metric_value")
        lines.append(
            f"| {point.get('epoch')} | {point.get('step')} | {point.get('eval_loss')} | "
            f"{'—' if value is None else value} |"
        )
    return [*lines, ""]


def _value(value: object) -> str:
    text = "—" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")[:200]


def write_model_card(folder: Path) -> Path:
    """(Re)write folder/README.md from folder/card.json; returns its path."""
    card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    path = folder / README
    path.write_text(render_model_card(folder.name, card), encoding="utf-8")
    return path
