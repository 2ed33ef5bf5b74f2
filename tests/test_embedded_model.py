"""Integration: the real embedded SmolLM2 answers through litellm, streaming and not."""

from __future__ import annotations

import pytest

from playground.config import Settings
from playground.llm import Completion, Gateway
from playground.local_models import EMBEDDED_ALIAS, LocalEngines

pytestmark = pytest.mark.integration

MODEL = f"local/{EMBEDDED_ALIAS}"
QUESTION = [{"role": "user", "content": "What is the capital of France? Answer in one sentence."}]


@pytest.fixture(scope="module")
def engines() -> LocalEngines:
    return LocalEngines(Settings.from_env().models_cache_dir)


@pytest.fixture(scope="module")
def gateway(engines: LocalEngines) -> Gateway:
    return Gateway(engines)


def test_converted_folder_is_a_plain_model_folder(engines: LocalEngines) -> None:
    loaded = engines.get(EMBEDDED_ALIAS).load()
    folder = engines.models_dir / EMBEDDED_ALIAS
    assert (folder / "config.json").exists() and any(folder.glob("*.safetensors"))
    assert loaded.tokenizer.chat_template


def test_streams_a_real_answer_with_tokenizer_counts(gateway: Gateway, engines: LocalEngines) -> None:
    items = list(gateway.stream(MODEL, QUESTION, max_tokens=24))
    deltas, done = items[:-1], items[-1]
    assert isinstance(done, Completion) and len(deltas) >= 2, "text arrives in several pieces"
    assert "paris" in done.text.lower()
    assert done.text == "".join(deltas)
    assert done.usage.prompt_tokens == engines.get(EMBEDDED_ALIAS).count_tokens(QUESTION)
    assert 0 < done.usage.completion_tokens <= 24
    assert 0 < done.ttft_s <= done.latency_s
    assert done.cost_usd is None


def test_completes_without_streaming_and_honours_max_tokens(gateway: Gateway) -> None:
    litellm = gateway._client()
    response = litellm.completion(model=MODEL, messages=QUESTION, max_tokens=3, temperature=0)
    assert response.choices[0].message.content.strip()
    assert response.usage.completion_tokens == 3


def test_greedy_is_deterministic_and_sampling_runs(gateway: Gateway) -> None:
    first = gateway.complete(MODEL, QUESTION, max_tokens=8, temperature=0)
    again = gateway.complete(MODEL, QUESTION, max_tokens=8, temperature=0)
    assert first.text == again.text
    sampled = gateway.complete(MODEL, QUESTION, max_tokens=8, temperature=1.2)
    assert sampled.usage.completion_tokens > 0


def test_concurrent_requests_are_batched_with_the_same_answers(gateway: Gateway, engines: LocalEngines) -> None:
    from concurrent.futures import ThreadPoolExecutor

    questions = [[{"role": "user", "content": f"Name a colour that starts with {letter}."}] for letter in "BGRYP"]
    alone = [gateway.complete(MODEL, q, max_tokens=12) for q in questions]
    engine = engines.get(EMBEDDED_ALIAS)
    served_before = len(engine.batch_sizes)
    with ThreadPoolExecutor(len(questions)) as pool:
        together = list(pool.map(lambda q: gateway.complete(MODEL, q, max_tokens=12), questions))
    assert max(engine.batch_sizes[served_before:]) > 1, "waiting requests share a batch"
    assert [c.text for c in together] == [c.text for c in alone]  # left padding changes no answer
    assert [c.usage for c in together] == [c.usage for c in alone]
