"""Integration: the packaged all-MiniLM-L6-v2 on the shipped knowledge base, and the CLI commands."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from playground.config import Settings
from playground.evaluation.retrieval import load_retrieval_cases, score_retrieval
from playground.knowledge.embedding import make_embedder
from playground.knowledge.parsing import parse_file
from playground.knowledge.store import KnowledgeStore
from playground.scenarios import ScenarioCatalog
from tests.cli_support import run_cli

pytestmark = pytest.mark.integration
SCENARIO = ScenarioCatalog(Settings().sample_data_dir).get("company-knowledge")


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory) -> KnowledgeStore:
    store = KnowledgeStore(tmp_path_factory.mktemp("index"), make_embedder("all-MiniLM-L6-v2"))
    store.ingest([parse_file(p) for p in sorted(SCENARIO.knowledge_base.iterdir())])
    return store


def test_embedder_vectors_are_unit_length_and_semantic() -> None:
    vectors = make_embedder("all-MiniLM-L6-v2").embed(["daily meal allowance", "per diem for food", "turbine"])
    assert vectors.shape == (3, 384)
    assert abs(float((vectors[0] ** 2).sum()) - 1) < 1e-4
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_hybrid_recall_at_5_on_the_sample_set_is_at_least_0_9(sample_store: KnowledgeStore) -> None:
    cases = load_retrieval_cases(SCENARIO.eval_set)
    assert len(cases) >= 90
    results = [([p.source for p in sample_store.search(c.question, k=5).passages], c.source) for c in cases]
    scores = score_retrieval(results, k=5)
    assert scores.recall_at_k >= 0.9, scores
    assert scores.mrr > 0.6, scores


def test_cli_ingest_edit_reingest_refuse_a_corrupt_file_and_retrieve(tmp_path: Path) -> None:
    """One store through the commands: ingest, re-ingest an edit, refuse a batch with a corrupt file, retrieve.

    (Was two tests, each paying for two starts of the embedder; the refusal needs none: files are
    parsed before the index is touched.)
    """
    docs = tmp_path / "docs"
    shutil.copytree(SCENARIO.knowledge_base, docs)
    store = tmp_path / "store"
    first = run_cli("ingest", str(docs), "--store", str(store), "--json")
    assert first.returncode == 0, first.stderr
    counts = json.loads(first.stdout)
    assert counts["documents"] == len(list(docs.iterdir())) and counts["added"] == counts["chunks"] > 100

    travel = docs / "travel-policy.md"
    travel.write_text(travel.read_text().replace("$80 per day", "$95 per day"))
    second = json.loads(run_cli("ingest", str(docs), "--store", str(store), "--json").stdout)
    assert second["added"] == second["removed"] >= 1, "only the edited chunk is re-embedded"
    assert second["added"] <= 2 and second["chunks"] == counts["chunks"]

    # A corrupt file refuses the whole batch: the good edit beside it does not reach the index either.
    travel.write_text(travel.read_text().replace("$95 per day", "$110 per day"))
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4 garbage")
    refused = run_cli("ingest", str(travel), str(bad), "--store", str(store), "--json")
    assert refused.returncode == 1 and "bad.pdf: not a readable PDF" in refused.stderr
    assert refused.stderr.count("\n") == 1

    result = run_cli(
        "retrieve",
        "How much is the daily meal per diem?",
        "Who chairs the board?",
        "--store",
        str(store),
        "--json",
        "--k",
        "3",
    )
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["question"] for line in lines] == ["How much is the daily meal per diem?", "Who chairs the board?"]
    first_hit = lines[0]["hits"][0]
    assert first_hit["source"] == "travel-policy.md" and "$95" in first_hit["text"], "the store is as it was"
    assert "$110" not in first_hit["text"] and "bad.pdf" not in {h["source"] for line in lines for h in line["hits"]}
    assert set(first_hit) == {"source", "text", "score"} and len(lines[1]["hits"]) == 3
