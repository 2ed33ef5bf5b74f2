"""The one record every lane returns: an answer with its usage, cost, timings and passages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Usage:
    """Token counts as the model's tokenizer (or the provider) reported them."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Passage:
    """A piece of the knowledge base a lane used to answer."""

    source: str
    text: str
    score: float
    section: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "text": self.text, "score": self.score}


@dataclass(frozen=True)
class Step:
    """One call a lane made: a model call (`llm`) or a tool call (`tool`, retrieval included)."""

    kind: str  # "llm" or "tool"
    name: str
    input: Any
    output: str
    usage: Usage = field(default_factory=Usage)
    cost_usd: float | None = None
    latency_s: float = 0.0
    error: str | None = None
    cached: bool = False
    model: str | None = None  # the model a `llm` step called (its name as shown, adapter included)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "model": self.model,
            "input": self.input,
            "output": self.output,
            "prompt_tokens": self.usage.prompt_tokens,
            "completion_tokens": self.usage.completion_tokens,
            "cost_usd": self.cost_usd,
            "latency_s": self.latency_s,
            "error": self.error,
            "cached": self.cached,
        }


@dataclass
class Answer:
    """What one lane produced for one question; filled in as the answer streams."""

    lane: str
    model: str
    text: str = ""
    usage: Usage = field(default_factory=Usage)
    cost_usd: float | None = None
    ttft_s: float | None = None
    latency_s: float | None = None
    error: str | None = None
    passages: list[Passage] = field(default_factory=list)
    messages: list[dict[str, str]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # e.g. embed_s, retrieval_s (RAG)
    steps: list[Step] = field(default_factory=list)
    done: bool = False
    cost: Any = None  # the priced stages (costs.CostBreakdown) once the lane is done

    def add_step(self, step: Step) -> None:
        """Record a call; the answer's tokens and cost stay the sums over its steps."""
        self.steps = [*self.steps, step]
        self.usage = Usage(
            sum(s.usage.prompt_tokens for s in self.steps), sum(s.usage.completion_tokens for s in self.steps)
        )
        self.cost_usd = step_cost(self.steps)

    @property
    def cached(self) -> bool:
        """Every model call came from the evaluation cache (nothing was generated for this answer)."""
        calls = [s for s in self.steps if s.kind == "llm"]
        return bool(calls) and all(s.cached for s in calls)

    @property
    def tokens_per_second(self) -> float | None:
        """Completion tokens over the whole latency (end to end, first token wait included)."""
        if not self.latency_s or not self.usage.completion_tokens:
            return None
        return self.usage.completion_tokens / self.latency_s

    def to_dict(self) -> dict[str, Any]:
        """The command-line contract's shape for one lane."""
        return {
            "lane": self.lane,
            "model": self.model,
            "answer": self.text,
            "prompt_tokens": self.usage.prompt_tokens,
            "completion_tokens": self.usage.completion_tokens,
            "cost_usd": self.cost_usd,
            "ttft_s": self.ttft_s,
            "latency_s": self.latency_s,
            "error": self.error,
            "passages": [p.to_dict() for p in self.passages],
            "steps": [s.to_dict() for s in self.steps],
            "cost": self.cost.to_dict() if self.cost is not None else None,
        }


def step_cost(steps: list[Step]) -> float | None:
    """The sum of the model calls' costs; unknown (None) when any call's price is unknown, 0 without calls."""
    costs = [s.cost_usd for s in steps if s.kind == "llm"]
    if any(c is None for c in costs):
        return None
    return float(sum(c for c in costs if c is not None))
