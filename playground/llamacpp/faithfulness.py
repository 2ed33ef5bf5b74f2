"""Does a converted GGUF answer like the file it was converted from? Greedy answers and log-probabilities.

Both files are served by llama.cpp (one slot each, so no batching changes the arithmetic), every
question is answered greedily, and two things are compared:

- the answers: the share of questions whose greedy answer is the same text;
- the log-probabilities along the common token prefix of both answers. Up to the first token where
  the answers part, both models read exactly the same context and chose the same token, so the
  difference in that token's log-probability is a teacher-forced measure of how far the
  distributions moved (0 for an identical model). Its mean absolute value, per token, is reported.

The question set is the app's own prompts (each shipped scenario's system prompt and example
questions) plus general-knowledge questions from the forgetting probe.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playground.llamacpp.http import post_json
from playground.llamacpp.server import LlamaServer, ServerConfig
from playground.scenarios import ScenarioCatalog

PROBE = Path(__file__).resolve().parent.parent / "training" / "probe.jsonl"
GENERAL_SYSTEM = "You are a helpful assistant."


@dataclass(frozen=True)
class GreedyAnswer:
    """One greedy answer: its text, and each token with its log-probability."""

    text: str
    tokens: tuple[str, ...]
    logprobs: tuple[float, ...]


@dataclass(frozen=True)
class QuestionComparison:
    question: str
    reference: str
    candidate: str
    common_tokens: int  # tokens both answers share from the start
    logprob_deltas: tuple[float, ...]  # candidate minus reference, over the common tokens

    @property
    def same(self) -> bool:
        return self.reference == self.candidate


@dataclass(frozen=True)
class FaithfulnessReport:
    """How closely a candidate file's greedy answers follow the reference's."""

    rows: list[QuestionComparison] = field(default_factory=list)

    @property
    def same_answer_share(self) -> float:
        return sum(row.same for row in self.rows) / len(self.rows)

    @property
    def mean_abs_logprob_delta(self) -> float:
        deltas = [abs(d) for row in self.rows for d in row.logprob_deltas]
        return statistics.fmean(deltas) if deltas else float("inf")

    def as_dict(self) -> dict[str, Any]:
        return {
            "questions": len(self.rows),
            "same_answer_share": round(self.same_answer_share, 4),
            "mean_abs_logprob_delta": round(self.mean_abs_logprob_delta, 5),
            "changed": [
                {"question": r.question[:80], "reference": r.reference, "candidate": r.candidate}
                for r in self.rows
                if not r.same
            ],
        }


def question_set(sample_data_dir: Path, general: int = 8) -> list[list[dict[str, str]]]:
    """The fixed questions: every shipped scenario's example questions, then `general` probe questions."""
    conversations = []
    for scenario in ScenarioCatalog(sample_data_dir).all():
        for question in scenario.example_questions:
            conversations.append(
                [{"role": "system", "content": scenario.system_prompt}, {"role": "user", "content": question}]
            )
    probe = [json.loads(line)["question"] for line in PROBE.read_text().splitlines()[:general]]
    conversations += [[{"role": "system", "content": GENERAL_SYSTEM}, {"role": "user", "content": q}] for q in probe]
    return conversations


def greedy_answers(
    gguf: Path, conversations: Iterable[list[dict[str, str]]], max_tokens: int = 32, threads: int = 0
) -> list[GreedyAnswer]:
    """Each conversation answered greedily by this file on its own one-slot llama.cpp server."""
    server = LlamaServer(ServerConfig(model=gguf, slots=1, context_per_slot=2048, threads=threads))
    try:
        return [_greedy(server.address, messages, max_tokens) for messages in conversations]
    finally:
        server.close()


def _greedy(address: str, messages: list[dict[str, str]], max_tokens: int) -> GreedyAnswer:
    body = {"messages": messages, "max_tokens": max_tokens, "temperature": 0.0, "logprobs": True, "cache_prompt": False}
    choice = post_json(f"{address}/v1/chat/completions", body, timeout_s=120)["choices"][0]
    content = (choice.get("logprobs") or {}).get("content") or []
    return GreedyAnswer(
        choice["message"]["content"] or "",
        tuple(t["token"] for t in content),
        tuple(float(t["logprob"]) for t in content),
    )


def compare_answers(
    conversations: list[list[dict[str, str]]], reference: list[GreedyAnswer], candidate: list[GreedyAnswer]
) -> FaithfulnessReport:
    """Line the two files' answers up question by question."""
    rows = []
    for messages, ref, cand in zip(conversations, reference, candidate, strict=True):
        common = 0
        while common < min(len(ref.tokens), len(cand.tokens)) and ref.tokens[common] == cand.tokens[common]:
            common += 1
        deltas = tuple(cand.logprobs[i] - ref.logprobs[i] for i in range(common))
        rows.append(QuestionComparison(messages[-1]["content"], ref.text, cand.text, common, deltas))
    return FaithfulnessReport(rows)
