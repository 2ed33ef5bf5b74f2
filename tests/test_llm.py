"""The litellm gateway without weights: the local provider's plumbing, model checks, prices."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from playground.llm import Completion, Gateway, ModelError
from playground.local_models import LocalEngines, LocalModelError
from playground.model_ref import ModelRef
from playground.records import Usage


class FakeEngine:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.seen: list[tuple[int, float]] = []
        self.adapters: list[str | None] = []

    def stream(
        self, messages: list[dict], max_tokens: int = 256, temperature: float = 0.0, adapter: str | None = None
    ) -> Iterator[str | Usage]:
        self.seen.append((max_tokens, temperature))
        self.adapters.append(adapter)
        if self.fail:
            raise LocalModelError("cannot load local model 'broken': no such folder")
        yield "Hello"
        yield " there"
        yield Usage(prompt_tokens=11, completion_tokens=2)

    def complete(
        self, messages: list[dict], max_tokens: int = 256, temperature: float = 0.0, adapter: str | None = None
    ) -> tuple[str, Usage]:
        *pieces, usage = self.stream(messages, max_tokens, temperature, adapter)
        return "".join(pieces), usage

    def load(self) -> None:
        pass

    def count_tokens(self, messages: list[dict]) -> int:
        return 100

    def context_window(self) -> int:
        return 120


class FakeEngines(LocalEngines):
    def __init__(self, engine: FakeEngine) -> None:
        super().__init__(Path("/nonexistent"))
        self.engine = engine

    def get(self, name: str) -> FakeEngine:
        self.check(name)
        return self.engine


def test_local_provider_streams_through_litellm_with_the_engines_usage() -> None:
    engine = FakeEngine()
    gateway = Gateway(FakeEngines(engine))
    items = list(gateway.stream("local/smollm2-135m-instruct", [{"role": "user", "content": "hi"}], 7, 0.3))
    assert items[:-1] == ["Hello", " there"]
    done = items[-1]
    assert isinstance(done, Completion)
    assert done.text == "Hello there"
    assert done.usage == Usage(11, 2)
    assert done.cost_usd is None, "a local model's price is unknown, never $0"
    assert 0 < done.ttft_s <= done.latency_s
    assert engine.seen == [(7, 0.3)], "max_tokens and temperature reach the engine"


def test_local_provider_completes_without_streaming() -> None:
    gateway = Gateway(FakeEngines(FakeEngine()))
    litellm = gateway._client()
    response = litellm.completion(model="local/smollm2-135m-instruct", messages=[{"role": "user", "content": "hi"}])
    assert response.choices[0].message.content == "Hello there"
    assert response.usage.prompt_tokens == 11 and response.usage.completion_tokens == 2


def test_engine_failure_is_one_clear_line() -> None:
    gateway = Gateway(FakeEngines(FakeEngine(fail=True)))
    with pytest.raises(ModelError) as caught:
        gateway.complete("local/smollm2-135m-instruct", [{"role": "user", "content": "hi"}])
    assert str(caught.value) == "cannot load local model 'broken': no such folder"


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("", "no model given"),
        ("nonsense-provider/model-x", "unknown model 'nonsense-provider/model-x'"),
        ("local/../../no-such-place", "unknown local model"),
        ("openai/gpt-4o-mini", "needs OPENAI_API_KEY"),
    ],
)
def test_unusable_models_are_refused_with_a_reason(model: str, message: str, monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ModelError, match=message):
        Gateway(FakeEngines(FakeEngine())).check_model(model)


def test_picker_offers_remote_models_only_when_their_key_is_set(monkeypatch) -> None:
    for key in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GROQ_API_KEY", "MISTRAL_API_KEY"):
        monkeypatch.delenv(key, raising=False)
    gateway = Gateway(FakeEngines(FakeEngine()))
    assert gateway.available_models(["local/smollm2-135m-instruct"]) == ["local/smollm2-135m-instruct"]
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert "openai/gpt-4o-mini" in gateway.available_models(["local/smollm2-135m-instruct"])


def test_remote_price_comes_from_litellms_bundled_map() -> None:
    gateway = Gateway(FakeEngines(FakeEngine()))
    cost = gateway.cost_usd("openai/gpt-4o-mini", Usage(1_000_000, 0))
    assert cost is not None and 0.05 < cost < 5, "gpt-4o-mini input is priced per million tokens"
    assert gateway.cost_usd("openai/no-such-model-xyz", Usage(10, 10)) is None


def _adapter_folder(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text("{}")
    (folder / "adapter_model.safetensors").write_bytes(b"weights")
    return folder


def test_an_adapter_reaches_the_engine_as_a_model_ref_or_a_string(tmp_path: Path) -> None:
    folder = _adapter_folder(tmp_path / "pricing")
    engine = FakeEngine()
    gateway = Gateway(FakeEngines(engine))
    ref = ModelRef.parse(f"local/smollm2-135m-instruct::{folder}")
    messages = [{"role": "user", "content": "hi"}]
    assert list(gateway.stream(ref, messages))[-1].text == "Hello there"
    assert gateway.complete(ref.wire, messages).text == "Hello there"
    assert gateway.complete("local/smollm2-135m-instruct", messages).cost_usd is None
    assert engine.adapters == [str(folder.resolve()), str(folder.resolve()), None]
    assert gateway.runs_one_at_a_time(ref) and gateway.cost_usd(ref, Usage(1, 1)) is None


def test_a_missing_adapter_folder_is_refused_by_the_gateway(tmp_path: Path) -> None:
    gateway = Gateway(FakeEngines(FakeEngine()))
    with pytest.raises(ModelError, match="no LoRA adapter at"):
        gateway.check_model(ModelRef("local/smollm2-135m-instruct", "gone", tmp_path / "gone"))
    with pytest.raises(ModelError, match="no LoRA adapter at"):
        gateway.check_model("local/smollm2-135m-instruct::no-such-adapter")  # a bare name is not a folder here


def test_a_prompt_too_long_names_the_adapter_not_its_folder(tmp_path: Path) -> None:
    folder = _adapter_folder(tmp_path / "private-machine-path" / "pricing")
    gateway = Gateway(FakeEngines(FakeEngine()))
    ref = ModelRef.parse(f"local/smollm2-135m-instruct::{folder}")
    assert gateway.check_fits(ref, [{"role": "user", "content": "hi"}], 10) == 100
    with pytest.raises(ModelError, match="local/smollm2-135m-instruct::pricing's context window") as caught:
        gateway.check_fits(ref, [{"role": "user", "content": "hi"}], 50)
    assert "private-machine-path" not in str(caught.value)


def test_function_calling_models_are_known_and_their_tool_calls_come_back(tmp_path: Path) -> None:
    gateway = Gateway(LocalEngines(tmp_path))
    assert gateway.supports_tools("gpt-4o-mini") and not gateway.supports_tools("local/smollm2-135m-instruct")
    asked = {"id": "c1", "type": "function", "function": {"name": "calculator", "arguments": '{"input": "1+1"}'}}
    # litellm's own mock: no network, the response shaped as the provider's would be
    completion = gateway.complete("gpt-4o-mini", [{"role": "user", "content": "1+1?"}], mock_tool_calls=[asked])
    (call,) = completion.tool_calls
    assert (call.id, call.name, call.arguments) == ("c1", "calculator", '{"input": "1+1"}')
