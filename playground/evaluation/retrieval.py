"""Retrieval metrics: did the right document come back, and how high?"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from statistics import fmean


@dataclass(frozen=True)
class RetrievalCase:
    """A question whose answer lives in `source` (a file name of the knowledge base)."""

    question: str
    source: str


def load_retrieval_cases(eval_file: Path) -> list[RetrievalCase]:
    """The answerable items of an evaluation set (those naming a source document)."""
    cases = []
    for line in eval_file.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            if item.get("source"):
                cases.append(RetrievalCase(item["question"], item["source"]))
    return cases


def reciprocal_rank(retrieved: list[str], relevant: str) -> float:
    """1/rank of the first retrieved source equal to the relevant one; 0 when it is absent."""
    for rank, source in enumerate(retrieved, start=1):
        if source == relevant:
            return 1.0 / rank
    return 0.0


def recall_at_k(retrieved: list[str], relevant: str, k: int) -> float:
    """1.0 when the relevant source is among the first k retrieved, else 0.0."""
    return 1.0 if relevant in retrieved[:k] else 0.0


@dataclass(frozen=True)
class RetrievalScores:
    recall_at_k: float
    mrr: float
    cases: int
    k: int


def score_retrieval(results: list[tuple[list[str], str]], k: int) -> RetrievalScores:
    """Mean recall@k and MRR over (retrieved sources, relevant source) pairs."""
    if not results:
        return RetrievalScores(0.0, 0.0, 0, k)
    return RetrievalScores(
        recall_at_k=fmean(recall_at_k(r, rel, k) for r, rel in results),
        mrr=fmean(reciprocal_rank(r, rel) for r, rel in results),
        cases=len(results),
        k=k,
    )
