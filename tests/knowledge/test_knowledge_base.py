"""Uploads, edits and deletes: bad input gets one clear message and changes nothing."""

from __future__ import annotations

import pytest

from playground.knowledge.base import KnowledgeBase, UploadError
from playground.knowledge.parsing import DocumentError


def _snapshot(kb: KnowledgeBase):
    stats = kb.stats()
    files = {p.name: p.read_bytes() for p in kb.files()}
    return stats.documents, stats.chunks, files


BAD_UPLOADS = [
    ("broken.pdf", b"%PDF-1.7 this is not really a pdf", "not a readable PDF"),
    ("notes.docx", b"PK-not-a-zip", "not a readable DOCX"),
    ("image.png", b"\x89PNG....", "unsupported file type '.png'"),
    ("empty.md", b"", "empty"),
    ("latin1.txt", "café crème".encode("latin-1"), "not UTF-8"),
    ("big.md", b"# Big\n\n" + b"word " * 1000, "over the"),
    ("../escape.md", b"# Sneaky", "not a plain file name"),
    ("bad.jsonl", b'{"a": 1}\n{not json}\n', "line 2"),
]


@pytest.mark.parametrize(("name", "data", "message"), BAD_UPLOADS)
def test_bad_upload_is_refused_and_nothing_changes(kb: KnowledgeBase, name: str, data: bytes, message: str) -> None:
    kb.sync()
    before = _snapshot(kb)
    with pytest.raises(DocumentError, match=message) as caught:
        kb.add_files([("good.md", b"# Good\n\nA fine new document."), (name, data)])
    assert "\n" not in str(caught.value)
    assert _snapshot(kb) == before, "neither the folder nor the index changed"


def test_upload_then_search_finds_it(kb: KnowledgeBase) -> None:
    report = kb.add_files([("warranty.md", b"# Warranty\n\nEvery Kestrel sensor carries a 36-month warranty.")])
    assert report.added >= 1
    assert (kb.folder / "warranty.md").exists()
    assert kb.search("Kestrel warranty months", k=1, mode="fts").passages[0].source == "warranty.md"


def test_edit_reindexes_only_that_document(kb: KnowledgeBase, embedder) -> None:
    kb.sync()
    embedder.embedded.clear()
    text = kb.read_text("travel.md").replace("$80", "$95")
    report = kb.save_text("travel.md", text)
    assert report.added == 1 and report.removed == 1
    assert all("$95" in t for t in embedder.embedded)
    assert "$95" in kb.search("meal per diem", k=1, mode="fts").passages[0].text


def test_edit_that_breaks_the_document_is_refused(kb: KnowledgeBase) -> None:
    kb.sync()
    before = _snapshot(kb)
    with pytest.raises(DocumentError, match="empty"):
        kb.save_text("travel.md", "   ")
    assert _snapshot(kb) == before


def test_delete_removes_file_and_chunks(kb: KnowledgeBase) -> None:
    kb.sync()
    removed = kb.delete("people.md")
    assert removed == 2 and not (kb.folder / "people.md").exists()  # its two sections' chunks
    assert "people.md" not in {d.source for d in kb.stats().document_list}


def test_binary_documents_cannot_be_edited_inline(kb: KnowledgeBase) -> None:
    with pytest.raises(UploadError, match="only text documents"):
        kb.save_text("manual.pdf", "text")
