"""The sample-data generators reproduce the shipped data byte for byte.

The shipped train/eval/knowledge-base files are the generators' output; their data lives in YAML
files beside them. Regenerating into tmp_path catches an edit to a generator, its data files or
sample_data/generator_common.py that would silently change the shipped data. The shipped
scenario.yaml is the generated text followed by a hand-written chain (and tools), so it must start
with what the generator writes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE_DATA = Path(__file__).resolve().parents[1] / "sample_data"
GENERATED = {
    "product-pricing": ["train.jsonl", "eval.jsonl", "kb/price-list.csv"],
    "support-tone": ["train.jsonl", "eval.jsonl"],
}


@pytest.mark.parametrize("scenario", sorted(GENERATED))
def test_generator_reproduces_shipped_files(scenario: str, tmp_path: Path) -> None:
    folder = SAMPLE_DATA / scenario
    subprocess.run(
        [sys.executable, str(folder / "generate.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    for name in GENERATED[scenario]:
        assert (tmp_path / name).read_bytes() == (folder / name).read_bytes(), name
    generated = (tmp_path / "scenario.yaml").read_bytes()
    assert (folder / "scenario.yaml").read_bytes().startswith(generated)


@pytest.mark.parametrize("scenario", sorted(GENERATED))
def test_regenerating_over_the_shipped_scenario_keeps_the_hand_written_part(scenario: str, tmp_path: Path) -> None:
    folder = SAMPLE_DATA / scenario
    (tmp_path / "scenario.yaml").write_bytes((folder / "scenario.yaml").read_bytes())
    command = [sys.executable, str(folder / "generate.py"), "--out", str(tmp_path)]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    assert (tmp_path / "scenario.yaml").read_bytes() == (folder / "scenario.yaml").read_bytes()
