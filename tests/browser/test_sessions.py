"""Two visitors in separate browser contexts: separate documents and keys; idle workspaces go (a closed page's too).

This test starts its own app with a twenty-second idle time, on its own workspace folder.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from playground.config import Settings
from playground.knowledge.onnx_embedder import prepare_default
from playground.llamacpp.quantize import prepare_embedded
from playground.local_models import ensure_embedded_model
from tests.browser.conftest import identified, kb_documents, running_app

pytestmark = pytest.mark.browser

IDLE_S = 20  # long enough that opening a second page on a loaded 2-core runner never idles the first out
DOCUMENT = "# Zephyr Lounge\n\nThe Zephyr Lounge opens at 7:15 and serves cardamom buns on Thursdays.\n"


@pytest.fixture(scope="module")
def short_lived_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    cache = tmp_path_factory.mktemp("cache")
    real = Settings.from_env()
    ensure_embedded_model(real.models_cache_dir)  # converted once, shared through the link below
    (cache / "models").symlink_to(real.models_cache_dir.resolve(), target_is_directory=True)
    prepare_embedded()  # the served GGUF copy, made once per clone, shared the same way
    (cache / "gguf").symlink_to(real.served_gguf_dir.resolve(), target_is_directory=True)
    prepare_default()  # the embedder's ONNX export, likewise
    (cache / "embedder").symlink_to(real.embedder_cache_dir.resolve(), target_is_directory=True)
    # No warm start: this app answers no question, and its loading would only compete with the browser.
    environment = {
        "PLAYGROUND_CACHE": str(cache),
        "PLAYGROUND_WORKSPACE_IDLE_S": str(IDLE_S),
        "PLAYGROUND_WARM_START": "0",
    }
    with running_app(cache / "app.log", environment) as url:
        yield url, cache / "workspaces"


def _sessions(workspaces: Path) -> set[str]:
    return {p.name for p in workspaces.glob("session-*")} if workspaces.is_dir() else set()


def _open(browser, url: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(url)
    identified(page)
    page.get_by_role("tab", name="Knowledge").click()
    page.locator("#kb-stats").filter(has_text="chunks").wait_for()
    return context, page


def _wait_for(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.25)


def test_two_visitors_are_isolated_and_their_workspaces_go_when_idle(browser, short_lived_app, tmp_path: Path) -> None:
    url, workspaces = short_lived_app
    alice_context, alice = _open(browser, url)
    alice_session = next(iter(_sessions(workspaces)))
    bob_context, bob = _open(browser, url)
    bob_session = (_sessions(workspaces) - {alice_session}).pop()
    documents_before = kb_documents(alice)
    assert kb_documents(bob) == documents_before

    document = tmp_path / "zephyr-lounge.md"
    document.write_text(DOCUMENT)
    alice.locator("#kb-upload input[type=file]").set_input_files(str(document))
    alice.locator("#kb-add").click()
    alice.locator("#kb-status").filter(has_text="added zephyr-lounge.md").wait_for()
    alice.locator("#keys-panel").get_by_text("Provider keys").click()
    alice.locator("#key-openai input").fill("sk-alice-0123456789abcdefghij")
    alice.locator("#keys-use").click()
    alice.locator("#keys-status").filter(has_text="calls OpenAI").wait_for()
    assert alice.locator("#key-openai input").input_value() == ""  # the page keeps no copy of the key

    bob.get_by_role("tab", name="Compare").click()
    bob.get_by_role("tab", name="Knowledge").click()  # bob's page lists his own documents again
    bob.locator("#kb-stats").filter(has_text="chunks").wait_for()
    assert kb_documents(alice) == documents_before + 1
    assert kb_documents(bob) == documents_before  # the upload counts for alice only
    assert list((workspaces / alice_session).rglob("zephyr-lounge.md"))
    assert not list((workspaces / bob_session).rglob("zephyr-lounge.md"))
    bob.locator("#keys-panel").get_by_text("Provider keys").click()
    assert "No key entered" in bob.locator("#keys-status").inner_text()
    log = (workspaces.parent / "app.log").read_text()
    assert "sk-alice" not in log  # never logged
    assert not [p for p in workspaces.rglob("*") if p.is_file() and b"sk-alice" in p.read_bytes()]  # never on disk

    # Bob keeps using his workspace; Alice's page stays open but idle: hers goes, his stays.
    def bob_uses_his_workspace_until_alice_is_gone() -> bool:
        bob.get_by_role("tab", name="Compare").click()
        bob.get_by_role("tab", name="Knowledge").click()  # lists his documents: a use of his workspace
        assert kb_documents(bob) == documents_before
        return alice_session not in _sessions(workspaces)

    _wait_for(bob_uses_his_workspace_until_alice_is_gone, 3 * IDLE_S + 30, "the idle workspace to be removed")
    assert bob_session in _sessions(workspaces), "a workspace in use must stay"

    # Closing the page keeps the workspace for a reload (tests/browser/test_reload.py); that it goes
    # once idle is tests/hosting/test_workspaces.py's (a closed page's workspace, on a hand-run clock).
    bob_context.close()
    assert bob_session in _sessions(workspaces), "a closed page's workspace went at once: a reload would lose it"
    alice_context.close()
