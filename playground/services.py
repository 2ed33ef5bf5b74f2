"""The collaborators the app and the command line share, built once and passed in."""

from __future__ import annotations

from dataclasses import dataclass

from playground.config import Settings
from playground.lanes import LaneJob
from playground.llm import Gateway
from playground.local_models import EMBEDDED_ALIAS, LocalEngines
from playground.scenarios import ScenarioCatalog
from playground.strategies import LaneOptions


@dataclass
class Services:
    """Settings, the model gateway and the scenario catalog of one process."""

    settings: Settings
    gateway: Gateway
    scenarios: ScenarioCatalog

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        engines = LocalEngines(settings.models_cache_dir)
        return cls(
            settings=settings,
            gateway=Gateway(engines, timeout_s=settings.request_timeout_s),
            scenarios=ScenarioCatalog(settings.sample_data_dir),
        )

    def model_choices(self) -> list[str]:
        """Models a picker should offer: the default and local ones first, then reachable remote ones."""
        local = [self.settings.default_model, f"local/{EMBEDDED_ALIAS}"]
        local = list(dict.fromkeys(m for m in local if m))
        return self.gateway.available_models(local, self.settings.extra_models)

    def lane_job(self, lane: str, model: str | None = None, **options: object) -> LaneJob:
        """A job for one lane with the settings' defaults filled in."""
        defaults = {"max_tokens": self.settings.max_tokens, "temperature": self.settings.temperature}
        return LaneJob(lane, LaneOptions(model=model or self.settings.default_model, **(defaults | options)))
