"""The cost model's arithmetic against hand-computed values: stages, unknown prices, cache, one-off, break-even."""

from __future__ import annotations

import pytest

from playground.costs.hardware import HardwareError, get_hardware, hardware_names
from playground.costs.one_off import OneOffCost, index_cost, training_cost
from playground.costs.pricing import price_answer, priced
from playground.costs.projection import LaneCostLine, break_even, break_evens, cheapest_at
from playground.records import Answer, Step, Usage
from tests.fakes import FakeGateway, final_answer

LOCAL = "local/smollm2-135m-instruct"
THIS_MACHINE = get_hardware()  # $0.067 an hour


def _answer(*steps: Step) -> Answer:
    answer = Answer(lane="x", model=LOCAL)
    for step in steps:
        answer.add_step(step)
    return answer


def test_a_local_call_costs_its_seconds_at_the_hourly_price() -> None:
    answer = priced(_answer(Step("llm", "answer", [], "42", Usage(90, 10), latency_s=3.6, model=LOCAL)), THIS_MACHINE)
    assert THIS_MACHINE.usd_per_hour == 0.067
    assert answer.cost_usd == pytest.approx(0.067 * 3.6 / 3600)  # $0.000067
    stage = answer.cost.stages[0]
    assert (stage.stage, stage.prompt_tokens, stage.completion_tokens) == ("answer", 90, 10)
    assert "3.600 s at $0.067/hour (this machine)" in stage.basis


def test_a_multi_call_lane_costs_the_sum_of_its_stages() -> None:
    answer = _answer(
        Step("llm", "search_terms", [], "kestrel", Usage(40, 5), latency_s=1.8, model=LOCAL),
        Step("tool", "passages", "kestrel", "[1] ...", latency_s=0.36),
        Step("llm", "answer", [], "100 mV/g", Usage(300, 8), latency_s=0.9, model=LOCAL),
    )
    breakdown = price_answer(answer, get_hardware("T4"))  # $0.40 an hour
    assert [s.cost_usd for s in breakdown.stages] == pytest.approx([0.4 * 1.8 / 3600, 0.4 * 0.36 / 3600, 0.0001])
    assert breakdown.total_usd == pytest.approx(0.4 * 3.06 / 3600)
    assert breakdown.total_usd == pytest.approx(sum(s.cost_usd for s in breakdown.stages))


def test_a_remote_call_uses_its_price_map_price_and_an_unknown_price_stays_unknown() -> None:
    known = _answer(
        Step("tool", "retrieve", "q", "", latency_s=0.036),
        Step("llm", "answer", [], "a", Usage(1000, 100), cost_usd=0.0012, latency_s=2.0, model="openai/gpt-4o-mini"),
    )
    breakdown = price_answer(known, THIS_MACHINE)
    assert breakdown.total_usd == pytest.approx(0.0012 + 0.067 * 0.036 / 3600)
    assert "litellm price map: 1000 prompt + 100 answer tokens" == breakdown.stages[1].basis
    unknown = _answer(Step("llm", "answer", [], "a", Usage(10, 1), cost_usd=None, latency_s=1, model="acme/new-model"))
    breakdown = price_answer(unknown, THIS_MACHINE)
    assert breakdown.total_usd is None and breakdown.stages[0].cost_usd is None
    assert "no price for acme/new-model" in breakdown.stages[0].basis


def test_a_cached_stage_is_priced_as_it_was_measured_and_marked() -> None:
    answer = _answer(Step("llm", "answer", [], "a", Usage(5, 5), latency_s=7.2, cached=True, model=LOCAL))
    stage = price_answer(answer, get_hardware("A10G")).stages[0]
    assert stage.cached and stage.cost_usd == pytest.approx(0.002)  # 7.2 s at $1.00/hour


def test_a_lane_without_steps_costs_its_whole_time() -> None:
    answer = Answer(lane="baseline", model="none", latency_s=0.0036)
    assert price_answer(answer, get_hardware("H100")).total_usd == pytest.approx(3.99 * 0.0036 / 3600)


def test_hardware_presets_carry_a_source_and_custom_needs_a_price() -> None:
    assert hardware_names()[:2] == ["this machine", "Spaces CPU"] and hardware_names()[-1] == "custom"
    for name in hardware_names()[:-1]:
        preset = get_hardware(name)
        assert preset.usd_per_hour > 0 and preset.source and preset.read_on  # a preset is never free
    assert get_hardware("custom", 2.5).cost_of(1800) == pytest.approx(1.25)
    with pytest.raises(HardwareError, match="hourly price"):
        get_hardware("custom", -1)
    with pytest.raises(HardwareError, match="unknown hardware 'TPU'; choose one of: this machine"):
        get_hardware("TPU")


def test_one_off_costs_of_an_index_and_a_training_run() -> None:
    assert index_cost(36.0, "all-MiniLM-L6-v2", THIS_MACHINE).cost_usd == pytest.approx(0.00067)
    assert index_cost(None, "all-MiniLM-L6-v2", THIS_MACHINE).cost_usd is None
    api = index_cost(36.0, "openai/text-embedding-3-small", THIS_MACHINE)
    assert api.cost_usd is None and "per token" in api.basis
    assert training_cost({"seconds": 3600, "device": "cpu"}, "pricing").cost_usd == pytest.approx(0.067)
    gpu = training_cost({"seconds": 1800, "device": "cuda"}, "pricing")
    assert gpu.cost_usd == pytest.approx(3.99 / 2) and "H100" in gpu.basis
    assert training_cost({}, "pricing").cost_usd is None


def test_break_even_where_the_cheaper_answer_repays_the_training_run() -> None:
    prompting = LaneCostLine("prompting", 0.001)
    finetuned = LaneCostLine("finetuned", 0.0002, (OneOffCost("training", 0.8, "card"),))
    point = break_even(prompting, finetuned)
    assert point is not None and point.volume == pytest.approx(1000)
    assert (point.cheaper_before, point.cheaper_after) == ("prompting", "finetuned")
    assert prompting.total(500) == pytest.approx(0.5) and finetuned.total(500) == pytest.approx(0.9)
    assert cheapest_at([prompting, finetuned], 500) is prompting
    assert cheapest_at([prompting, finetuned], 5000) is finetuned
    assert finetuned.monthly(10_000) == pytest.approx(2.0)
    # a lane that is cheaper per answer and costs nothing up front never crosses; unknowns never cross
    assert break_even(prompting, LaneCostLine("baseline", 0.0)) is None
    assert break_even(prompting, LaneCostLine("remote", None)) is None
    rag = LaneCostLine("rag", 0.0005, (OneOffCost("index", 0.1, "build"),))
    assert [round(p.volume) for p in break_evens([prompting, finetuned, rag])] == [200, 1000, 2333]


def test_every_local_lane_run_through_the_runner_has_a_number_and_its_breakdown(scenario) -> None:
    gateway = FakeGateway(reply="Hello.", delay_s=0.02)  # one word: one measurable wait
    answer = final_answer("prompting", "Hi?", scenario, gateway=gateway, model=LOCAL)
    (step,) = answer.steps
    assert step.latency_s >= 0.02
    assert answer.cost_usd == pytest.approx(0.067 * step.latency_s / 3600)  # its seconds at this machine's price
    assert answer.to_dict()["cost"]["total_usd"] == answer.cost_usd
    assert answer.to_dict()["cost"]["hardware"]["name"] == "this machine"
    remote = final_answer("prompting", "Hi?", scenario, gateway=FakeGateway(reply="Hello."), model="acme/unpriced")
    assert remote.cost_usd is None
