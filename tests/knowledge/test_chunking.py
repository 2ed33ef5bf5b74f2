"""Chunking properties: size, overlap, section boundaries, atomic records, stable ids; and the shipped kb."""

from __future__ import annotations

import hashlib
from itertools import pairwise
from pathlib import Path

import pytest

from playground.knowledge.chunking import Chunk, chunk_document
from playground.knowledge.parsing import Document, Section, parse_file

KB = Path(__file__).resolve().parents[2] / "sample_data" / "company-knowledge" / "kb"


def _doc(*sections: Section, source: str = "doc.md") -> Document:
    return Document(source=source, title="Doc title", sections=sections)


def _prose(prefix: str, sentences: int, words: int = 9) -> str:
    """Sentences of unique words (prefix + number), so any word tells where it came from."""
    out = []
    for s in range(sentences):
        out.append(" ".join(f"{prefix}{s}x{w}" for w in range(words)) + ".")
    return " ".join(out)


def _overlap(previous: str, current: str) -> str:
    """The longest suffix of previous that current starts with (whole words)."""
    before, after = previous.split(), current.split()
    for k in range(min(len(before), len(after)), 0, -1):
        if before[-k:] == after[:k]:
            return " ".join(after[:k])
    return ""


def _words_without_overlap(chunks: list[Chunk]) -> list[str]:
    words = chunks[0].text.split()
    for previous, current in pairwise(chunks):
        words += current.text.split()[len(_overlap(previous.text, current.text).split()) :]
    return words


@pytest.mark.parametrize(
    ("size", "overlap", "message"),
    [
        (0, 0, "chunk size must be a positive number of characters, got 0"),
        (-5, 0, "chunk size must be a positive"),
        (100, -1, r"chunk overlap must be at least 0 and less than the chunk size \(100\), got -1"),
        (100, 100, r"less than the chunk size \(100\), got 100"),
    ],
)
def test_size_and_overlap_are_validated(size: int, overlap: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        chunk_document(_doc(Section("H", "text")), size=size, overlap=overlap)


def test_short_sections_stay_separate_chunks_in_order() -> None:
    doc = _doc(Section(None, "Intro."), Section("A", "First."), Section("A > B", "Second."))
    chunks = chunk_document(doc)
    assert [(c.section, c.text, c.index) for c in chunks] == [
        (None, "Intro.", 0),
        ("A", "First.", 1),
        ("A > B", "Second.", 2),
    ]
    assert {(c.source, c.title) for c in chunks} == {("doc.md", "Doc title")}


def test_whole_paragraphs_are_packed_greedily() -> None:
    paragraphs = [_prose(f"p{i}_", 2) for i in range(6)]  # all of the same length
    two_fit = 2 * len(paragraphs[0]) + len("\n\n") + 10
    chunks = chunk_document(_doc(Section("H", "\n\n".join(paragraphs))), size=two_fit, overlap=0)
    assert [c.text.split("\n\n") for c in chunks] == [paragraphs[0:2], paragraphs[2:4], paragraphs[4:6]]


def test_long_paragraph_is_cut_at_sentences_with_overlap() -> None:
    text = _prose("w", 30)  # one paragraph of ~1,600 characters
    chunks = chunk_document(_doc(Section("H", text)), size=400, overlap=80)
    assert len(chunks) >= 5
    assert all(len(c.text) <= 400 and c.text.endswith(".") for c in chunks)
    for previous, current in pairwise(chunks):
        shared = _overlap(previous.text, current.text)
        assert shared and len(shared) <= 80, "each chunk opens with the end of the one before"
        assert current.text.startswith(shared) and previous.text.endswith(shared)
    assert _words_without_overlap(chunks) == text.split(), "nothing lost, nothing repeated beyond the overlap"


def test_overlap_shrinks_so_no_chunk_exceeds_the_size() -> None:
    near_full = " ".join(f"long{i}" for i in range(60))[:380] + "."  # a sentence that leaves little room
    text = " ".join(f"Short sentence {i}. {near_full}" for i in range(4))
    chunks = chunk_document(_doc(Section("H", text)), size=400, overlap=120)
    assert all(len(c.text) <= 400 for c in chunks)


def test_overlap_zero_shares_nothing() -> None:
    chunks = chunk_document(_doc(Section("H", _prose("w", 30))), size=400, overlap=0)
    assert all(not _overlap(a.text, b.text) for a, b in pairwise(chunks))
    assert sum(len(c.text.split()) for c in chunks) == 30 * 9


def test_overlap_is_whole_words_when_sentences_are_long() -> None:
    text = " ".join(f"word{i}" for i in range(400))  # no sentence ends at all: cut at spaces
    chunks = chunk_document(_doc(Section("H", text)), size=300, overlap=50)
    vocabulary = set(text.split())
    for chunk in chunks:
        assert len(chunk.text) <= 300 and set(chunk.text.split()) <= vocabulary  # no word cut in two
    assert all(_overlap(a.text, b.text) for a, b in pairwise(chunks))
    assert _words_without_overlap(chunks) == text.split()


def test_a_word_longer_than_a_chunk_is_cut() -> None:
    chunks = chunk_document(_doc(Section("H", "x" * 1000)), size=300, overlap=50)
    assert all(len(c.text) <= 300 for c in chunks)
    assert "".join(c.text for c in chunks).count("x") >= 1000


def test_long_table_is_cut_between_rows() -> None:
    rows = ["| Name | Role |", "|---|---|"] + [f"| Person {i} | Role number {i} |" for i in range(60)]
    chunks = chunk_document(_doc(Section("Staff", "\n".join(rows))), size=300, overlap=60)
    assert len(chunks) > 3
    for chunk in chunks:
        assert len(chunk.text) <= 300
        assert all(line in rows for line in chunk.text.split("\n")), "every line is a whole row"


def test_chunks_never_cross_a_section_boundary() -> None:
    doc = _doc(Section("Alpha", _prose("alpha", 12)), Section("Beta", _prose("beta", 12)))
    chunks = chunk_document(doc, size=300, overlap=100)
    for chunk in chunks:
        prefix = chunk.section.lower()
        assert all(word.startswith(prefix) for word in chunk.text.split())
    assert [c.section for c in chunks] == sorted(c.section for c in chunks)


def test_atomic_records_are_one_chunk_each_even_when_long() -> None:
    long_record = "\n".join(f"field{i}: {'value ' * 20}" for i in range(10))
    doc = _doc(
        Section("row 1", "a: 1", atomic=True),
        Section("row 2", "b: 2", atomic=True),
        Section("row 3", long_record, atomic=True),
    )
    chunks = chunk_document(doc, size=100, overlap=20)
    assert [c.text for c in chunks] == ["a: 1", "b: 2", long_record.strip()]
    assert [c.section for c in chunks] == ["row 1", "row 2", "row 3"]


def test_hashes_follow_the_documented_formula_and_are_stable_across_runs() -> None:
    doc = _doc(Section("Policy > Hotels", "Capped at 210 USD a night."), source="policy.md")
    (chunk,) = chunk_document(doc)
    # A literal digest: a change to the hash input would orphan every stored chunk, so it must be deliberate.
    assert chunk.content_hash == "8b2df5e2a3b2aab46fad1cd4e89faf8d0c344d94dc40dfa6673d0bf43da3563a"
    assert chunk.id == "policy.md#8b2df5e2a3b2aab4"
    no_heading = chunk_document(_doc(Section(None, "Loose text.")))[0]
    assert no_heading.content_hash == hashlib.sha256(b"doc.md\n\nLoose text.").hexdigest()


def test_rechunking_gives_the_same_chunks() -> None:
    doc = _doc(Section("A", _prose("a", 20)), Section("B", _prose("b", 3)))
    assert chunk_document(doc) == chunk_document(doc)


def test_duplicate_text_gets_distinct_ids() -> None:
    same = Section("FAQ", "Contact support@example.com.")
    chunks = chunk_document(_doc(same, Section("Other", "Different."), same))
    ids = [c.id for c in chunks]
    assert len(set(ids)) == 3
    assert chunks[0].content_hash == hashlib.sha256(b"doc.md\nFAQ\nContact support@example.com.").hexdigest()


def test_ids_do_not_depend_on_position() -> None:
    # Incremental re-ingest: inserting a section must not change the ids of the chunks that did not change.
    kept = Section("Kept", "This text does not change.")
    before = chunk_document(_doc(kept))
    after = chunk_document(_doc(Section("New", "A new section at the top."), kept))
    assert before[0].id == after[1].id and after[1].index == 1


def test_index_runs_from_zero_without_gaps() -> None:
    doc = _doc(Section("A", _prose("a", 20)), Section("B", "short"), Section("C", _prose("c", 15)))
    chunks = chunk_document(doc, size=250, overlap=40)
    assert [c.index for c in chunks] == list(range(len(chunks)))


def test_every_shipped_kb_document_parses_and_chunks() -> None:
    files = sorted(KB.iterdir())
    assert len(files) >= 30
    all_ids = []
    for path in files:
        chunks = chunk_document(parse_file(path))
        assert len(chunks) >= 2, path.name
        assert all(0 < len(c.text) <= 800 for c in chunks), path.name
        all_ids += [c.id for c in chunks]
    assert len(all_ids) == len(set(all_ids))
