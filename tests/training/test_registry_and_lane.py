"""Adapter names and registry, the fine-tuned lane's routing, the probe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from playground.lanes import LaneContext
from playground.training.forgetting import ProbeResult, compare_to_base, load_probe, record_on_card, run_probe
from playground.training.registry import AdapterError, AdapterRegistry, check_adapter_name
from tests.fakes import FakeGateway, final_answer


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


def test_finetuned_lane_routes_to_base_plus_adapter_shown_by_name(tmp_path: Path, scenario) -> None:
    path = _adapter(tmp_path, "tone")
    context = LaneContext(adapters=AdapterRegistry([(tmp_path, True)]))
    gateway = FakeGateway(reply="Styled.")
    final = final_answer("finetuned", "Hi?", scenario, context, gateway, model="ignored", adapter="tone")
    assert final.error is None and final.text == "Styled."
    assert final.model == "local/smollm2-135m-instruct::tone", "the adapter by name, never its folder"
    assert final.messages == [
        {"role": "system", "content": scenario.system_prompt},
        {"role": "user", "content": "Hi?"},
    ]
    assert gateway.calls[0]["model"] == "local/smollm2-135m-instruct::tone"
    assert str(path.resolve()) not in json.dumps(final.to_dict())


def test_finetuned_lane_without_adapters_says_what_to_do(tmp_path: Path, scenario) -> None:
    context = LaneContext(adapters=AdapterRegistry([(tmp_path, True)]))
    final = final_answer("finetuned", "Hi?", scenario, context)
    assert "has no adapter of its own: train one" in final.error


def test_a_scenario_without_an_adapter_never_borrows_another_scenarios(tmp_path: Path, scenario) -> None:
    _adapter(tmp_path, "pricing")
    context = LaneContext(adapters=AdapterRegistry([(tmp_path, True)]))
    gateway = FakeGateway(reply="Borrowed.")
    final = final_answer("finetuned", "Hi?", scenario, context, gateway)
    assert "has no adapter of its own" in final.error and gateway.calls == []


def test_forgetting_probe_scores_replies() -> None:
    items = load_probe()
    assert len(items) >= 20
    result = run_probe(FakeGateway(reply="Paris, I think."), "fake/m", items)
    expected = [any(answer in "paris, i think." for answer in item.answers) for item in items]
    assert result.right == tuple(expected) and result.right[0] is True  # the capital of France, and any other Paris
    assert result.correct == sum(expected) < len(items) and result.score == pytest.approx(sum(expected) / len(items))


def _probe(model: str, right: list[bool]) -> ProbeResult:
    n = len(right)
    return ProbeResult(model, sum(right) / n, sum(right), n, tuple("" for _ in right), tuple(right))


def test_forgetting_is_a_paired_change_with_an_interval(tmp_path: Path) -> None:
    base = _probe("base", [True] * 150 + [False] * 10)
    forgot = compare_to_base(base, _probe("adapter", [True] * 100 + [False] * 60))
    assert forgot.change == pytest.approx(-50 / 160) and forgot.lost == 50 and forgot.gained == 0
    assert forgot.ci95 is not None and forgot.ci95[1] < 0
    assert forgot.statement().startswith("the adapter forgot: -31.2% against the base at n = 160")
    same = compare_to_base(base, _probe("adapter", [True] * 149 + [False] * 10 + [True]))
    assert same.statement().startswith("no clear change against the base at n = 160")
    folder = _adapter(tmp_path, "tone")
    record_on_card(folder, forgot)
    card = json.loads((folder / "card.json").read_text())
    assert card["steps"] == 2 and card["forgetting"]["lost"] == 50 and card["forgetting"]["probe_questions"] == 160
