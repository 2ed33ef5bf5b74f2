"""An optional LLM judge: any litellm model scores an answer 1-5 for accuracy, completeness and relevance.

The judge's own tokens and cost are counted, so a scoreboard can show what grading cost. It is
off unless the user names a judge model; a reply it cannot read counts as no score, not a crash.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from playground.evaluation.cache import AnswerCache, cache_key
from playground.lanes import ChatGateway
from playground.llm import ModelError
from playground.prompts import load_prompt
from playground.records import Usage

CRITERIA = ("accuracy", "completeness", "relevance")
_JSON_OBJECT = re.compile(r"\{[^{}]*\}")


@dataclass(frozen=True)
class JudgeScores:
    """1-5 per criterion (None where the judge's reply had no readable score), with its own cost."""

    scores: dict[str, int | None]
    usage: Usage
    cost_usd: float | None
    error: str | None = None


def parse_scores(reply: str) -> dict[str, int | None]:
    """Scores out of the judge's reply: the first JSON object, each value kept when it is 1-5."""
    for candidate in _JSON_OBJECT.findall(reply):
        try:
            data = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        if isinstance(data, dict):
            return {c: _score(data.get(c)) for c in CRITERIA}
    return dict.fromkeys(CRITERIA)


def _score(value: object) -> int | None:
    try:
        score = round(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return score if 1 <= score <= 5 else None


class Judge:
    """Grades answers with one model through the gateway (cached like lane answers)."""

    def __init__(self, gateway: ChatGateway, model: str, cache: AnswerCache | None = None) -> None:
        self.gateway = gateway
        self.model = model
        self.cache = cache

    def grade(self, question: str, reference: str, answer: str) -> JudgeScores:
        prompt = load_prompt("judge").format(question=question, reference=reference, answer=answer)
        messages = [{"role": "user", "content": prompt}]
        key = cache_key(self.model, messages, 64, 0.0)
        record = self.cache.get(key) if self.cache is not None else None
        if record is None:
            try:
                completion = self.gateway.complete(self.model, messages, max_tokens=64, temperature=0.0)
            except ModelError as exc:
                return JudgeScores(dict.fromkeys(CRITERIA), Usage(), None, error=str(exc))
            record = {
                "text": completion.text,
                "usage": [completion.usage.prompt_tokens, completion.usage.completion_tokens],
                "cost_usd": completion.cost_usd,
            }
            if self.cache is not None:
                self.cache.put(key, record)
        scores = parse_scores(record["text"])
        error = None if any(v is not None for v in scores.values()) else "the judge's reply held no scores"
        return JudgeScores(scores, Usage(*record["usage"]), record["cost_usd"], error)
