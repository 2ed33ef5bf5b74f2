"""The Train tab in a real browser: a 2-step job shows progress and its adapter reaches Compare."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytestmark = pytest.mark.browser


def _tiny_dataset(path: Path) -> Path:
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"Is sensor {i} ok?"},
                {"role": "assistant", "content": f"Sensor {i} is fine. — Care Team"},
            ]
        }
        for i in range(12)
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    return path


def _set_number(page, elem_id: str, value: str) -> None:
    field = page.locator(f"#{elem_id} input")
    field.fill(value)
    field.press("Tab")


def test_two_step_job_shows_progress_and_its_adapter_is_offered(page, tmp_path: Path) -> None:
    page.get_by_role("tab", name="Train").click()
    page.locator("#train-upload input[type=file]").set_input_files(str(_tiny_dataset(tmp_path / "tiny.jsonl")))
    page.locator("#train-preview").click()
    page.locator("#train-preview-text").filter(has_text="12 examples").wait_for()
    _set_number(page, "train-max-steps", "2")
    _set_number(page, "train-batch", "4")
    _set_number(page, "train-seq-len", "128")
    page.locator("#train-name textarea, #train-name input").first.fill("browser-test")
    page.locator("#train-start").click()
    page.locator("#train-status [data-status='starting'], #train-status [data-status='running']").first.wait_for()
    page.locator("#train-status [data-status='done']").wait_for(timeout=400_000)
    status = page.locator("#train-status").inner_text()
    assert "step 2/2" in status and "browser-test" in status
    assert "browser-test" in page.locator("#train-adapters").inner_text()

    page.get_by_role("tab", name="Compare").click()  # the adapter choices refresh when the tab opens
    _wait_for_option(page, "#finetuned-adapter", "browser-test")


def _wait_for_option(page, picker: str, option: str, timeout_s: float = 60) -> None:
    """Open the dropdown until it offers `option` (its choices may still be refreshing): no fixed pause."""
    deadline = time.monotonic() + timeout_s
    while True:
        page.locator(f"{picker} input").click()
        try:
            page.get_by_role("option", name=option).wait_for(timeout=2_000)
            return
        except PlaywrightTimeout:
            if time.monotonic() > deadline:
                raise
            page.keyboard.press("Escape")
