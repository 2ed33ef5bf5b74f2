"""Helpers the sample-data generators share, written once so the scenarios stay in the same formats.

The generators (``sample_data/<scenario>/generate.py``) are scripts run by path, not a package: each
puts this folder on ``sys.path`` and imports this module. It holds the seed, reading a generator's
data files, the two record shapes the playground reads (chat-format training items and evaluation
items), writing them as JSON lines, YAML block scalars for the scenario file, and the ``--out``
option. Everything here must keep the generated files byte-identical: change it only together with
the shipped data it produces.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import yaml

SEED = 20261127


def load_yaml(path: Path) -> Any:
    """One of a generator's data files."""
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def output_dir(description: str, default: Path) -> Path:
    """The folder to write into: ``--out DIR``, or default (the scenario folder, overwriting the shipped files)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", type=Path, default=default, help=f"output folder (default: {default})")
    out: Path = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    return out


def chat_item(system: str, user: str, assistant: str, category: str | None = None) -> dict:
    """A training item in chat format (with its category, when the scenario has categories)."""
    item: dict = {
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": user},
            {"role": "assistant", "content": assistant},
        ]
    }
    if category is not None:
        item["category"] = category
    return item


def eval_item(question: str, reference: str, kind: str, category: str) -> dict:
    """An item in the playground's evaluation format (no source passage)."""
    return {"question": question, "reference": reference, "kind": kind, "source": None, "category": category}


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def yaml_block(text: str, indent: int, style: str = "|-") -> str:
    """A YAML block scalar (literal ``|-`` or folded ``>-``) for text, indented by indent spaces."""
    pad = " " * indent
    return style + "\n" + "\n".join(pad + line if line else "" for line in text.split("\n"))


HAND_WRITTEN_MARKER = "# --- written by hand below this line; the generator keeps it ---"


def write_scenario(path: Path, generated: str) -> None:
    """Write scenario.yaml: the generated part, then whatever the existing file has below the marker.

    The chain and tools sections are written by hand; regenerating the data must not drop them.
    """
    kept = ""
    if path.exists():
        _, marker, tail = path.read_text(encoding="utf-8").partition(HAND_WRITTEN_MARKER)
        if marker:
            kept = marker + tail
    path.write_text(generated + kept, encoding="utf-8")
