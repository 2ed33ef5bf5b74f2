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

PASSAGE_ORDERS = ("best_first", "best_last")  # best_last: the best passage sits next to the question


@dataclass(frozen=True)
class RagOptions(LaneOptions):
    k: int = 5  # passages retrieved
    search_mode: str = "hybrid"  # vector, fts or hybrid
    passage_order: str = "best_last"  # chosen on the dev split (scripts/tune_rag.py, bench/rag_tuning.json)
    rag_instruction: str | None = None  # None: prompts/rag_instruction.txt


def default_rag_instruction(scenario: Scenario | None = None) -> str:
    """What the model is told to do with the passages, unless a user edited it."""
    return load_prompt("rag_instruction").strip()


RETRIEVAL_CONTROLS = (
    Control("k", "Passages retrieved (k)", "int", minimum=1, maximum=20, step=1, flag="--k"),
    Control("search_mode", "Search", "choice", SEARCH_MODES, flag="--mode"),
    Control(
        "passage_order",
        "Passage order",
        "choice",
        PASSAGE_ORDERS,
        info="best_last puts the best-ranked passage next to the question",
        flag="--passage-order",
    ),
    Control(
        "rag_instruction",
        "Instruction before the passages (editable)",
        "text",
        flag="--rag-instruction",
        scenario_default=default_rag_instruction,
    ),
)


def format_passages(passages: list[Passage], best_last: bool = False) -> str:
    """Passages numbered by rank, with their source and section, as the model sees them.

    With `best_last` they are written in reverse (the best one next to the question), still
    numbered by rank, so a citation like [1] names the same passage as the answer's passage list.
    """
    blocks = []
    for number, passage in enumerate(passages, start=1):
        where = passage.source + (f" / {passage.section}" if passage.section else "")
        blocks.append(f"[{number}] ({where})\n{passage.text}")
    if best_last:
        blocks.reverse()
    return "\n\n".join(blocks) if blocks else "(no passages found)"


def retrieve(recorder: Recorder, query: str, scenario: Scenario, options: LaneOptions, context: LaneContext) -> str:
    """Search the knowledge base, record the search as a step, and return the passages as text."""
    k, mode = getattr(options, "k", 5), getattr(options, "search_mode", "hybrid")
    result = knowledge_for(context, scenario).search(query, k=k, mode=mode)
    answer = recorder.answer
    answer.passages = [*answer.passages, *result.passages]  # ranked, best first (retrieval metrics read it so)
    answer.timings = answer.timings | {
        "embed_s": answer.timings.get("embed_s", 0.0) + result.embed_seconds,
        "retrieval_s": answer.timings.get("retrieval_s", 0.0) + result.search_seconds,
    }
    text = format_passages(result.passages, getattr(options, "passage_order", "best_last") == "best_last")
    seconds = result.embed_seconds + result.search_seconds
    answer.add_step(Step("tool", "search_knowledge", {"query": query, "k": k}, text, latency_s=seconds))
    return text


def rag_messages(
    question: str, passages: str, scenario: Scenario, options: LaneOptions, system: str | None = None
) -> list[dict[str, str]]:
    """The system prompt (the lane's, unless `system` is given), then the instruction, the retrieved
    passages and the question in one user message."""
    instruction = getattr(options, "rag_instruction", None)
    if instruction is None:
        instruction = default_rag_instruction(scenario)
    messages = opening_messages(system_prompt(scenario, options) if system is None else system)
    content = load_prompt("rag").format(instruction=instruction.strip(), passages=passages, question=question)
    messages.append({"role": "user", "content": content.strip()})
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
