"""Scenario packs: loading, ordering, clear errors, and every shipped scenario is valid."""

from __future__ import annotations

from pathlib import Path

import pytest

from playground.config import Settings
from playground.scenarios import ScenarioCatalog, ScenarioError


def test_loads_fields_and_resolves_paths(scenario, scenario_root: Path) -> None:
    assert scenario.title == "Demo scenario"
    assert [s.answer for s in scenario.few_shot] == ["4", "Blue."]
    assert scenario.example_questions == ("What is the capital of France?",)
    assert scenario.knowledge_base == scenario_root / "demo" / "kb"
    assert scenario.eval_set is None


def test_first_scenario_is_the_default_and_order_wins_over_name(scenario_root: Path) -> None:
    other = scenario_root / "aaa"
    other.mkdir()
    (other / "scenario.yaml").write_text("title: Later\nsystem_prompt: hi\norder: 5\n")
    catalog = ScenarioCatalog(scenario_root)
    assert catalog.names() == ["demo", "aaa"]
    assert catalog.get().name == "demo"


def test_unknown_scenario_lists_the_known_ones(scenario_root: Path) -> None:
    with pytest.raises(ScenarioError, match="unknown scenario 'nope'; known: demo"):
        ScenarioCatalog(scenario_root).get("nope")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("title: [unclosed", "cannot read scenario"),
        ("- a list\n", "expected a mapping"),
        ("title: No prompt\n", "missing system_prompt"),
        ("title: t\nsystem_prompt: s\nfew_shot:\n  - question: only\n", "few_shot item needs question and answer"),
    ],
)
def test_malformed_scenario_gives_one_line(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "scenario.yaml").write_text(content)
    with pytest.raises(ScenarioError, match=message) as caught:
        ScenarioCatalog(tmp_path).get()
    assert "\n" not in str(caught.value)


def test_shipped_scenarios_load_and_their_files_exist() -> None:
    catalog = ScenarioCatalog(Settings().sample_data_dir)
    assert not catalog.problems(), "a shipped scenario is left out"
    scenarios = catalog.all()
    folders = {p.parent.name for p in Settings().sample_data_dir.glob("*/scenario.yaml")}
    assert {s.name for s in scenarios} == folders and len(folders) >= 3
    for scenario in scenarios:
        assert scenario.system_prompt and scenario.example_questions
        for path in (scenario.knowledge_base, scenario.eval_set, scenario.train_set):
            assert path is None or path.exists(), f"{scenario.name}: {path} is missing"


def test_every_shipped_scenario_names_its_own_shipped_adapter() -> None:
    settings = Settings()
    for scenario in ScenarioCatalog(settings.sample_data_dir).all():
        name = scenario.extra.get("adapter")
        assert name, f"{scenario.name} names no adapter, so its fine-tuned lane cannot run"
        card = settings.adapters_dir / str(name) / "card.json"
        assert card.exists(), f"{scenario.name}: adapter {name} does not ship"
        assert name not in {
            other.extra.get("adapter") for other in ScenarioCatalog(settings.sample_data_dir).all() if other != scenario
        }, f"{scenario.name} shares its adapter with another scenario"
