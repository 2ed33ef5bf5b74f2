"""Start the real app on loopback and give tests a headless Chromium page pointed at it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from playground import app_process
from playground.config import Settings
from playground.local_models import ensure_embedded_model

CHROMIUM = os.environ.get("PLAYGROUND_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# The smallest limits that still show every behaviour: short answers, and a context window every
# lane's prompt fits in (the largest, RAG's, is ~1,000 tokens) while a stuffed knowledge base never
# does (4 documents are ~3,300 tokens), so the Brief's context growth counts and refuses the stuffed
# prompt instead of spending minutes prefilling it. tests/cli/test_brief_command.py measures one.
# No warm start: it would load every scenario's adapter server and prefixes while the first tests run;
# each test loads what it uses (tests/hosting/test_warm_start.py and the first_answer bench cover it).
SMALL_LIMITS = {"PLAYGROUND_MAX_TOKENS": "16", "PLAYGROUND_ENGINE_CONTEXT": "3072", "PLAYGROUND_WARM_START": "0"}


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app, started with `python app.py` as a user would, on a free loopback port."""
    # Convert the embedded GGUF before the app starts (a fresh clone has no cache yet), so the
    # first answer in the browser measures the app, not a one-off conversion.
    ensure_embedded_model(Settings.from_env().models_cache_dir)
    with running_app(tmp_path_factory.mktemp("app") / "app.log", SMALL_LIMITS) as url:
        yield url


@contextmanager
def running_app(log: Path, environment: dict[str, str]) -> Iterator[str]:
    """`python app.py` on a free loopback port with these extra variables; its URL while it runs."""
    try:
        with app_process.running_app(log, environment, timeout_s=180) as url:
            yield url
    except app_process.AppStartError as exc:
        pytest.fail(str(exc))


def identified(page) -> None:
    """The page has told the server whose it is: its load event's last step marks the body (ui/session.py).

    Until then a click may reach the server before the page's visitor id does.
    """
    page.locator("body[data-visitor='ready']").wait_for(state="attached")


def open_identified(browser, url: str, width: int = 1400, height: int = 1000) -> tuple[object, object]:
    """A new browser context on `url`, its page waiting up to 240 s per step, once the page is identified."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(240_000)
    page.goto(url)
    identified(page)
    return context, page


def open_room(host) -> tuple[str, str]:
    """Open a workshop room on the facilitator's page: its five-character code and the join link shown."""
    host.get_by_role("tab", name="Workshop").click()
    host.locator("#workshop-open").click()
    code_box = host.locator("#workshop-code input, #workshop-code textarea").first
    host.wait_for_function("el => el.value.length === 5", arg=code_box.element_handle(), timeout=30_000)
    link = host.locator("#workshop-link input, #workshop-link textarea").first.input_value()
    return code_box.input_value(), link


def kb_documents(page) -> int:
    """The document count #kb-stats shows once no refresh is pending (never Gradio's "processing" overlay)."""
    page.locator("#kb-stats .pending").wait_for(state="detached")
    return int(page.locator("#kb-stats strong").first.inner_text())


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: the test command installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: object, app_url: str, tmp_path: Path) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(240_000)
    page.goto(app_url)
    identified(page)
    yield page
    page.screenshot(path=str(tmp_path / "last.png"), full_page=True)
    context.close()
