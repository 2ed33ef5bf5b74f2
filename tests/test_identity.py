"""Visitor ids: signed by a secret that survives a restart; a tampered or foreign id is refused; pages bind to ids."""

from __future__ import annotations

import stat
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from playground.config import Settings
from playground.identity import Identities, IdentityKeyError, Signer, load_or_create_secret
from playground.scenarios import ScenarioCatalog
from playground.services import Services
from tests.fakes import FakeGateway


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_secret_is_made_once_private_and_read_back_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "identity.key"
    first = load_or_create_secret(path)
    assert len(first) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_secret(path) == first  # a restart reads the same secret
    assert [p.name for p in path.parent.iterdir()] == ["identity.key"]  # no staging file left behind


def test_a_secret_made_by_another_process_first_is_the_one_kept(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "identity.key"
    theirs = b"t" * 32
    real_link = __import__("os").link

    def racing_link(source, target):  # the other process links its file in just before us
        Path(target).write_bytes(theirs)
        return real_link(source, target)

    monkeypatch.setattr("playground.identity.os.link", racing_link)
    assert load_or_create_secret(path) == theirs
    assert list(tmp_path.iterdir()) == [path]


def test_a_truncated_secret_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "identity.key"
    path.write_bytes(b"short")
    with pytest.raises(IdentityKeyError, match=r"holds 5 bytes where 32 random bytes belong; remove the file"):
        load_or_create_secret(path)


def test_a_minted_id_verifies_and_every_altered_or_foreign_one_is_refused() -> None:
    signer = Signer(b"s" * 32)
    token = signer.mint()
    identity, signature = token.split(".")
    assert signer.verify(token) == identity
    assert signer.mint() != token  # random: two browsers never share an id
    other_id = ("B" if identity[0] != "B" else "C") + identity[1:]
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    refused = [
        f"{other_id}.{signature}",  # someone else's id under this signature
        f"{identity}.{flipped}",  # a forged signature
        Signer(b"o" * 32).mint(),  # signed by another server
        identity,  # no signature
        f"{token}.x",
        "",
        ".",
        None,
        12345,
        {"id": identity},
        "a" * 300,
        "local",
        "anonymous",
    ]
    for bad in refused:
        assert signer.verify(bad) is None, bad


def test_a_page_keeps_its_verified_id_and_a_forged_one_is_replaced() -> None:
    identities = Identities(Signer(b"s" * 32), idle_s=60)
    first_id, token = identities.arrive("page-1", None)  # a new browser: a new signed id to store
    assert identities.signer.verify(token) == first_id
    assert identities.resolve("page-1") == first_id

    again, stored = identities.arrive("page-2", token)  # the same browser reloads: a new page, the same id
    assert (again, stored) == (first_id, token)
    assert identities.resolve("page-2") == first_id

    forged = f"{first_id}.AAAA"
    other, replaced = identities.arrive("page-3", forged)
    assert other != first_id and replaced != forged and identities.signer.verify(replaced) == other


def test_a_page_that_never_loaded_gets_an_id_of_its_own_never_a_shared_one() -> None:
    identities = Identities(Signer(b"s" * 32), idle_s=60)
    api = identities.resolve("script-1")
    assert identities.resolve("script-1") == api  # steady for that client
    assert identities.resolve("script-2") != api
    assert identities.resolve(None) != identities.resolve(None)  # no session at all: nothing shared
    assert identities.resolve("") not in (api, "anonymous")


def test_a_closed_or_long_silent_page_is_forgotten_but_an_active_one_is_kept() -> None:
    clock = Clock()
    identities = Identities(Signer(b"s" * 32), idle_s=60, clock=clock)
    alice, _ = identities.arrive("alice-page", None)
    bob, _ = identities.arrive("bob-page", None)
    assert identities.leave("alice-page") == alice
    assert identities.leave("alice-page") is None
    assert identities.resolve("alice-page") != alice  # a closed page's hash no longer speaks for her

    clock.now += 50
    identities.resolve("bob-page")  # bob's page keeps sending requests
    clock.now += 50
    identities.resolve("someone-new")
    assert identities.resolve("bob-page") == bob
    assert identities.pages() == 2  # bob's and someone-new's: alice's old hash, silent for 100 s, is forgotten
    clock.now += 61
    identities.bind("later", bob)
    assert identities.pages() == 1


def test_services_sign_with_the_secret_in_the_cache_and_verify_after_a_restart(tmp_path: Path, scenario_root) -> None:
    settings = Settings(sample_data_dir=scenario_root, cache_dir=tmp_path / "cache")

    def start() -> Services:
        return Services(settings=settings, gateway=FakeGateway(), scenarios=ScenarioCatalog(scenario_root))

    token = start().identities.signer.mint()
    assert (tmp_path / "cache" / "identity.key").is_file()
    restarted = start()
    assert restarted.identities.signer.verify(token) is not None
    assert restarted.identities.signer.browser_secret == start().identities.signer.browser_secret
    elsewhere = Services(
        settings=replace(settings, cache_dir=tmp_path / "other"),
        gateway=FakeGateway(),
        scenarios=ScenarioCatalog(scenario_root),
    )
    assert elsewhere.identities.signer.verify(token) is None


def test_past_the_cap_the_least_recently_used_page_is_forgotten_first() -> None:
    identities = Identities(Signer(b"s" * 32), idle_s=60, max_pages=2)
    first = identities.resolve("page-1")
    second = identities.resolve("page-2")
    assert identities.resolve("page-1") == first  # page-1 is now the most recent
    identities.resolve("page-3")
    assert identities.pages() == 2
    assert identities.resolve("page-1") == first
    assert identities.resolve("page-2") != second  # forgotten: a new throwaway id


def test_an_early_request_waits_for_its_page_load_and_acts_under_the_stored_id() -> None:
    identities = Identities(Signer(b"s" * 32), idle_s=60)
    visitor, token = identities.arrive("earlier-page", None)  # the browser stored this id before
    seen: list[str] = []
    early = threading.Thread(target=lambda: seen.append(identities.resolve("page", wait_s=10)))
    started = time.monotonic()
    early.start()  # the click reached the server first...
    time.sleep(0.2)
    assert not seen, "the early request did not wait for its page to be identified"
    assert identities.arrive("page", token)[0] == visitor  # ...then the page's load, with the stored token
    early.join(5)
    assert seen == [visitor] and time.monotonic() - started < 5


def test_a_client_that_never_loads_a_page_waits_once_then_has_its_own_id() -> None:
    identities = Identities(Signer(b"s" * 32), idle_s=60)
    started = time.monotonic()
    script = identities.resolve("script", wait_s=0.3)
    assert 0.3 <= time.monotonic() - started < 2
    started = time.monotonic()
    assert identities.resolve("script", wait_s=0.3) == script  # bound now: no second wait
    assert time.monotonic() - started < 0.1


def test_a_new_visitors_late_load_adopts_the_id_its_early_requests_used_but_never_a_verified_one() -> None:
    identities = Identities(Signer(b"s" * 32), idle_s=60)
    early = identities.resolve("new-page")  # the load came after the wait ran out
    identity, token = identities.arrive("new-page", None)
    assert identity == early and identities.signer.verify(token) == early
    assert identities.arrive("new-page", None)[0] != early  # adopted once; the binding is no longer provisional

    returning, stored = identities.arrive("old-page", None)
    identities.resolve("late-page")
    assert identities.arrive("late-page", stored)[0] == returning  # a stored id always wins
    assert identities.arrive("old-page", "forged.token")[0] != returning  # a verified binding is never handed out
