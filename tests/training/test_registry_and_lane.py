"""Adapter names and registry, the fine-tuned lane's routing, the probe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from playground.lanes import LaneJob, run_lane
from playground.strategies import LaneContext, LaneOptions, StrategyError, get_strategy
from playground.training.forgetting import load_probe, run_probe
from playground.training.registry import AdapterError, AdapterRegistry, check_adapter_name
from tests.fakes import FakeGateway


def _adapter(folder: Path, name: str, base: str = "smollm2-135m-instruct") -> Path:
    path = folder / name
    path.mkdir(parents=True)
    (path / "adapter_config.json").write_text("{}")
    (path / "card.json").write_text(json.dumps({"base_model": base, "steps": 2}))
    return path


@pytest.mark.parametrize("name", ["../evil", "a/b", ".hidden", "", "UPPER", "x" * 65, "sp ace"])
def test_path_tricks_and_odd_names_are_refused(name: str) -> None:
    with pytest.raises(AdapterError, match="invalid adapter name"):
        check_adapter_name(name)


def test_registry_lists_shipped_then_own_and_skips_junk(tmp_path: Path) -> None:
    shipped, own = tmp_path / "shipped", tmp_path / "own"
    _adapter(shipped, "pricing")
    _adapter(own, "mine")
    _adapter(own, "pricing", base="other")  # a clash: the shipped one wins
    (own / ".mine.tmp123").mkdir()  # staging of an unfinished job
    (own / "no-card").mkdir()
    registry = AdapterRegistry([(shipped, True), (own, False)])
    assert registry.names() == ["pricing", "mine"]
    assert registry.get("pricing").read_only and registry.get("pricing").base_model == "smollm2-135m-instruct"
    assert not registry.get("mine").read_only
    with pytest.raises(AdapterError, match="unknown adapter 'nope'; known: pricing, mine"):
        registry.get("nope")


def test_finetuned_lane_routes_to_base_plus_adapter(tmp_path: Path, scenario) -> None:
    path = _adapter(tmp_path, "tone")
    context = LaneContext(adapters=AdapterRegistry([(tmp_path, True)]))
    prepared = get_strategy("finetuned").prepare("Hi?", scenario, LaneOptions(model="ignored", adapter="tone"), context)
    assert prepared.model == f"local/smollm2-135m-instruct::{path.resolve()}"
    assert prepared.messages == [
        {"role": "system", "content": scenario.system_prompt},
        {"role": "user", "content": "Hi?"},
    ]
    final = list(
        run_lane(
            FakeGateway(reply="Styled."),
            "Hi?",
            scenario,
            LaneJob("finetuned", LaneOptions(model="x", adapter="tone")),
            context,
        )
    )[-1]
    assert final.error is None and final.model == prepared.model


def test_finetuned_lane_without_adapters_says_what_to_do(tmp_path: Path, scenario) -> None:
    context = LaneContext(adapters=AdapterRegistry([(tmp_path, True)]))
    with pytest.raises(StrategyError, match="no adapter yet: train one"):
        get_strategy("finetuned").prepare("Hi?", scenario, LaneOptions(model="m"), context)


def test_forgetting_probe_scores_replies() -> None:
    items = load_probe()
    assert len(items) >= 20
    result = run_probe(FakeGateway(reply="Paris, I think."), "fake/m", items)
    assert result.correct == 1 and result.total == len(items)  # only the capital of France matches
    assert result.score == pytest.approx(1 / len(items))
