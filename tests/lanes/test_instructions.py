"""Fair setups: the instructed lanes are told the scenario's instructions, the adapter lanes their training prompt.

Every lane that calls a model records the messages it sent ("Messages sent" in Compare), and by default
the prompting, chain, tools and RAG lanes' system message is the scenario's system prompt followed by its
instructions. The fine-tuned and RAG + fine-tuned lanes send exactly the system message of the training
data, with nothing added: that is the prompt the adapter learned to answer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from playground.lanes import LaneContext, get_lane
from playground.scenarios import ScenarioCatalog, training_system_prompt
from playground.training.registry import AdapterRegistry
from tests.fakes import FakeGateway, final_answer

SYSTEM = "You answer questions about Tallowmere."
INSTRUCTIONS = "Always answer in exactly one sentence, citing the document."
TRAINED = "You are Tallowmere's trained assistant."
INSTRUCTED_LANES = ("prompting", "chain", "tools", "rag")
ADAPTER_LANES = ("finetuned", "rag-finetuned")


@pytest.fixture
def instructed(tmp_path: Path):
    """A scenario with instructions, a chain and a training set whose system message differs from its own."""
    folder = tmp_path / "scenarios" / "told"
    folder.mkdir(parents=True)
    chain = [{"name": "answer", "prompt": "Answer: {question}"}]
    spec = {
        "title": "Told",
        "system_prompt": SYSTEM,
        "instructions": INSTRUCTIONS,
        "knowledge_base": "kb",
        "train_set": "train.jsonl",
        "adapter": "tone",
        "chain": chain,
    }
    (folder / "scenario.yaml").write_text(json.dumps(spec))  # JSON is YAML
    messages = [
        {"role": "system", "content": TRAINED},
        {"role": "user", "content": "Hi?"},
        {"role": "assistant", "content": "Hello."},
    ]
    (folder / "train.jsonl").write_text(json.dumps({"messages": messages}) + "\n")
    return ScenarioCatalog(folder.parent).get("told")


@pytest.fixture
def context(tmp_path: Path, kb) -> LaneContext:
    adapters = tmp_path / "adapters"
    (adapters / "tone").mkdir(parents=True)
    (adapters / "tone" / "adapter_config.json").write_text("{}")
    (adapters / "tone" / "card.json").write_text(json.dumps({"base_model": "smollm2-135m-instruct"}))
    return LaneContext(knowledge=lambda s: kb, adapters=AdapterRegistry([(adapters, True)]))


def _final_call_gateway() -> FakeGateway:
    # The tools lane's turns want a JSON call; every other call gets the same harmless reply.
    return FakeGateway(reply=json.dumps({"tool": "final_answer", "input": ""}))


@pytest.mark.parametrize("lane", INSTRUCTED_LANES)
def test_the_instructed_lanes_send_the_instructions_in_their_system_prompt(lane, instructed, context) -> None:
    gateway = _final_call_gateway()
    answer = final_answer(lane, "What is the per diem?", instructed, context, gateway)
    assert answer.error is None
    assert gateway.calls, f"{lane} made no model call"
    for call in gateway.calls:  # every call, a chain's steps and the tools' turns too
        system = call["messages"][0]
        assert system["role"] == "system" and system["content"].startswith(SYSTEM)
        assert INSTRUCTIONS in system["content"]
    assert answer.messages and answer.messages[0]["content"].startswith(f"{SYSTEM}\n\n{INSTRUCTIONS}")


@pytest.mark.parametrize("lane", ADAPTER_LANES)
def test_the_adapter_lanes_send_exactly_their_training_system_prompt(lane, instructed, context) -> None:
    gateway = FakeGateway()
    answer = final_answer(lane, "What is the per diem?", instructed, context, gateway)
    assert answer.error is None
    (call,) = gateway.calls
    assert call["messages"][0] == {"role": "system", "content": TRAINED}
    assert not any(INSTRUCTIONS in str(m["content"]) for m in call["messages"])
    assert answer.messages == call["messages"]


@pytest.mark.parametrize("lane", (*INSTRUCTED_LANES, *ADAPTER_LANES))
def test_an_edited_system_prompt_replaces_the_default(lane, instructed, context) -> None:
    gateway = _final_call_gateway()
    final_answer(lane, "Q?", instructed, context, gateway, system_prompt="Be brief.")
    for call in gateway.calls:  # (the tools lane lists its tools after the system prompt)
        system = call["messages"][0]
        assert system["content"].startswith("Be brief.") and INSTRUCTIONS not in system["content"]


def test_the_settings_box_shows_what_each_lane_sends(instructed) -> None:
    """Compare fills each lane's system-prompt box from its control: the instructed or the trained prompt."""
    for name in (*INSTRUCTED_LANES, *ADAPTER_LANES):
        (control,) = [c for c in get_lane(name).controls if c.field == "system_prompt"]
        expected = TRAINED if name in ADAPTER_LANES else f"{SYSTEM}\n\n{INSTRUCTIONS}"
        assert control.scenario_default(instructed) == expected, name


SHIPPED = ScenarioCatalog(Path(__file__).resolve().parents[2] / "sample_data").all()


@pytest.mark.parametrize("shipped", SHIPPED, ids=lambda s: s.name)
def test_every_shipped_scenario_tells_its_lanes_the_task(shipped, context) -> None:
    assert shipped.instructions, f"{shipped.name} declares no instructions"
    assert shipped.instructions in shipped.instructed_system_prompt
    gateway = FakeGateway()
    final_answer("prompting", "Q?", shipped, context, gateway)
    assert shipped.instructions in gateway.calls[0]["messages"][0]["content"]
    # The fine-tuned lane's prompt is the training data's system message, whatever the instructions say.
    first = json.loads(shipped.train_set.read_text(encoding="utf-8").splitlines()[0])
    assert training_system_prompt(shipped) == first["messages"][0]["content"]


def test_every_model_lane_records_the_messages_it_sent(instructed, context) -> None:
    for name in (*INSTRUCTED_LANES, *ADAPTER_LANES):
        gateway = _final_call_gateway()
        answer = final_answer(name, "Q?", instructed, context, gateway)
        assert answer.messages == gateway.calls[-1]["messages"], name
