"""The workshop's round setup: the facilitator's lanes and models, checked as Compare checks them."""

from __future__ import annotations

from pathlib import Path

import pytest

from playground.config import Settings
from playground.errors import PlaygroundError
from playground.model_policy import ModelNotAllowedError
from playground.model_ref import ModelRef
from playground.scenarios import ScenarioCatalog
from playground.services import Services
from playground.training.registry import AdapterRegistry
from playground.ui.workshop_lanes import round_jobs
from tests.fakes import FakeGateway

ADAPTERS = Path(__file__).resolve().parents[2] / "adapters"


class OfferedOnly(FakeGateway):
    """A gateway with a public policy: only `local/offered` may be asked for."""

    def resolve(self, model: object) -> ModelRef:
        if str(model) != "local/offered":
            raise ModelNotAllowedError(f"model '{model}' is not offered here")
        return ModelRef.parse(str(model))


@pytest.fixture
def setup(tmp_path: Path, scenario_root: Path) -> tuple[Services, object]:
    settings = Settings(sample_data_dir=scenario_root, cache_dir=tmp_path / "cache", default_model="local/offered")
    services = Services(settings=settings, gateway=FakeGateway(), scenarios=ScenarioCatalog(scenario_root))
    return services, services.scenarios.get("demo")


def _jobs(setup, lanes: object, picked: dict[str, object], gateway=None):
    services, scenario = setup
    registry = AdapterRegistry([(ADAPTERS, True)])
    return round_jobs(services, gateway or OfferedOnly(), registry, scenario, lanes, picked)


def test_each_chosen_lane_runs_on_its_own_model_or_adapter(setup) -> None:
    jobs, entrants = _jobs(
        setup, ["finetuned", "prompting"], {"prompting": "local/offered", "finetuned": "support-tone"}
    )
    assert [job.lane for job in jobs] == ["finetuned", "prompting"]  # the facilitator's order
    assert jobs[0].options.adapter == "support-tone"
    assert str(jobs[1].options.model) == "local/offered"
    assert entrants == {"finetuned": "finetuned · support-tone", "prompting": "prompting · local/offered"}


def test_a_model_the_public_policy_refuses_stops_the_round_before_it_starts(setup) -> None:
    with pytest.raises(ModelNotAllowedError, match="not offered"):
        _jobs(setup, ["prompting"], {"prompting": "openai/../../etc/passwd"})


@pytest.mark.parametrize(
    ("lanes", "picked", "message"),
    [
        ([], {}, "choose at least one lane"),
        (None, {}, "choose at least one lane"),
        ("prompting", {}, "choose at least one lane"),  # not a list: what a script may send
        (["prompting", "<nope>"], {}, "unknown lane '<nope>'"),
        (["finetuned"], {"finetuned": "no-such-adapter"}, "unknown adapter 'no-such-adapter'"),
        (["finetuned"], {"finetuned": "../../x"}, "invalid adapter name"),
        (["prompting"], {"prompting": {"model": "x"}}, "expected text"),
        (["prompting"], {"prompting": "x" * 500}, "longer than 200"),
    ],
)
def test_bad_choices_are_one_clear_message(setup, lanes, picked, message) -> None:
    with pytest.raises(PlaygroundError, match=message) as refused:
        _jobs(setup, lanes, picked)
    assert "\n" not in refused.value.message
