"""An optional LLM judge: any litellm model scores an answer 1-5 for accuracy, completeness and relevance.

The judge's own tokens and cost are counted, so a scoreboard can show what grading cost. It is
off unless the user names a judge model; a reply it cannot read counts as no score, not a crash.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from playground.evaluation.cache import AnswerCache, CachingGateway
from playground.llm import ChatGateway, ModelError
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
        self.gateway = CachingGateway(gateway, cache)
        self.model = model

    def grade(self, question: str, reference: str, answer: str) -> JudgeScores:
        prompt = load_prompt("judge").format(question=question, reference=reference, answer=answer)
        messages = [{"role": "user", "content": prompt}]
        try:
            completion = self.gateway.complete(self.model, messages, max_tokens=64, temperature=0.0)
        except ModelError as exc:
            return JudgeScores(dict.fromkeys(CRITERIA), Usage(), None, error=str(exc))
        scores = parse_scores(completion.text)
        error = None if any(v is not None for v in scores.values()) else "the judge's reply held no scores"
        return JudgeScores(scores, completion.usage, completion.cost_usd, error)
