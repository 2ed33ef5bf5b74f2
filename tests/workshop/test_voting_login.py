"""One vote per round per visitor id, and with PLAYGROUND_WORKSHOP_LOGIN=hf one per Hugging Face account.

Real OAuth needs a Space with `hf_oauth: true`; here the check is tested on its own, and the vote
with the account the handler would take from gr.OAuthProfile.
"""

from __future__ import annotations

import random

import pytest

from playground.config import SettingError, Settings
from playground.records import Answer
from playground.ui.workshop_tab import check_login_support
from playground.workshop.rooms import LoginRequiredError, Rooms, VoteError, voter_account

LANES = ["prompting", "rag", "finetuned"]


@pytest.fixture
def room() -> tuple[Rooms, str]:
    rooms = Rooms(idle_s=60, rng=random.Random(5))
    code = rooms.open(host="facilitator")
    number = rooms.start_round(code, "Why?", LANES, host="facilitator")
    rooms.record_answers(code, number, {lane: Answer(lane, "m", text=lane, done=True) for lane in LANES}, "facilitator")
    return rooms, code


@pytest.mark.parametrize(("value", "expected"), [("", ""), ("none", ""), ("HF", "hf"), (" hf ", "hf")])
def test_the_login_setting_is_read_from_the_environment(value: str, expected: str) -> None:
    assert Settings.from_env({"PLAYGROUND_WORKSHOP_LOGIN": value}).workshop_login == expected


def test_an_unknown_login_setting_is_one_clear_line() -> None:
    with pytest.raises(SettingError) as info:
        Settings.from_env({"PLAYGROUND_WORKSHOP_LOGIN": "github"})
    assert info.value.message == "PLAYGROUND_WORKSHOP_LOGIN='github' is not 'hf': set it to hf or unset it"


def test_without_a_login_setting_no_account_is_needed() -> None:
    assert voter_account("", None) is None
    assert voter_account("", "alice") is None


def test_with_hf_login_a_vote_needs_a_signed_in_account() -> None:
    with pytest.raises(LoginRequiredError, match="sign in with Hugging Face to vote"):
        voter_account("hf", None)
    with pytest.raises(VoteError):
        voter_account("hf", "")
    assert voter_account("hf", "alice") == "hf:alice"


def test_one_account_has_one_vote_whichever_browser_casts_it(room) -> None:
    rooms, code = room
    rooms.vote(code, "laptop", "A", account="hf:alice")
    rooms.vote(code, "phone", "B", account="hf:alice")  # the same person from a second browser
    rooms.vote(code, "tablet", "B", account="hf:bob")
    view = rooms.view(code)
    assert view.current.votes_cast == 2
    assert rooms.view(code, "laptop").current.my_vote is None  # replaced by the phone's vote
    assert rooms.view(code, "phone").current.my_vote == "B"
    assert view.participants == 3  # three browsers joined: the facilitator sees 2 votes from 3
    rooms.reveal(code, host="facilitator")
    assert {c.label: c.votes for c in rooms.view(code).current.choices} == {"A": 0, "B": 2, "C": 0}


def test_one_visitor_id_has_one_vote_per_round(room) -> None:
    rooms, code = room
    for label in ("A", "B", "A"):  # voting again (a reload keeps the id) replaces the vote
        rooms.vote(code, "visitor", label)
    assert rooms.view(code).current.votes_cast == 1
    assert rooms.view(code, "visitor").current.my_vote == "A"


def test_the_login_needs_gradios_oauth_extras_or_says_so_at_start(monkeypatch) -> None:
    monkeypatch.setattr("playground.ui.workshop_tab.importlib.util.find_spec", lambda name: None)
    check_login_support("")  # no login: nothing needed
    with pytest.raises(SettingError, match=r"needs gradio\[oauth\] \(authlib, itsdangerous missing\)"):
        check_login_support("hf")
    monkeypatch.setattr("playground.ui.workshop_tab.importlib.util.find_spec", lambda name: object())
    check_login_support("hf")
