"""Ingest throughput next to raw sentence-transformers encoding, and retrieval latency at 10k and 100k chunks.

    .venv/bin/python bench/knowledge_speed.py [--chunks 10000 100000] [--queries 100] [--real-up-to 0]

1. ingest_ratio: the shipped knowledge base's embedding texts are encoded raw with SentenceTransformer.encode
   (one call, the embedder's batch size), and the same parsed documents are ingested into a fresh store (chunk,
   embed, LanceDB write, FTS index, metadata), in alternated pairs after a warm-up ingest. ingest_ratio is the
   median pair's raw seconds / ingest seconds: 1.0 means ingest costs nothing beyond the encoding (the goal is
   at least 0.8); ingest_overhead_s is the ingest's time outside embedding, the figure least moved by load.
2. Retrieval: a store of N synthetic chunks (sentences of the shipped documents recombined, seeded) is built
   through the ordinary ingest, and the evaluation questions are searched in each mode. The questions are
   embedded once beforehand and passed in, so retrieval_p50_ms_<N>_<mode> / _p95_ are LanceDB's search alone.
   At 100k the store is searched exactly first (retrieval_p50_ms_100k_vector_exact, on fewer questions: it is
   slow), then its ANN index is built (vector_index_build_s_100k) and searched; ann_recall_at_5_100k is the
   share of the exact top five the indexed search returns.

Synthetic vectors, said plainly: embedding 10k-100k chunks of ~700 characters with the real model takes many
minutes on a small CPU (we measured ~13 chunks/s on two busy cores), far past this bench's few minutes. So
every distinct sentence of the shipped documents is embedded for real, and a synthetic chunk's vector is the
normalised mean of its sentences' embeddings: real geometry (a question about per diem lands near chunks that
contain per-diem sentences), not the model's embedding of that exact text. Exact search costs the same
whatever the vectors hold; the ANN recall is measured on these. --real-up-to N embeds stores of up to N
chunks with the real model instead, where time allows.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # `python bench/knowledge_speed.py` from the repository root, like bench/run.py

from playground.config import Settings  # noqa: E402
from playground.evaluation.retrieval import load_retrieval_cases  # noqa: E402
from playground.knowledge.chunking import chunk_document  # noqa: E402
from playground.knowledge.embedding import Embedder, make_embedder  # noqa: E402
from playground.knowledge.parsing import Document, Section, parse_file  # noqa: E402
from playground.knowledge.store import (  # noqa: E402
    DEFAULT_INDEX_THRESHOLD,
    SEARCH_MODES,
    KnowledgeStore,
    _embedding_text,
)
from playground.logs import configure_logging  # noqa: E402
from playground.scenarios import ScenarioCatalog  # noqa: E402

SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+")
EXACT_QUERIES_AT_SCALE = 30  # exact search at 100k takes a few hundred ms a query


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def label(n_chunks: int) -> str:
    return f"{n_chunks // 1000}k" if n_chunks % 1000 == 0 else str(n_chunks)


# -- ingest against raw encoding ---------------------------------------------------------------------
def ingest_ratio(embedder: Embedder, documents: list[Document], rounds: int = 2) -> dict[str, float]:
    """Raw encode seconds / ingest seconds on the same texts, in alternated pairs; the median pair's ratio.

    A tiny ingest first warms the model and LanceDB (importing lancedb alone takes seconds): this figure is
    throughput, not cold start.
    """
    texts = [_embedding_text(c) for d in documents for c in chunk_document(d)]
    raw, ingest, embed = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        KnowledgeStore(Path(folder), embedder).ingest(documents[:1])
    for _ in range(rounds):
        started = time.perf_counter()
        embedder._load().encode(texts, batch_size=embedder.batch_size, convert_to_numpy=True, show_progress_bar=False)
        raw.append(time.perf_counter() - started)
        with tempfile.TemporaryDirectory() as folder:
            report = KnowledgeStore(Path(folder), embedder).ingest(documents)
        ingest.append(report.seconds)
        embed.append(report.embed_seconds)
    return {
        "ingest_ratio": round(statistics.median(r / i for r, i in zip(raw, ingest, strict=True)), 3),
        "ingest_chunks": float(len(texts)),
        "ingest_s": round(statistics.median(ingest), 2),
        "ingest_embed_s": round(statistics.median(embed), 2),
        "ingest_overhead_s": round(min(i - e for i, e in zip(ingest, embed, strict=True)), 3),  # all but embedding
        "raw_encode_s": round(statistics.median(raw), 2),
    }


# -- synthetic stores --------------------------------------------------------------------------------
def sentences_of(documents: list[Document]) -> list[str]:
    found = (s for d in documents for sec in d.sections for s in SENTENCE_SPLIT.split(sec.text) if len(s) > 30)
    return list(dict.fromkeys(found))


def synthetic_documents(sentences: list[str], n_chunks: int, seed: int = 7) -> list[Document]:
    """n_chunks sections of five recombined sentences (each section becomes one chunk)."""
    rng = random.Random(seed)
    per_doc = 25
    docs = []
    for d in range(n_chunks // per_doc):
        sections = tuple(Section(f"Part {i}", " ".join(rng.sample(sentences, 5))[:700]) for i in range(per_doc))
        docs.append(Document(f"synthetic-{d:05d}.md", f"Synthetic {d}", sections))
    return docs


class SentenceMeanEmbedder:
    """Stands in for the model on synthetic chunks: the normalised mean of its sentences' real embeddings."""

    def __init__(self, name: str, sentence_vectors: dict[str, np.ndarray]) -> None:
        self.name = name
        self.sentence_vectors = sentence_vectors
        self.fallback = np.mean(list(sentence_vectors.values()), axis=0)

    def embed(self, texts: list[str]) -> np.ndarray:
        rows = np.stack([self._vector(text) for text in texts])
        return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)

    def _vector(self, text: str) -> np.ndarray:
        # the heading line and the sentence cut at 700 characters are not sentences of the pool
        found = [
            self.sentence_vectors[s]
            for s in SENTENCE_SPLIT.split(text.split("\n", 1)[-1])
            if s in self.sentence_vectors
        ]
        return np.mean(found, axis=0) if found else self.fallback


def build_store(folder: Path, documents: list[Document], embedder: Embedder) -> tuple[KnowledgeStore, float]:
    """A store of the synthetic chunks, searched exactly for now (its ANN index is built apart)."""
    store = KnowledgeStore(folder, embedder, index_threshold=sys.maxsize)
    started = time.perf_counter()
    store.ingest(documents)
    return store, time.perf_counter() - started


# -- retrieval -----------------------------------------------------------------------------------------
def search_latency(store: KnowledgeStore, questions: list[str], vectors: np.ndarray, mode: str) -> list[float]:
    """LanceDB's search time for each question (the question's embedding is given, not timed)."""
    store.search(questions[0], k=5, mode=mode, vector=vectors[0])  # warm the caches
    return [store.search(q, k=5, mode=mode, vector=v).search_seconds for q, v in zip(questions, vectors, strict=True)]


def top_five(store: KnowledgeStore, questions: list[str], vectors: np.ndarray) -> tuple[list[float], list[set]]:
    """Vector search for each question: LanceDB's seconds, and the (source, text) of the five passages found."""
    results = [store.search(q, k=5, mode="vector", vector=v) for q, v in zip(questions, vectors, strict=True)]
    return [r.search_seconds for r in results], [{(p.source, p.text) for p in r.passages} for r in results]


def latency_figures(store: KnowledgeStore, questions: list[str], vectors: np.ndarray, tag: str) -> dict[str, float]:
    figures = {}
    for mode in SEARCH_MODES:
        seconds = search_latency(store, questions, vectors, mode)
        figures[f"retrieval_p50_ms_{tag}_{mode}"] = round(1000 * statistics.median(seconds), 2)
        figures[f"retrieval_p95_ms_{tag}_{mode}"] = round(1000 * percentile(seconds, 0.95), 2)
    return figures


def with_ann_index(store: KnowledgeStore, questions: list[str], vectors: np.ndarray, tag: str) -> dict[str, float]:
    """Exact vector search on a few questions, then the ANN index: its build time, latency and recall."""
    few_q, few_v = questions[:EXACT_QUERIES_AT_SCALE], vectors[:EXACT_QUERIES_AT_SCALE]
    top_five(store, few_q[:1], few_v[:1])  # warm the caches
    exact_seconds, truth = top_five(store, few_q, few_v)
    store.index_threshold = DEFAULT_INDEX_THRESHOLD  # what an ingest at this size does
    started = time.perf_counter()
    index = store.refresh_vector_index()
    figures = {
        f"retrieval_p50_ms_{tag}_vector_exact": round(1000 * statistics.median(exact_seconds), 2),
        f"vector_index_build_s_{tag}": round(time.perf_counter() - started, 2),
    }
    _, found = top_five(store, few_q, few_v)
    recall = statistics.fmean(len(t & f) / max(1, len(t)) for t, f in zip(truth, found, strict=True))
    figures[f"ann_recall_at_5_{tag}"] = round(recall, 3)
    print(f"{tag}: ANN index {index} built", file=sys.stderr, flush=True)
    return figures | latency_figures(store, questions, vectors, tag)


def retrieval_at(
    n_chunks: int, sentences: list[str], embedder: Embedder, questions: list[str], vectors: np.ndarray, index: bool
) -> dict[str, float]:
    tag = label(n_chunks)
    documents = synthetic_documents(sentences, n_chunks)
    with tempfile.TemporaryDirectory() as folder:
        store, build_s = build_store(Path(folder), documents, embedder)
        print(f"{tag}: {store.stats().chunks} chunks ingested in {build_s:.1f}s", file=sys.stderr, flush=True)
        figures = {f"store_build_s_{tag}": round(build_s, 2)}
        if index:
            return figures | with_ann_index(store, questions, vectors, tag)
        return figures | latency_figures(store, questions, vectors, tag)


def run(chunks_list: Sequence[int] = (10_000, 100_000), queries: int = 100, real_up_to: int = 0) -> dict[str, float]:
    """Every figure of this bench, flat: ingest_ratio, retrieval_p50_ms_10k_hybrid, ... (see the module doc)."""
    settings = Settings.from_env()
    scenario = ScenarioCatalog(settings.sample_data_dir).get("company-knowledge")
    documents = [parse_file(p) for p in sorted(scenario.knowledge_base.iterdir())]
    questions = [c.question for c in load_retrieval_cases(scenario.eval_set)][:queries]
    model = make_embedder(settings.embedder)
    figures = ingest_ratio(model, documents)
    print(f"ingest_ratio {figures['ingest_ratio']} on {len(documents)} documents", file=sys.stderr, flush=True)
    vectors = model.embed(questions)
    sentences = sentences_of(documents)
    blended = SentenceMeanEmbedder(
        f"{model.name} (sentence means)", dict(zip(sentences, model.embed(sentences), strict=True))
    )
    for n_chunks in chunks_list:
        embedder = model if n_chunks <= real_up_to else blended
        index = n_chunks >= DEFAULT_INDEX_THRESHOLD
        figures |= retrieval_at(n_chunks, sentences, embedder, questions, vectors, index)
    figures["queries"] = float(len(questions))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, nargs="+", default=[10_000, 100_000], help="store sizes to search")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--real-up-to", type=int, default=0, help="embed stores up to this size with the real model")
    args = parser.parse_args()
    configure_logging()
    started = time.perf_counter()
    figures = run(args.chunks, args.queries, args.real_up_to)
    figures["bench_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
