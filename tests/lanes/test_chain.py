"""The chain lane: each step's output feeds the next; steps, totals and failures are visible."""

from __future__ import annotations

import pytest

from playground.lanes import LaneContext, LaneError
from playground.lanes.builtin.chain import parse_chain
from tests.fakes import FakeGateway, final_answer

CHAIN = """
- name: facts
  prompt: "List the facts in: {question}"
- name: answer
  prompt: "Facts: {facts}. Now answer: {question}"
"""


def _echo_step(messages) -> str:
    user = messages[-1]["content"]
    return "FACTS" if user.startswith("List") else f"ANSWER from <{user}>"


def test_each_step_feeds_the_next_and_the_last_is_the_answer(scenario) -> None:
    gateway = FakeGateway(reply_for=_echo_step)
    answer = final_answer("chain", "Q1?", scenario, LaneContext(), gateway, steps=CHAIN)
    assert answer.error is None
    assert [s.name for s in answer.steps] == ["facts", "answer"]
    assert gateway.calls[1]["messages"][-1]["content"] == "Facts: FACTS. Now answer: Q1?"
    assert answer.text == "ANSWER from <Facts: FACTS. Now answer: Q1?>"
    assert answer.usage.prompt_tokens == sum(s.usage.prompt_tokens for s in answer.steps)
    assert answer.usage.completion_tokens == sum(s.usage.completion_tokens for s in answer.steps)
    assert answer.to_dict()["steps"][0]["output"] == "FACTS"


def test_a_retrieval_step_searches_the_knowledge_base(scenario, kb) -> None:
    chain = '- {name: terms, prompt: "Keywords: {question}"}\n- {name: found, retrieve: "{terms}"}\n'
    chain += '- {name: answer, prompt: "{found} -- {question}"}\n'
    gateway = FakeGateway(reply_for=lambda m: "meal per diem" if "Keywords" in m[-1]["content"] else "$80")
    answer = final_answer(
        "chain", "How much for food?", scenario, LaneContext(knowledge=lambda s: kb), gateway, steps=chain
    )
    assert [(s.kind, s.name) for s in answer.steps] == [
        ("llm", "terms"),
        ("tool", "search_knowledge"),
        ("llm", "answer"),
    ]
    assert answer.steps[1].input["query"] == "meal per diem"
    assert answer.passages and "travel.md" in gateway.calls[1]["messages"][-1]["content"]


def test_a_failing_step_is_named_and_keeps_the_steps_before_it(scenario) -> None:
    def fail_second(messages):
        if messages[-1]["content"].startswith("Facts"):
            raise RuntimeError("model fell over")
        return "FACTS"

    gateway = FakeGateway(reply_for=fail_second)
    answer = final_answer("chain", "Q?", scenario, LaneContext(), gateway, steps=CHAIN)
    assert answer.done and "chain step 'answer' failed: model fell over" in answer.error
    assert [s.name for s in answer.steps] == ["facts", "answer"] and answer.steps[1].error


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("- {name: a, prompt: 'uses {later}'}\n- {name: later, prompt: x}", "uses {later}, which no earlier step"),
        ("- {name: a}", "needs exactly one of prompt or retrieve"),
        ("- {name: a, prompt: x}\n- {name: b, retrieve: x}", "last step must be a prompt"),
        ("not: [a list", "not valid YAML"),
        ("[]", "needs a list of steps"),
        ("- {name: a, prompt: 'x {} y'}", r"use \{question\} or \{<step name>\}"),
        ("- {name: a, prompt: x, max_tokens: -3}", "max_tokens must be a whole number from 1 to 8192"),
        ("- {name: a, prompt: x, max_tokens: lots}", "max_tokens must be a whole number"),
        ("- {name: a, prompt: x}\n- {name: a, prompt: y}", "the name 'a' is taken"),
        ("- {name: question, prompt: x}", "the name 'question' is taken"),
    ],
)
def test_bad_chains_are_refused_with_the_reason(spec: str, message: str) -> None:
    with pytest.raises(LaneError, match=message):
        parse_chain(spec)


def test_a_scenario_without_a_chain_says_how_to_add_one(scenario) -> None:
    answer = final_answer("chain", "Q?", scenario, LaneContext())
    assert "declares no chain" in answer.error


def test_the_shipped_scenarios_declare_valid_chains() -> None:
    from pathlib import Path

    from playground.scenarios import ScenarioCatalog

    for shipped in ScenarioCatalog(Path("sample_data")).all():
        assert len(parse_chain(shipped.extra["chain"])) >= 2, shipped.name


def test_a_failing_chain_or_tool_call_leaves_the_other_lanes_alone(scenario) -> None:
    from playground.lanes import run_lanes
    from tests.fakes import lane_job

    def reply_for(messages):
        content = messages[-1]["content"]
        if content.startswith("Facts"):
            raise RuntimeError("model fell over")
        if "final_answer" in messages[0]["content"]:
            return "not a tool call"
        return "FACTS" if content.startswith("List") else "Paris."

    jobs = [lane_job("chain", steps=CHAIN), lane_job("tools"), lane_job("prompting")]
    final = list(run_lanes(FakeGateway(reply_for=reply_for), "Capital?", scenario, jobs, LaneContext()))[-1]
    assert "chain step 'answer' failed" in final["chain"].error
    assert final["tools"].error is None and any("malformed tool call" in (s.error or "") for s in final["tools"].steps)
    assert final["prompting"].error is None and final["prompting"].text == "Paris."


@pytest.mark.parametrize(
    "template",
    [
        "{question:>2000000000}",
        "{question:{question}}",
        "{question!r}",
        "{question!s:^50}",
        "{question.__class__}",
        "{question[0]}",
    ],
)
def test_a_format_spec_conversion_or_attribute_is_refused_before_anything_runs(scenario, template: str) -> None:
    with pytest.raises(LaneError, match="as they are, with no format spec"):
        parse_chain([{"name": "answer", "prompt": template}])
    gateway = FakeGateway()
    answer = final_answer(
        "chain", "Q?", scenario, LaneContext(), gateway, steps=f"- {{name: answer, prompt: '{template}'}}"
    )
    assert "no format spec" in (answer.error or "") and gateway.calls == []
    retrieval = [{"name": "found", "retrieve": template}, {"name": "answer", "prompt": "{found}"}]
    with pytest.raises(LaneError, match="no format spec"):
        parse_chain(retrieval)


def test_plain_placeholders_and_literal_braces_still_work(scenario) -> None:
    gateway = FakeGateway()
    answer = final_answer(
        "chain", "Q?", scenario, LaneContext(), gateway, steps="- {name: a, prompt: '{{x}} {question}'}"
    )
    assert answer.error is None and gateway.calls[0]["messages"][-1]["content"] == "{x} Q?"
