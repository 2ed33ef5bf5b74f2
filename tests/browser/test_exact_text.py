"""Model output is shown exactly as written: never read as HTML, Markdown or a template."""

from __future__ import annotations

from collections.abc import Iterator

import gradio as gr
import pytest

from playground.ui import launch_options
from playground.ui.formatting import answer_html

pytestmark = pytest.mark.browser

TRICKY = (
    "Dear <name>, your ticket <b>#42</b> is **done** & _closed_.\n"
    "Template bits: {{name}} ${value} {% raw %}\n"
    "<script>document.title = 'pwned'</script><img src=x onerror=\"document.title='pwned'\">\n"
    "| a | b |\n# not a heading\n" + "A long line. " * 40 + "\n" + "line\n" * 60
)


@pytest.fixture(scope="module")
def answer_page(browser) -> Iterator[object]:
    with gr.Blocks() as demo:
        gr.HTML(answer_html(TRICKY), elem_id="shown", elem_classes="lane-answer")
    demo.launch(server_name="127.0.0.1", server_port=None, prevent_thread_lock=True, **launch_options())
    context = browser.new_context(viewport={"width": 900, "height": 800})
    page = context.new_page()
    page.goto(demo.local_url)
    yield page
    context.close()
    demo.close()


def test_an_answer_with_markup_shows_every_character_and_runs_nothing(answer_page) -> None:
    shown = answer_page.locator("#shown .answer-text")
    shown.wait_for()
    assert shown.inner_text() == TRICKY.rstrip("\n") or shown.inner_text() == TRICKY
    assert answer_page.title() != "pwned"
    assert answer_page.locator("#shown b, #shown script, #shown img, #shown strong, #shown h1").count() == 0


def test_a_long_answer_scrolls_inside_its_box(answer_page) -> None:
    box = answer_page.locator("#shown .answer-text")
    sizes = box.evaluate("e => [e.scrollHeight, e.clientHeight, getComputedStyle(e).overflowY]")
    assert sizes[0] > sizes[1] and sizes[2] == "auto"
