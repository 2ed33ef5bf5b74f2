"""The operator's money: per-session and per-day caps, refused before sending, kept across restarts."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from playground.budget import Budget, BudgetExceeded
from playground.config import SettingError, Settings
from playground.llm import Gateway
from playground.local_models import LocalEngines
from playground.provider_keys import ProviderKeys

MODEL = "openai/gpt-4o-mini"
DAY = 1_780_000_000.0  # a fixed moment; + 86,400 is the next UTC day
ASK = [{"role": "user", "content": "Capital of France?"}]


def test_a_reservation_past_the_session_cap_is_refused_and_holds_nothing(tmp_path: Path) -> None:
    budget = Budget(0.10, None, tmp_path, clock=lambda: DAY)
    held = budget.reserve("alice", 0.06, MODEL)
    with pytest.raises(BudgetExceeded, match=r"this session has spent \$0.0600 of its \$0.1000 budget"):
        budget.reserve("alice", 0.05, MODEL)  # in flight counts: 0.06 + 0.05 > 0.10
    budget.reserve("bob", 0.05, MODEL)  # another visitor has a budget of their own
    budget.settle(held, 0.01)  # it cost less than its worst case
    budget.reserve("alice", 0.05, MODEL)
    assert budget.spend("alice").session_usd == pytest.approx(0.01)


def test_a_failed_call_costs_nothing_and_frees_its_reservation(tmp_path: Path) -> None:
    budget = Budget(0.10, 1.0, tmp_path, clock=lambda: DAY)
    budget.settle(budget.reserve("alice", 0.09, MODEL), None)
    assert budget.spend("alice").session_usd == 0 and budget.spend("alice").day_usd == 0
    budget.reserve("alice", 0.09, MODEL)


def test_the_day_cap_counts_every_visitor_and_survives_a_restart(tmp_path: Path) -> None:
    budget = Budget(None, 0.50, tmp_path, clock=lambda: DAY)
    budget.settle(budget.reserve("alice", 0.30, MODEL), 0.30)
    with pytest.raises(BudgetExceeded, match=r"today's \$0.5000 budget.*PLAYGROUND_BUDGET_USD_PER_DAY"):
        budget.reserve("bob", 0.25, MODEL)
    restarted = Budget(None, 0.50, tmp_path, clock=lambda: DAY)
    assert restarted.spend("anyone").day_usd == pytest.approx(0.30)
    with pytest.raises(BudgetExceeded):
        restarted.reserve("carol", 0.25, MODEL)
    tomorrow = Budget(None, 0.50, tmp_path, clock=lambda: DAY + 86_400)
    tomorrow.reserve("carol", 0.45, MODEL)  # a new UTC day starts from nothing


def test_parallel_reservations_cannot_pass_a_cap_together(tmp_path: Path) -> None:
    budget = Budget(None, 1.0, tmp_path, clock=lambda: DAY)
    granted, refused = [], []
    start = threading.Barrier(40)

    def ask(n: int) -> None:
        start.wait()
        try:
            granted.append(budget.reserve(f"visitor-{n}", 0.1, MODEL))
        except BudgetExceeded:
            refused.append(n)

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(granted) == 10 and len(refused) == 30


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "five"])
def test_a_bad_budget_setting_is_one_line(value: str) -> None:
    with pytest.raises(SettingError, match="PLAYGROUND_BUDGET_USD_PER_SESSION"):
        Settings.from_env({"PLAYGROUND_BUDGET_USD_PER_SESSION": value})


def _gateway(tmp_path: Path, budget: Budget, session: str = "alice") -> Gateway:
    return Gateway(LocalEngines(tmp_path / "models"), retries=0).with_budget(budget, session)


def test_a_call_past_the_budget_is_refused_before_anything_is_sent(tmp_path: Path, completions) -> None:
    budget = Budget(0.0001, None, tmp_path, clock=lambda: DAY)  # less than 256 answer tokens of gpt-4o-mini
    gateway = _gateway(tmp_path, budget)
    with pytest.raises(BudgetExceeded, match="it was not sent"):
        gateway.complete(MODEL, ASK, max_tokens=256)
    with pytest.raises(BudgetExceeded, match="it was not sent"):
        list(gateway.stream(MODEL, ASK, max_tokens=256))
    assert len(completions) == 0  # nothing reached the provider


def test_a_call_within_the_budget_is_charged_its_actual_cost(tmp_path: Path, completions) -> None:
    budget = Budget(1.0, 5.0, tmp_path, clock=lambda: DAY)
    gateway = _gateway(tmp_path, budget)
    answer = gateway.complete(MODEL, ASK, max_tokens=64)
    streamed = list(gateway.stream(MODEL, ASK, max_tokens=64))[-1]
    assert len(completions) == 2 and answer.cost_usd and streamed.cost_usd
    spend = budget.spend("alice")
    assert spend.session_usd == pytest.approx(answer.cost_usd + streamed.cost_usd)
    assert spend.day_usd == spend.session_usd and "of $1.00" in spend.line()


def test_an_answer_cut_off_mid_stream_counts_at_its_worst_case(tmp_path: Path, completions) -> None:
    budget = Budget(1.0, None, tmp_path, clock=lambda: DAY)
    stream = _gateway(tmp_path, budget).stream(MODEL, ASK, max_tokens=1000)
    next(stream)  # the first words arrive, then the reader goes (a lane's deadline, a closed page)
    stream.close()
    assert budget.spend("alice").session_usd > 1000 * 0.6e-6  # at least the 1,000 answer tokens it might have had


def test_a_visitors_own_key_spends_nothing_of_the_budget(tmp_path: Path, completions) -> None:
    budget = Budget(0.0, 0.0, tmp_path, clock=lambda: DAY)  # the operator pays for nothing
    keyed = Gateway(LocalEngines(tmp_path / "models"), retries=0).with_keys(
        ProviderKeys({"OPENAI_API_KEY": "sk-proj-VISITOR0123456789abcdef"})
    )
    answer = keyed.with_budget(budget, "alice").complete(MODEL, ASK, max_tokens=8)
    assert answer.text == "Paris." and budget.spend("alice").session_usd == 0


def test_an_unpriced_model_is_refused_while_a_budget_is_set(tmp_path: Path, completions) -> None:
    gateway = _gateway(tmp_path, Budget(None, 10.0, tmp_path, clock=lambda: DAY))
    with pytest.raises(BudgetExceeded, match="has no price in litellm's price map"):
        gateway.complete("openai/no-such-model-anywhere", ASK, max_tokens=8)
    assert len(completions) == 0


def test_the_compare_tab_line_shows_the_session_and_the_day_against_their_caps(tmp_path: Path) -> None:
    from playground.services import Services
    from playground.ui.compare_tab import _spend_line

    settings = Settings.from_env(
        {"PLAYGROUND_CACHE": str(tmp_path), "PLAYGROUND_BUDGET_USD_PER_SESSION": "0.5", "PLAYGROUND_PUBLIC": "0"}
    )
    services = Services.from_settings(settings)
    assert services.budget.active and services.budget.per_session_usd == 0.5
    services.budget.settle(services.budget.reserve("", 0.2, MODEL), 0.0123)
    line = _spend_line(services, None)
    assert "this session: $0.0123 of $0.5000" in line and "today, all visitors: $0.0123" in line
    unbudgeted = Services.from_settings(Settings.from_env({"PLAYGROUND_CACHE": str(tmp_path / "other")}))
    assert not unbudgeted.budget.active and _spend_line(unbudgeted, None) == ""
