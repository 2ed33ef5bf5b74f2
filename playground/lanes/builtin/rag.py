"""The RAG lane: retrieve passages from the scenario's knowledge base, then answer from them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from playground.knowledge.store import SEARCH_MODES
from playground.lanes.base import (
    SYSTEM_PROMPT,
    Control,
    Lane,
    LaneContext,
    LaneOptions,
    Recorder,
    knowledge_for,
    opening_messages,
    system_prompt,
)
from playground.lanes.registry import register
from playground.llm import ChatGateway
from playground.prompts import load_prompt
from playground.records import Answer, Passage, Step
from playground.scenarios import Scenario


@dataclass(frozen=True)
class RagOptions(LaneOptions):
    k: int = 5  # passages retrieved
    search_mode: str = "hybrid"  # vector, fts or hybrid


RETRIEVAL_CONTROLS = (
    Control("k", "Passages retrieved (k)", "int", minimum=1, maximum=20, step=1, flag="--k"),
    Control("search_mode", "Search", "choice", SEARCH_MODES, flag="--mode"),
)


def format_passages(passages: list[Passage]) -> str:
    """Numbered passages with their source and section, as the model sees them."""
    blocks = []
    for number, passage in enumerate(passages, start=1):
        where = passage.source + (f" / {passage.section}" if passage.section else "")
        blocks.append(f"[{number}] ({where})\n{passage.text}")
    return "\n\n".join(blocks) if blocks else "(no passages found)"


def retrieve(recorder: Recorder, query: str, scenario: Scenario, options: LaneOptions, context: LaneContext) -> str:
    """Search the knowledge base, record the search as a step, and return the passages as text."""
    k, mode = getattr(options, "k", 5), getattr(options, "search_mode", "hybrid")
    result = knowledge_for(context, scenario).search(query, k=k, mode=mode)
    answer = recorder.answer
    answer.passages = [*answer.passages, *result.passages]
    answer.timings = answer.timings | {
        "embed_s": answer.timings.get("embed_s", 0.0) + result.embed_seconds,
        "retrieval_s": answer.timings.get("retrieval_s", 0.0) + result.search_seconds,
    }
    text = format_passages(result.passages)
    seconds = result.embed_seconds + result.search_seconds
    answer.add_step(Step("tool", "search_knowledge", {"query": query, "k": k}, text, latency_s=seconds))
    return text


def rag_messages(
    question: str, passages: str, scenario: Scenario, options: LaneOptions, system: str | None = None
) -> list[dict[str, str]]:
    """The system prompt (the lane's, unless `system` is given), then the passages and the question in one
    user message."""
    messages = opening_messages(system_prompt(scenario, options) if system is None else system)
    messages.append({"role": "user", "content": load_prompt("rag").format(passages=passages, question=question)})
    return messages


@register
class RagLane(Lane):
    """The model answers from what a LanceDB search of the team's documents returns."""

    name = "rag"
    one_off = ("index",)
    on_by_default = True
    title = "RAG"
    order = 40
    summary = (
        "Search the team's documents, answer from the passages found. Helps with specific, current facts "
        "and large knowledge bases; costs an index to build and keep current, and longer prompts."
    )
    options_type = RagOptions
    controls = (*RETRIEVAL_CONTROLS, SYSTEM_PROMPT)

    def run(
        self, question: str, scenario: Scenario, options: LaneOptions, context: LaneContext, gateway: ChatGateway
    ) -> Iterator[Answer]:
        assert isinstance(options, RagOptions)
        recorder = Recorder(Answer(lane=self.name, model=str(options.model)), gateway, options)
        yield recorder.snapshot()
        passages = retrieve(recorder, question, scenario, options, context)
        recorder.answer.messages = rag_messages(question, passages, scenario, options)
        yield recorder.snapshot()
        yield from recorder.call("answer", recorder.answer.messages)
        yield recorder.finish()
