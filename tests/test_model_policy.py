"""Public mode's model policy at the gateway: only the operator's models, adapters by registry name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from playground.config import Settings
from playground.lanes import LaneContext, LaneJob, get_lane, run_lanes
from playground.llm import Gateway, ModelError
from playground.model_policy import ModelNotAllowedError, ModelPolicy
from playground.model_ref import ModelRef
from playground.services import Services
from playground.training.registry import AdapterRegistry
from tests.test_llm import FakeEngine, FakeEngines

DEFAULT = "local/smollm2-135m-instruct"
MESSAGES = [{"role": "user", "content": "hi"}]


class RecordingEngines(FakeEngines):
    """FakeEngines that remember every name they were asked to check or load."""

    def __init__(self) -> None:
        super().__init__(FakeEngine())
        self.asked: list[str] = []

    def check(self, name: str) -> None:
        self.asked.append(name)
        super().check(name)


def _adapter(folder: Path, base: str = "smollm2-135m-instruct") -> Path:
    folder.mkdir(parents=True)
    (folder / "card.json").write_text(json.dumps({"base_model": base}))
    (folder / "adapter_config.json").write_text("{}")
    (folder / "adapter_model.safetensors").write_bytes(b"weights")
    return folder


@pytest.fixture
def setup(tmp_path: Path):
    shipped, workspaces = tmp_path / "adapters", tmp_path / "workspaces"
    _adapter(shipped / "pricing")
    _adapter(workspaces / "visitor" / "adapters" / "mine")
    _adapter(tmp_path / "elsewhere" / "stray")
    policy = ModelPolicy(
        models=(DEFAULT, "openai/gpt-4o-mini"),
        adapters=AdapterRegistry([(shipped, True)]),
        adapter_roots=(shipped, workspaces),
    )
    engines = RecordingEngines()
    return tmp_path, Gateway(engines, policy=policy), engines


def _attacks(tmp: Path) -> list[str]:
    (tmp / "exists.gguf").write_bytes(b"GGUF")
    return [
        f"local/{tmp}/exists.gguf",
        f"local/{tmp}/missing.gguf",
        f"local/{tmp}",
        "local/./adapters",
        "local/../etc",
        f"{DEFAULT}::{tmp / 'elsewhere' / 'stray'}",
        f"{DEFAULT}::../elsewhere/stray",
        f"{DEFAULT}::/etc",
        "local/HuggingFaceTB/SmolLM2-360M-Instruct",
        "openai/gpt-4o-mini?api_base=http://attacker.example",
        "openai/gpt-4o-mini@attacker.example",
        " openai/gpt-4o-mini",
        "anthropic/claude-3-5-haiku-latest",
        "nonsense-provider/model-x",
        "x" * 10_000,
    ]


def test_every_path_hub_id_or_trick_is_refused_before_anything_loads(setup) -> None:
    tmp, gateway, engines = setup
    for attack in _attacks(tmp):
        for call in (
            lambda attack=attack: gateway.check_model(attack),
            lambda attack=attack: gateway.check_fits(attack, MESSAGES, 10),
            lambda attack=attack: gateway.runs_one_at_a_time(attack),
            lambda attack=attack: list(gateway.stream(attack, MESSAGES)),
            lambda attack=attack: gateway.complete(attack, MESSAGES),
        ):
            with pytest.raises(ModelNotAllowedError) as caught:
                call()
            assert "\n" not in caught.value.message and len(caught.value.message) < 400, attack
    assert engines.asked == [] and engines.engine.seen == [], "a refused model reached an engine"


def test_the_refusal_does_not_tell_whether_a_server_file_exists(setup) -> None:
    tmp, gateway, _ = setup
    (tmp / "exists.gguf").write_bytes(b"GGUF")
    messages = []
    for name in ("exists", "missing"):
        with pytest.raises(ModelNotAllowedError) as caught:
            gateway.check_model(f"local/{tmp}/{name}.gguf")
        messages.append(caught.value.message.replace(name, "NAME"))
    assert messages[0] == messages[1]


def test_offered_models_and_adapters_by_registry_name_pass(setup) -> None:
    tmp, gateway, engines = setup
    assert gateway.complete(DEFAULT, MESSAGES).text == "Hello there"
    assert gateway.complete(f"{DEFAULT}::pricing", MESSAGES).text == "Hello there"
    shipped = str((tmp / "adapters" / "pricing").resolve())
    assert engines.engine.adapters == [None, shipped]
    with pytest.raises(ModelNotAllowedError, match="unknown adapter 'mine'"):
        gateway.check_model(f"{DEFAULT}::mine")  # someone else's adapter, by name, is not found
    visitor = AdapterRegistry([(tmp / "adapters", True), (tmp / "workspaces" / "visitor" / "adapters", False)])
    scoped = gateway.with_adapters(lambda: visitor)
    assert scoped.complete(f"{DEFAULT}::mine", MESSAGES).text == "Hello there"
    assert scoped.complete(ModelRef.for_adapter(visitor.get("mine")), MESSAGES).text == "Hello there"


def test_an_adapter_ref_outside_the_registries_is_refused(setup) -> None:
    tmp, gateway, _ = setup
    stray = ModelRef(DEFAULT).with_adapter(tmp / "elsewhere" / "stray")
    with pytest.raises(ModelNotAllowedError):
        gateway.check_model(stray)
    with pytest.raises(ModelNotAllowedError, match="trained on local/smollm2-135m-instruct"):
        gateway.check_model("openai/gpt-4o-mini::pricing")


def test_a_remote_model_needs_the_visitors_own_key_not_the_operators(setup, monkeypatch) -> None:
    _, gateway, _ = setup
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-operator")
    with pytest.raises(ModelNotAllowedError):
        gateway.check_model("anthropic/claude-3-5-haiku-latest")
    from playground.provider_keys import ProviderKeys

    own = gateway.with_keys(ProviderKeys({"ANTHROPIC_API_KEY": "sk-ant-visitor"}))
    own.check_model("anthropic/claude-3-5-haiku-latest")


def test_a_refused_model_is_the_lanes_one_line_error_in_run_lanes(setup, scenario) -> None:
    tmp, gateway, _ = setup
    job = LaneJob("prompting", get_lane("prompting").options(f"local/{tmp}/missing.gguf"))
    *_, last = run_lanes(gateway, "What?", scenario, [job], LaneContext())
    assert "not offered on this public app" in (last["prompting"].error or "")


def test_public_services_offer_only_the_operators_models(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-operator")
    settings = Settings(cache_dir=tmp_path, adapters_dir=tmp_path / "adapters", public=True)
    services = Services.from_settings(settings)
    assert services.gateway.policy is not None
    assert services.model_choices() == [DEFAULT]
    with pytest.raises(ModelError):
        services.gateway.check_model("openai/gpt-4o-mini")
    private = Services.from_settings(Settings(cache_dir=tmp_path, adapters_dir=tmp_path / "adapters"))
    assert private.gateway.policy is None and "openai/gpt-4o-mini" in private.model_choices()


def test_an_evaluation_refuses_a_path_model_before_its_cache_key_reads_any_folder(
    setup, scenario, monkeypatch, tmp_path: Path
) -> None:
    from playground.evaluation.cache import AnswerCache
    from playground.evaluation.runner import run_evaluation
    from playground.evaluation.sets import EvalItem

    tmp, gateway, engines = setup

    def no_reading(*args: object) -> str:
        raise AssertionError("an adapter folder was read before the policy check")

    monkeypatch.setattr("playground.model_ref.adapter_digest", no_reading)
    monkeypatch.setattr("playground.model_ref._digest", no_reading)
    stray = tmp / "elsewhere" / "stray"
    items = [EvalItem(1, "What?", "x")]
    cache = AnswerCache(tmp_path / "answers.sqlite")
    for model in (f"{DEFAULT}::{stray}", f"{DEFAULT}::../elsewhere/stray", f"local/{stray}"):
        job = LaneJob("prompting", get_lane("prompting").options(model))
        run = run_evaluation(gateway, scenario, items, [job], cache=cache)
        assert "not offered on this public app" in (run.rows[0].answer.error or ""), model
    assert len(cache) == 0 and engines.asked == [] and engines.engine.seen == []
