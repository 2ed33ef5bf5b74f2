"""Tools a lane's model may call: a safe calculator, a knowledge-base search and a price lookup.

Each tool takes one string and returns text. A scenario chooses its tools in `scenario.yaml`
(`tools: [calculator, lookup_price]`); without that, it gets the calculator, plus
`search_knowledge` when it has a knowledge base.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from simpleeval import SimpleEval

from playground.lanes.base import LaneContext, LaneError, knowledge_for
from playground.scenarios import Scenario

MAX_EXPRESSION_CHARS = 200
THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")


@dataclass(frozen=True)
class Tool:
    """A named function of one text input, with the description the model reads."""

    name: str
    description: str
    run: Callable[[str, Scenario, LaneContext], str]


def calculate(expression: str, scenario: Scenario, context: LaneContext) -> str:
    """Arithmetic only (simpleeval: no names, no calls, no attribute access, bounded powers)."""
    expression = THOUSANDS.sub("", expression.strip().replace("$", ""))  # 1,299.99 -> 1299.99; max(1, 2) stays
    if not expression or len(expression) > MAX_EXPRESSION_CHARS:
        raise LaneError(f"give an arithmetic expression of 1 to {MAX_EXPRESSION_CHARS} characters")
    evaluator = SimpleEval(functions={"round": round, "min": min, "max": max, "abs": abs}, names={})
    try:
        value = evaluator.eval(expression)
    except Exception as exc:
        raise LaneError(f"cannot calculate '{expression}': {exc}") from exc
    if not isinstance(value, int | float):
        raise LaneError(f"'{expression}' is not arithmetic")
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def _search(query: str, scenario: Scenario, context: LaneContext, k: int) -> str:
    from playground.lanes.builtin.rag import format_passages  # the RAG lane's passage format

    if not query.strip():
        raise LaneError("give a search query")
    return format_passages(knowledge_for(context, scenario).search(query, k=k).passages)


def search_knowledge(query: str, scenario: Scenario, context: LaneContext) -> str:
    return _search(query, scenario, context, k=3)


def lookup_price(description: str, scenario: Scenario, context: LaneContext) -> str:
    """The closest products in the scenario's price list (its knowledge base), with their prices."""
    return _search(description, scenario, context, k=3)


TOOLS = {
    tool.name: tool
    for tool in (
        Tool("calculator", "arithmetic on numbers, e.g. 129.99 * 0.8", calculate),
        Tool("search_knowledge", "search the company's documents; input: search words", search_knowledge),
        Tool("lookup_price", "find similar products and their prices; input: a product description", lookup_price),
    )
}


def tools_for(scenario: Scenario) -> list[Tool]:
    """The scenario's declared tools, or the calculator plus search when it has a knowledge base."""
    names = scenario.extra.get("tools")
    if names is None:
        names = ["calculator"] + (["search_knowledge"] if scenario.knowledge_base else [])
    unknown = [n for n in names if n not in TOOLS]
    if unknown:
        raise LaneError(f"scenario '{scenario.name}' names unknown tools: {', '.join(map(str, unknown))}")
    return [TOOLS[name] for name in names]
