"""The RAG lane: retrieve passages from the scenario's knowledge base, then answer from them."""

from __future__ import annotations

from playground.knowledge.store import SEARCH_MODES
from playground.prompts import load_prompt
from playground.records import Passage
from playground.scenarios import Scenario
from playground.strategies.base import (
    LaneContext,
    LaneOptions,
    Prepared,
    StrategyError,
    knowledge_for,
    opening_messages,
    system_prompt,
)


def format_passages(passages: list[Passage]) -> str:
    """Numbered passages with their source and section, as the model sees them."""
    blocks = []
    for number, passage in enumerate(passages, start=1):
        where = passage.source + (f" / {passage.section}" if passage.section else "")
        blocks.append(f"[{number}] ({where})\n{passage.text}")
    return "\n\n".join(blocks) if blocks else "(no passages found)"


class RagStrategy:
    """The model answers from what a LanceDB search of the team's documents returns."""

    name = "rag"
    title = "RAG"

    def prepare(self, question: str, scenario: Scenario, options: LaneOptions, context: LaneContext) -> Prepared:
        if options.search_mode not in SEARCH_MODES:
            raise StrategyError(f"unknown search mode '{options.search_mode}'; use one of {', '.join(SEARCH_MODES)}")
        if options.k < 1:
            raise StrategyError("k must be at least 1")
        result = knowledge_for(context, scenario).search(question, k=options.k, mode=options.search_mode)
        user = load_prompt("rag").format(passages=format_passages(result.passages), question=question)
        messages = opening_messages(system_prompt(scenario, options))
        messages.append({"role": "user", "content": user})
        return Prepared(
            messages=messages,
            passages=result.passages,
            timings={"embed_s": result.embed_seconds, "retrieval_s": result.search_seconds},
        )
