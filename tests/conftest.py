"""Shared fixtures: a scenario folder in tmp_path, and offline settings for every test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from playground.scenarios import ScenarioCatalog

os.environ.setdefault("HF_HUB_OFFLINE", "1")

SCENARIO_YAML = """\
title: Demo scenario
description: A scenario for tests.
order: 1
system_prompt: You are a terse assistant.
few_shot:
  - question: What is 2 + 2?
    answer: "4"
  - question: What colour is the sky?
    answer: Blue.
example_questions:
  - What is the capital of France?
knowledge_base: kb
"""


@pytest.fixture
def scenario_root(tmp_path: Path) -> Path:
    folder = tmp_path / "scenarios" / "demo"
    folder.mkdir(parents=True)
    (folder / "scenario.yaml").write_text(SCENARIO_YAML)
    return folder.parent


@pytest.fixture
def scenario(scenario_root: Path):
    return ScenarioCatalog(scenario_root).get("demo")
