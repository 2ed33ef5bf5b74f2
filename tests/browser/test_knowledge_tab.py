"""The Knowledge tab in a real browser: upload a document, then see the RAG lane cite it in Compare."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import kb_documents

pytestmark = pytest.mark.browser

NEW_DOCUMENT = """# Zephyr Lounge

The Zephyr Lounge is the staff café on the fourth floor of the Aarhus office.
It opens at 7:15 every weekday and serves cardamom buns on Thursdays.
"""


def _open_knowledge_tab(page) -> None:
    page.get_by_role("tab", name="Knowledge").click()
    page.locator("#kb-stats").filter(has_text="chunks").wait_for()


def test_uploaded_document_is_cited_by_the_rag_lane(page, tmp_path: Path) -> None:
    document = tmp_path / "zephyr-lounge.md"
    document.write_text(NEW_DOCUMENT)
    _open_knowledge_tab(page)
    documents_before = kb_documents(page)
    page.locator("#kb-upload input[type=file]").set_input_files(str(document))
    page.locator("#kb-add").click()
    page.locator("#kb-status").filter(has_text="added zephyr-lounge.md").wait_for()
    assert kb_documents(page) == documents_before + 1

    page.get_by_role("tab", name="Compare").click()
    page.locator("#compare-question textarea").fill("What time does the Zephyr Lounge open?")
    page.locator("#compare-ask").click()
    page.locator("#rag-metrics [data-metric='latency'] .metric-value").filter(has_text=" s").wait_for()
    cited = page.locator("#rag-passages details.passage").first.get_attribute("data-source")
    assert cited == "zephyr-lounge.md"
    assert page.locator("#rag-answer").inner_text().strip()


def test_bad_upload_gets_one_clear_message_and_the_list_stays(page, tmp_path: Path) -> None:
    empty = tmp_path / "empty.md"
    empty.write_text("")
    _open_knowledge_tab(page)
    before = page.locator("#kb-documents").inner_text()
    page.locator("#kb-upload input[type=file]").set_input_files(str(empty))
    page.locator("#kb-add").click()
    page.locator("#kb-status").filter(has_text="empty.md: the file is empty").wait_for()
    assert page.locator("#kb-documents").inner_text() == before
