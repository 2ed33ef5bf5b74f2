"""Services over a tmp folder with fakes (canned gateway, toy embedder), for the hosting tests; and
litellm.completion recorded at the very edge, for the tests of what reaches a provider."""

from __future__ import annotations

from pathlib import Path

import pytest

from playground.config import Settings
from playground.llm import _litellm
from playground.scenarios import ScenarioCatalog
from playground.services import Services
from tests.fakes import FakeGateway, ToyEmbedder

DOCS = {
    "travel.md": "# Travel policy\n\nThe meal per diem is $80 per day.\n",
    "people.md": "# People\n\nTeodora Blanchet is the chief executive officer.\n",
}


class Clock:
    """A hand-moved clock for idle times."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def settings(tmp_path: Path, scenario_root: Path) -> Settings:
    kb = scenario_root / "demo" / "kb"
    kb.mkdir()
    for name, text in DOCS.items():
        (kb / name).write_text(text)
    shipped = tmp_path / "shipped-adapters"
    shipped.mkdir()
    return Settings(
        sample_data_dir=scenario_root,
        adapters_dir=shipped,
        cache_dir=tmp_path / "cache",
        workspace_idle_s=60.0,
        workspace_max_mb=1.0,
        chunk_size=200,
        chunk_overlap=20,
    )


def make_services(settings: Settings, clock: Clock | None = None) -> Services:
    services = Services(settings=settings, gateway=FakeGateway(), scenarios=ScenarioCatalog(settings.sample_data_dir))
    services._embedder = ToyEmbedder()
    if clock is not None:
        services.sessions._clock = clock
    return services


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def services(settings: Settings, clock: Clock) -> Services:
    return make_services(settings, clock)


class Calls(list):
    """The recorded calls, and the errors the next calls raise (in order)."""

    def __init__(self) -> None:
        super().__init__()
        self.failures: list[Exception] = []


@pytest.fixture
def completions(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """litellm.completion answering from its own mock_response, recording every call's arguments."""
    litellm = _litellm()
    real = litellm.completion
    calls = Calls()
    failures = calls.failures

    def fake(**kwargs):
        calls.append(kwargs)
        if failures:
            raise failures.pop(0)
        return real(**kwargs, mock_response="Paris.")

    monkeypatch.setattr(litellm, "completion", fake)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    return calls
