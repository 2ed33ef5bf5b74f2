"""Integration: one base model in memory serves the plain lanes and any number of adapters."""

from __future__ import annotations

from pathlib import Path

import pytest

from playground.config import Settings
from playground.local_models import EMBEDDED_ALIAS, LocalEngines
from playground.records import Usage

pytestmark = pytest.mark.integration
SHIPPED = Path(__file__).resolve().parents[2] / "adapters"
QUESTION = [{"role": "user", "content": "What is the capital of France?"}]


def _answer(engine, adapter: str | None) -> str:
    return "".join(p for p in engine.stream(QUESTION, max_tokens=8, adapter=adapter) if not isinstance(p, Usage))


@pytest.mark.skipif(len([p for p in SHIPPED.glob("*/adapter_config.json")]) < 2, reason="needs two shipped adapters")
def test_switching_adapters_never_reloads_the_base() -> None:
    engine = LocalEngines(Settings.from_env().models_cache_dir).get(EMBEDDED_ALIAS)
    base_answer = _answer(engine, None)
    embedding = engine.load().model.get_input_embeddings().weight
    adapters = sorted(str(p.parent) for p in SHIPPED.glob("*/adapter_config.json"))[:2]
    first, second = _answer(engine, adapters[0]), _answer(engine, adapters[1])
    loaded = engine.load()
    assert len(loaded.adapters) == 2
    assert loaded.model.get_input_embeddings().weight is embedding, "the same base weights serve every adapter"
    assert _answer(engine, None) == base_answer, "with no adapter the base answers as before"
    assert _answer(engine, adapters[0]) == first and first.strip() and second.strip()
