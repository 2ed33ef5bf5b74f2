"""The warm start loads what the first answer needs, in the background, and never fails the app."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from playground.knowledge.base import KnowledgeBase
from playground.services import SHARED_WORKSPACE
from playground.warm_start import WarmStart
from tests.fakes import FakeGateway
from tests.hosting.conftest import make_services


@dataclass
class WarmingGateway(FakeGateway):
    """A fake gateway that records which models were loaded, and can hold the load until released."""

    warmed: list[tuple] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def warm_up(self, models: tuple[str, ...] = ()) -> None:
        self.release.wait(30)
        self.warmed.append(tuple(models))


def test_models_embedder_index_and_every_lanes_prompt_are_warmed(settings, scenario_root) -> None:
    adapter = settings.adapters_dir / "demo-adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}")
    (adapter / "card.json").write_text('{"base_model": "smollm2-135m-instruct", "steps": 2}')
    yaml = scenario_root / "demo" / "scenario.yaml"
    yaml.write_text(yaml.read_text() + "adapter: demo-adapter\n")
    services = make_services(settings)
    services.gateway = gateway = WarmingGateway()
    gateway.release.set()

    warm = WarmStart(services)
    warm.run()

    assert warm.done.is_set() and not warm.failures
    # The default model, and the adapter's model with its folder (not just its name), are loaded.
    [loaded] = gateway.warmed
    assert loaded[0] == settings.default_model
    assert [ref.adapter for ref in loaded[1:]] == [adapter.resolve()]
    assert "warm start" in services.embedder.embedded
    shared = services.knowledge(
        services.workspace(SHARED_WORKSPACE, copy_documents=False), services.scenarios.get("demo")
    )
    assert {path.name for path in shared.files()} == {"travel.md", "people.md"}
    assert shared.search("meal per diem", k=1).passages[0].source == "travel.md"  # indexed, not just listed
    prompts = [call for call in gateway.calls if call["max_tokens"] == 1]
    assert [str(call["model"]) for call in prompts] == [settings.default_model, str(loaded[1])]
    assert "What colour is the sky?" in str(prompts[0]["messages"])  # prompting: its few-shot prefix
    assert "You are a terse assistant." in prompts[0]["messages"][0]["content"]
    assert not any("per diem" in str(call["messages"]) for call in prompts), "RAG's passages are not prefilled"
    assert set(warm.seconds) >= {"models", "embedder", "index:demo", "prefixes:demo", "total"}


def test_start_returns_at_once_and_a_failing_step_is_logged_not_raised(settings, caplog) -> None:
    services = make_services(settings)
    services.gateway = gateway = WarmingGateway(failing={settings.default_model: "the model is missing"})

    warm = WarmStart(services, lanes=("prompting",)).start()
    assert not warm.done.is_set()  # the models are still loading: the page is not held up
    gateway.release.set()
    assert warm.done.wait(30)

    assert list(warm.failures) == ["prefixes:demo"]
    assert "the model is missing" in warm.failures["prefixes:demo"]
    assert "warm start: prefixes:demo failed" in caplog.text


def test_a_new_sessions_knowledge_base_is_in_step_without_reading_every_document_again(settings, monkeypatch) -> None:
    services = make_services(settings)
    scenario = services.scenarios.get("demo")
    services.knowledge(services.workspace(SHARED_WORKSPACE, copy_documents=False), scenario).ensure_synced()
    read: list[object] = []
    original = KnowledgeBase.documents
    monkeypatch.setattr(KnowledgeBase, "documents", lambda self: read.append(self.folder) or original(self))

    knowledge = services.knowledge(services.session_workspace("alice"), scenario)
    assert knowledge.search("meal per diem", k=1).passages[0].source == "travel.md"
    assert read == [], "the copied index already matches the copied documents"
    assert {path.name for path in knowledge.files()} == {"travel.md", "people.md"}

    again = make_services(settings)  # another process finds the folder: it is checked against it as usual
    again.knowledge(again.session_workspace("alice"), scenario).search("per diem", k=1)
    assert len(read) == 1
