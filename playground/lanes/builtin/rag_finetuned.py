"""The RAG + fine-tuned lane: the scenario's retrieval feeds the fine-tuned adapter.

It completes the two-by-two: with and without retrieval, with and without fine-tuning. The
adapter brings the skill or the tone, the passages bring the facts; it costs both the index
and the training run. Like the fine-tuned lane, it sends the system prompt the adapter's training
data used.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from playground.lanes.base import TRAINED_SYSTEM_PROMPT, LaneContext, LaneOptions, Recorder, trained_system_prompt
from playground.lanes.builtin.finetuned import ADAPTER, AdapterLane
from playground.lanes.builtin.rag import RETRIEVAL_CONTROLS, rag_messages, retrieve
from playground.lanes.registry import register
from playground.llm import ChatGateway
from playground.records import Answer
from playground.scenarios import Scenario


@dataclass(frozen=True)
class RagFinetunedOptions(LaneOptions):
    k: int = 5
    search_mode: str = "hybrid"
    passage_order: str = "best_last"  # chosen on the dev split (scripts/tune_rag.py, bench/rag_tuning.json)
    rag_instruction: str | None = None
    adapter: str | None = None


@register
class RagFinetunedLane(AdapterLane):
    """Retrieve like the RAG lane, answer with the adapter like the fine-tuned lane."""

    name = "rag-finetuned"
    one_off = ("index", "adapter")
    title = "RAG + fine-tuned"
    order = 60
    summary = (
        "Retrieval feeding the adapter. Helps when the answer needs both the team's facts and a trained skill "
        "or tone; costs the index, the training run and RAG's longer prompts."
    )
    options_type = RagFinetunedOptions
    controls = (*RETRIEVAL_CONTROLS, ADAPTER, TRAINED_SYSTEM_PROMPT)

    def run(
        self, question: str, scenario: Scenario, options: LaneOptions, context: LaneContext, gateway: ChatGateway
    ) -> Iterator[Answer]:
        assert isinstance(options, RagFinetunedOptions)
        model = self.model_for(scenario, options, context)
        recorder = Recorder(Answer(lane=self.name, model=str(model)), gateway, options)
        yield recorder.snapshot()
        passages = retrieve(recorder, question, scenario, options, context)
        system = trained_system_prompt(scenario, options)  # the one the adapter was trained with
        recorder.answer.messages = rag_messages(question, passages, scenario, options, system)
        yield recorder.snapshot()
        yield from recorder.call("answer", recorder.answer.messages, model)
        yield recorder.finish()
