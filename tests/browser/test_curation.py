"""Answers become training data in a real browser: edit a lane's answer in Compare, mark it good, save
it, and the Train tab's saved set shows one more example, with the edited text."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

EDITED = "Edited in the browser: restart the router first."


def _saved_count(page) -> int:
    """The size the Train tab shows for the visitor's saved answers (once the block has been drawn)."""
    block = page.locator("#train-saved .saved-answers")
    block.wait_for()
    return int(block.get_attribute("data-count"))


def test_an_edited_good_answer_grows_the_saved_training_set(page) -> None:
    page.get_by_role("tab", name="Train").click()
    before = _saved_count(page)

    page.get_by_role("tab", name="Compare").click()
    page.locator("#compare-question textarea").fill("What is the capital of France?")
    page.locator("#compare-ask").click()
    page.locator("#prompting-metrics [data-metric='latency'] .metric-value").filter(has_text=" s").wait_for()

    page.locator("#prompting-curate").get_by_text("Save as a training example").click()
    editor = page.locator("#prompting-curate-answer textarea")
    expect(editor).not_to_have_value("", timeout=240_000)  # filled once every lane has finished
    answered = page.locator("#prompting-answer").inner_text().strip()
    assert answered and answered[:10] in editor.input_value()  # the lane's own answer, to edit
    editor.fill(EDITED)
    page.locator("#prompting-curate-mark").get_by_text("good").click()
    page.locator("#prompting-curate-save").click()
    saved = page.locator("#prompting-curate-status [data-state='saved']")
    saved.wait_for()
    assert saved.get_attribute("data-count") == str(before + 1)

    page.get_by_role("tab", name="Train").click()
    page.locator(f"#train-saved .saved-answers[data-count='{before + 1}']").wait_for()
    preview = page.locator("#train-saved .saved-answers-preview")
    expect(preview).to_contain_text(EDITED)
    expect(preview).to_contain_text("What is the capital of France?")
    assert re.search(rf"\b{before + 1}\b example", page.locator("#train-saved").inner_text())
