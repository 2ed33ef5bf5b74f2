"""RAG + fine-tuned: the scenario's retrieval feeds the adapter."""

from __future__ import annotations

import json
from pathlib import Path

from playground.lanes import LaneContext
from playground.training.registry import AdapterRegistry
from tests.fakes import FakeGateway, final_answer


def test_passages_go_to_the_adapter(tmp_path: Path, scenario, kb) -> None:
    folder = tmp_path / "tone"
    folder.mkdir()
    (folder / "adapter_config.json").write_text("{}")
    (folder / "card.json").write_text(json.dumps({"base_model": "smollm2-135m-instruct"}))
    context = LaneContext(knowledge=lambda s: kb, adapters=AdapterRegistry([(tmp_path, True)]))
    gateway = FakeGateway(reply="$80 [1]")
    answer = final_answer("rag-finetuned", "meal per diem?", scenario, context, gateway, adapter="tone", k=2)
    assert answer.error is None and answer.model == "local/smollm2-135m-instruct::tone"
    assert [(s.kind, s.name) for s in answer.steps] == [("tool", "search_knowledge"), ("llm", "answer")]
    assert gateway.calls[0]["model"] == "local/smollm2-135m-instruct::tone"
    assert "[1] (travel.md" in gateway.calls[0]["messages"][-1]["content"]
    assert len(answer.passages) == 2
