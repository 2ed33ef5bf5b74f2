"""Recall@k and MRR of vector, full-text and hybrid search on a scenario's evaluation set.

.venv/bin/python bench/retrieval_quality.py [--scenario company-knowledge] [--k 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from playground.config import Settings
from playground.evaluation.retrieval import load_retrieval_cases, score_retrieval
from playground.knowledge.parsing import parse_file
from playground.knowledge.store import SEARCH_MODES, KnowledgeStore
from playground.logs import configure_logging
from playground.services import Services


def evaluate(store: KnowledgeStore, eval_file: Path, k: int) -> dict[str, dict[str, float]]:
    cases = load_retrieval_cases(eval_file)
    scores = {}
    for mode in SEARCH_MODES:
        results = [([p.source for p in store.search(c.question, k=k, mode=mode).passages], c.source) for c in cases]
        s = score_retrieval(results, k)
        scores[mode] = {f"recall@{k}": round(s.recall_at_k, 4), "mrr": round(s.mrr, 4), "questions": s.cases}
    return scores


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", default="company-knowledge")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    configure_logging()
    services = Services.from_settings(Settings.from_env())
    scenario = services.scenarios.get(args.scenario)
    with tempfile.TemporaryDirectory() as folder:
        store = KnowledgeStore(Path(folder), services.embedder)
        store.ingest([parse_file(p) for p in sorted(scenario.knowledge_base.iterdir())])
        scores = evaluate(store, scenario.eval_set, args.k)
    if args.json:
        print(json.dumps(scores, indent=2))
    else:
        for mode, s in scores.items():
            print(
                f"{mode:7s} recall@{args.k} {s[f'recall@{args.k}']:.3f}  MRR {s['mrr']:.3f}"
                f"  ({s['questions']} questions)"
            )


if __name__ == "__main__":
    main()
