"""Ingest throughput next to raw sentence-transformers encoding, and retrieval latency at scale.

One process, one warm embedder, the same chunk texts for both figures:
    .venv/bin/python bench/knowledge_speed.py [--chunks 10000] [--queries 100]

1. The shipped knowledge base is ingested into a fresh store (parse, chunk, embed, LanceDB write,
   FTS index) and its embedding texts are encoded raw with SentenceTransformer.encode.
2. A store of --chunks synthetic chunks (sentences of the shipped documents recombined, seeded) is
   built, and the evaluation questions are searched in each mode: p50/p95 of embedding + search.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import tempfile
import time
from pathlib import Path

from playground.config import Settings
from playground.evaluation.retrieval import load_retrieval_cases
from playground.knowledge.chunking import chunk_document
from playground.knowledge.parsing import Document, Section, parse_file
from playground.knowledge.store import SEARCH_MODES, KnowledgeStore, _embedding_text
from playground.logs import configure_logging
from playground.services import Services


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ingest_versus_raw(services: Services, documents: list[Document]) -> dict[str, float]:
    embedder = services.embedder
    embedder.embed(["warm up"])
    texts = [_embedding_text(c) for d in documents for c in chunk_document(d)]
    started = time.perf_counter()
    model = embedder._load()
    model.encode(texts, batch_size=embedder.batch_size, convert_to_numpy=True, show_progress_bar=False)
    raw_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        report = KnowledgeStore(Path(folder), embedder).ingest(documents)
    return {
        "chunks": len(texts),
        "ingest_s": round(report.seconds, 2),
        "ingest_embed_s": round(report.embed_seconds, 2),
        "ingest_chunks_per_s": round(len(texts) / report.seconds, 1),
        "raw_encode_s": round(raw_s, 2),
        "raw_encode_chunks_per_s": round(len(texts) / raw_s, 1),
    }


def synthetic_documents(documents: list[Document], n_chunks: int, seed: int = 7) -> list[Document]:
    """n_chunks sections of recombined sentences from the real documents (each becomes one chunk)."""
    rng = random.Random(seed)
    sentences = [
        s for d in documents for sec in d.sections for s in re.split(r"(?<=[.!?])\s+", sec.text) if len(s) > 30
    ]
    per_doc = 25
    docs = []
    for d in range(n_chunks // per_doc):
        sections = tuple(Section(f"Part {i}", " ".join(rng.sample(sentences, 5))[:700]) for i in range(per_doc))
        docs.append(Document(f"synthetic-{d:04d}.md", f"Synthetic {d}", sections))
    return docs


def latency_at_scale(services: Services, documents: list[Document], n_chunks: int, questions: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        store = KnowledgeStore(Path(folder), services.embedder)
        report = store.ingest(documents + synthetic_documents(documents, n_chunks))
        figures: dict[str, object] = {"chunks": store.stats().chunks, "build_s": round(report.seconds, 1)}
        for mode in SEARCH_MODES:
            store.search(questions[0], mode=mode)  # warm
            total, search = [], []
            for question in questions:
                started = time.perf_counter()
                result = store.search(question, k=5, mode=mode)
                total.append(time.perf_counter() - started)
                search.append(result.search_seconds)
            figures[mode] = {
                "p50_ms": round(1000 * statistics.median(total), 1),
                "p95_ms": round(1000 * percentile(total, 0.95), 1),
                "search_only_p50_ms": round(1000 * statistics.median(search), 1),
                "search_only_p95_ms": round(1000 * percentile(search, 0.95), 1),
            }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    configure_logging()
    services = Services.from_settings(Settings.from_env())
    scenario = services.scenarios.get("company-knowledge")
    documents = [parse_file(p) for p in sorted(scenario.knowledge_base.iterdir())]
    questions = [c.question for c in load_retrieval_cases(scenario.eval_set)][: args.queries]
    result = {
        "ingest": ingest_versus_raw(services, documents),
        "retrieval": latency_at_scale(services, documents, args.chunks, questions),
        "queries": len(questions),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
