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
    done: bool = False

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
        }
