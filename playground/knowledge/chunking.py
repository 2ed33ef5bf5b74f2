"""Cut a parsed Document into retrieval-sized chunks, following its structure.

Within a section, whole paragraphs and blocks (a table, a list) are packed up to `size` characters.
A paragraph longer than `size` is cut at sentence ends or line breaks, and only if a sentence is
still too long, at spaces (a single word longer than `size` is cut; nothing else is).
Consecutive chunks of a section share up to `overlap` characters (whole sentences or words from the
end of the previous chunk) so a fact cut in two still appears whole somewhere. Chunks never cross
a section boundary; a CSV/JSONL record is always exactly one chunk.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass

from playground.knowledge.parsing import Document, Section

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
# Where a paragraph may be cut: after ". ", "? " or "! ", or at a line break (table rows, list items).
_SENTENCE_BREAK = re.compile(r"(?<=[.?!])[ \t]+|[ \t]*\n\s*")


@dataclass(frozen=True)
class Chunk:
    """One retrievable piece of a document, with a content hash that is stable across runs."""

    source: str
    title: str
    section: str | None
    text: str
    index: int  # position within the document, 0..n-1
    content_hash: str  # sha256 of source, section and text (see _hashes for repeated text)

    @property
    def id(self) -> str:
        """Stable identity for incremental re-ingest: unchanged text keeps its id wherever it moves."""
        return f"{self.source}#{self.content_hash[:16]}"


@dataclass(frozen=True)
class _Unit:
    """A piece that is never cut further, and the separator that joins it to the piece before it."""

    text: str
    sep: str  # "\n\n" between paragraphs, " " or "\n" between sentences or lines of one paragraph


def chunk_document(doc: Document, size: int = 800, overlap: int = 120) -> list[Chunk]:
    """Chunks of at most `size` characters, in reading order; a CSV/JSONL record is one chunk whatever its length."""
    if size <= 0:
        raise ValueError(f"chunk size must be a positive number of characters, got {size}")
    if not 0 <= overlap < size:
        raise ValueError(f"chunk overlap must be at least 0 and less than the chunk size ({size}), got {overlap}")
    pieces = [(section.heading, text) for section in doc.sections for text in _section_texts(section, size, overlap)]
    hashes = _hashes(doc.source, pieces)
    return [
        Chunk(source=doc.source, title=doc.title, section=heading, text=text, index=i, content_hash=digest)
        for i, ((heading, text), digest) in enumerate(zip(pieces, hashes, strict=True))
    ]


def _section_texts(section: Section, size: int, overlap: int) -> list[str]:
    if section.atomic:
        # A record split in two would lose its field names in one half; keep it whole, even if long.
        return [section.text.strip()] if section.text.strip() else []
    return _pack(_units(section.text, size), size, overlap)


def _hashes(source: str, pieces: list[tuple[str | None, str]]) -> list[str]:
    """sha256 of source, section and text; a repeat of the same text in the same section gets a counter.

    The counter (not the chunk index) tells repeats apart, so the first occurrence of any text keeps the
    same hash when chunks before it are added or removed: re-ingest then only touches what changed.
    """
    seen: Counter[tuple[str | None, str]] = Counter()
    hashes = []
    for heading, text in pieces:
        key = f"{source}\n{heading or ''}\n{text}"
        if seen[(heading, text)]:
            key += f"\n#{seen[(heading, text)]}"
        seen[(heading, text)] += 1
        hashes.append(hashlib.sha256(key.encode("utf-8")).hexdigest())
    return hashes


def _units(text: str, size: int) -> list[_Unit]:
    """Paragraphs that fit; longer ones cut into sentences or lines, and those into words if still too long."""
    units = []
    for paragraph in (p.strip() for p in _PARAGRAPH_BREAK.split(text)):
        if not paragraph:
            continue
        if len(paragraph) <= size:
            units.append(_Unit(paragraph, "\n\n"))
            continue
        for j, (sentence, sep) in enumerate(_sentences(paragraph)):
            # Words, not chunk-wide lines: packing words leaves room for the overlap.
            pieces = [sentence] if len(sentence) <= size else _words(sentence, size)
            for k, piece in enumerate(pieces):
                units.append(_Unit(piece, "\n\n" if j == k == 0 else (sep if k == 0 else " ")))
    return units


def _words(sentence: str, size: int) -> list[str]:
    """The sentence's words; a word longer than a chunk (a URL, a hash) is cut, the only mid-word cut."""
    return [word[i : i + size] for word in sentence.split() for i in range(0, len(word), size)]


def _sentences(paragraph: str) -> list[tuple[str, str]]:
    """(sentence, separator before it) pairs; the separator is a newline where the source had one."""
    pieces, start, sep = [], 0, ""
    for match in _SENTENCE_BREAK.finditer(paragraph):
        pieces.append((paragraph[start : match.start()], sep))
        start, sep = match.end(), "\n" if "\n" in match.group() else " "
    pieces.append((paragraph[start:], sep))
    return [(text, sep) for text, sep in pieces if text.strip()]


def _pack(units: list[_Unit], size: int, overlap: int) -> list[str]:
    """Greedy packing: add units while the chunk fits; each new chunk opens with the previous one's tail."""
    chunks: list[str] = []
    current = ""
    for unit in units:
        if current and len(current) + len(unit.sep) + len(unit.text) > size:
            chunks.append(current)
            # The tail must leave room for this unit, so overlap shrinks rather than the chunk growing.
            current = _tail(current, min(overlap, size - len(unit.sep) - len(unit.text)))
        current = f"{current}{unit.sep}{unit.text}" if current else unit.text
    if current:
        chunks.append(current)
    return chunks


def _tail(text: str, limit: int) -> str:
    """At most `limit` characters from the end of text: whole sentences if they fill half of it, else words."""
    if limit <= 0:
        return ""
    window_start = len(text) - limit
    sentence_starts = [m.end() for m in _SENTENCE_BREAK.finditer(text) if m.start() >= window_start]
    if sentence_starts and len(text) - sentence_starts[0] >= limit // 2:
        return text[sentence_starts[0] :].strip()
    word_starts = [m.end() for m in re.finditer(r"\s+", text) if m.start() >= window_start]
    if window_start > 0 and not text[window_start - 1].isspace():
        return text[word_starts[0] :].strip() if word_starts else ""
    return text[max(window_start, 0) :].strip()
