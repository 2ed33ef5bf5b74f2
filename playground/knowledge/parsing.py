"""Parse uploaded documents into titled, sectioned text: Markdown, text, HTML, DOCX, PDF, CSV and JSONL.

Every format ends up as a `Document` of `Section`s. Markdown is the common path: HTML and DOCX are
converted to Markdown first, so headings become the section structure for all three. PDF pages,
CSV rows and JSONL records have no headings; they become one section per page, row or record.
Whatever goes wrong, `parse_bytes` raises `DocumentError` with one line that names the file.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from playground.errors import PlaygroundError
from playground.text_utils import NotUtf8Error, decode_utf8, one_line

SUPPORTED_SUFFIXES: tuple[str, ...] = (".md", ".markdown", ".txt", ".pdf", ".html", ".htm", ".docx", ".csv", ".jsonl")

_BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")
# YAML front matter: "---", a "key: value" line, anything, then "---" or "..." (an hr alone does not match).
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n[\w-]+[ \t]*:.*\n(?:.*\n)*?(?:---|\.\.\.)[ \t]*(?:\n|\Z)")
# Elements whose text is page furniture or code, never document content.
_HTML_NOISE = ("script", "style", "nav", "noscript", "template", "svg", "head")


class DocumentError(PlaygroundError, ValueError):
    """A document cannot be ingested. str(exc) is one line: "<file name>: <problem in plain words>"."""


@dataclass(frozen=True)
class Section:
    """A run of text under one heading path ("Travel policy > Per diem"); None before any heading."""

    heading: str | None
    text: str
    atomic: bool = False  # a CSV/JSONL record: the chunker keeps it whole and alone


@dataclass(frozen=True)
class Document:
    """One parsed file: its name as ingested, a display title and its sections in reading order."""

    source: str
    title: str
    sections: tuple[Section, ...]


def parse_file(path: Path) -> Document:
    """Read a file and parse it; a file that cannot be read is a DocumentError too."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise _error(Path(path).name, f"cannot read the file ({exc.strerror or exc})") from exc
    return parse_bytes(Path(path).name, data)


def parse_bytes(name: str, data: bytes) -> Document:
    """Parse the bytes of a file called `name` (its suffix picks the format) into a Document."""
    source = Path(name).name
    suffix = Path(source).suffix.lower()
    parser = _PARSERS.get(suffix)
    if parser is None:
        shown = f"'{suffix}'" if suffix else "'' (no extension)"
        raise _error(source, f"unsupported file type {shown}; supported: {', '.join(SUPPORTED_SUFFIXES)}")
    if not data.strip():
        raise _error(source, "the file is empty")
    try:
        title, sections = parser(source, data)
    except DocumentError:
        raise
    except Exception as exc:  # a library failing on odd input must still give the user one clear line
        raise _error(source, f"could not be parsed ({type(exc).__name__}: {exc})") from exc
    sections = tuple(s for s in sections if s.text.strip())
    if not sections:
        raise _error(source, "no text found")
    return Document(source=source, title=title or _humanise(source), sections=sections)


def _error(source: str, problem: str) -> DocumentError:
    # Library messages can span lines (and be long); the UI and CLI show exactly one line.
    return DocumentError(f"{source}: {one_line(problem)[:300]}")


def _humanise(source: str) -> str:
    """'travel-policy.md' -> 'Travel policy': the title of last resort."""
    words = " ".join(re.split(r"[-_\s]+", Path(source).stem)).strip()
    return words[:1].upper() + words[1:] if words else source


def _decode_utf8(source: str, data: bytes) -> str:
    """UTF-8 text (a BOM is allowed) with newlines normalised; anything else is a DocumentError."""
    try:
        text = decode_utf8(data)
    except NotUtf8Error as exc:
        problem = f"not UTF-8 text (invalid byte 0x{exc.byte:02x} at position {exc.position})"
        raise _error(source, f"{problem}; save it as UTF-8 and upload again") from exc
    if not text.strip():
        raise _error(source, "the file is empty")
    return text


# --- Markdown: the common path for Markdown, HTML and DOCX ---------------------------------------


def _parse_markdown_file(source: str, data: bytes) -> tuple[str | None, list[Section]]:
    return _markdown_sections(_decode_utf8(source, data))


def _markdown_sections(text: str) -> tuple[str | None, list[Section]]:
    """Split Markdown at its headings: (first H1 text or None, sections with their source blocks)."""
    text = _FRONT_MATTER.sub("", text, count=1)  # YAML front matter would parse as an hr and a heading
    lines = text.split("\n")
    tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(text)
    first_h1: str | None = None
    path: list[tuple[int, str]] = []  # the open headings: (level, text)
    sections: list[Section] = []
    blocks: list[str] = []
    for i, token in enumerate(tokens):
        if token.level != 0 or token.map is None or token.nesting == -1:
            continue  # only top-level blocks: nested ones are inside their parent's line range
        if token.type == "heading_open":
            heading = _plain_text(tokens[i + 1])
            if not heading:
                continue
            _flush(sections, path, blocks)
            level = int(token.tag[1])
            first_h1 = first_h1 or (heading if level == 1 else None)
            path = [(lvl, txt) for lvl, txt in path if lvl < level] + [(level, heading)]
        elif _is_content(token):
            blocks.append(_source_lines(lines, token.map))
    _flush(sections, path, blocks)
    return first_h1, sections


def _flush(sections: list[Section], path: list[tuple[int, str]], blocks: list[str]) -> None:
    """Close the section gathered so far (if it has any text) and start an empty one."""
    text = "\n\n".join(b for b in blocks if b)
    if text:
        sections.append(Section(heading=" > ".join(t for _, t in path) or None, text=text))
    blocks.clear()


def _plain_text(inline: Token) -> str:
    """A heading's words without Markdown markup: '**Per** diem' -> 'Per diem'."""
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return " ".join("".join(parts).split())


def _is_content(token: Token) -> bool:
    if token.type == "hr":
        return False
    # An HTML comment carries no text a reader sees.
    return not (token.type == "html_block" and token.content.strip().startswith("<!--"))


def _source_lines(lines: list[str], line_map: list[int]) -> str:
    """The block's own source lines, so tables, lists and code keep their Markdown form."""
    start, end = line_map
    return "\n".join(line.rstrip() for line in lines[start:end]).strip("\n")


# --- Plain text ----------------------------------------------------------------------------------


def _parse_text(source: str, data: bytes) -> tuple[str | None, list[Section]]:
    paragraphs = [p.strip() for p in _BLANK_LINES.split(_decode_utf8(source, data))]
    return None, [Section(heading=None, text="\n\n".join(p for p in paragraphs if p))]


# --- HTML ----------------------------------------------------------------------------------------


def _parse_html(source: str, data: bytes) -> tuple[str | None, list[Section]]:
    from bs4 import BeautifulSoup  # imported here: only HTML uploads pay for it
    from markdownify import MarkdownConverter

    soup = BeautifulSoup(_decode_utf8(source, data), "lxml")  # lxml ships with python-docx
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup(list(_HTML_NOISE)):
        tag.decompose()
    # No escaping: the text is read by a model, not rendered, and "snake\_case" would hurt search.
    converter = MarkdownConverter(heading_style="ATX", bullets="-", escape_asterisks=False, escape_underscores=False)
    first_h1, sections = _markdown_sections(converter.convert_soup(soup))
    return title or first_h1, sections


# --- DOCX ----------------------------------------------------------------------------------------


def _parse_docx(source: str, data: bytes) -> tuple[str | None, list[Section]]:
    import docx  # imported here: only DOCX uploads pay for it

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises zip, XML and package errors alike for a bad file
        raise _error(source, "not a readable DOCX file") from exc
    first_h1, sections = _markdown_sections("\n\n".join(_docx_blocks(document)))
    return first_h1 or document.core_properties.title.strip() or None, sections


def _docx_blocks(document) -> Iterator[str]:
    """Paragraphs and tables in document order, as Markdown blocks; heading styles become '#'s."""
    from docx.table import Table

    for item in document.iter_inner_content():
        if isinstance(item, Table):
            yield _pipe_table([[cell.text for cell in row.cells] for row in item.rows])
            continue
        text = " ".join(item.text.split())
        if text:
            yield _docx_paragraph(item.style.name if item.style is not None else "", text)


def _docx_paragraph(style: str, text: str) -> str:
    if style == "Title":
        return f"# {text}"
    if style.startswith("Heading"):
        digits = re.findall(r"\d+", style)
        level = min(int(digits[0]), 6) if digits else 1
        return f"{'#' * level} {text}"
    if style.startswith("List"):
        return f"- {text}"
    return text


def _pipe_table(rows: list[list[str]]) -> str:
    """A Markdown pipe table; the first row is the header, as in nearly every Word table."""
    kept = [row for row in rows if any(cell.strip() for cell in row)]
    cleaned = [[" ".join(cell.split()).replace("|", "\\|") for cell in row] for row in kept]
    if not cleaned:
        return ""
    width = max(len(row) for row in cleaned)
    padded = [row + [""] * (width - len(row)) for row in cleaned]
    lines = ["| " + " | ".join(row) + " |" for row in padded]
    lines.insert(1, "|" + "---|" * width)
    return "\n".join(lines)


# --- PDF -----------------------------------------------------------------------------------------


def _parse_pdf(source: str, data: bytes) -> tuple[str | None, list[Section]]:
    from pypdf import PdfReader  # imported here: only PDF uploads pay for it

    try:
        reader = PdfReader(io.BytesIO(data))
        _unlock(source, reader)
        pages = [_page_text(page) for page in reader.pages]
        title = str((reader.metadata or {}).get("/Title") or "").strip()
    except DocumentError:
        raise
    except Exception as exc:  # pypdf has many error types for damaged files; all mean the same here
        raise _error(source, f"not a readable PDF ({exc})") from exc
    sections = [Section(heading=f"page {n}", text=text) for n, text in enumerate(pages, start=1) if text]
    if not sections:
        raise _error(source, "no extractable text (scanned PDF?)")
    return title or None, sections


def _unlock(source: str, reader) -> None:
    """Open a PDF that is encrypted with an empty user password (it opens in any viewer); refuse others."""
    if not reader.is_encrypted:
        return
    locked = "the PDF is encrypted; remove its password and upload again"
    try:
        opened = reader.decrypt("")
    except Exception as exc:  # e.g. AES without the optional crypto package: as good as locked
        raise _error(source, locked) from exc
    if not opened:
        raise _error(source, locked)


def _page_text(page) -> str:
    lines = (line.rstrip() for line in (page.extract_text() or "").split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --- CSV and JSONL: one atomic section per record ------------------------------------------------


def _parse_csv(source: str, data: bytes) -> tuple[str | None, list[Section]]:
    text = _decode_utf8(source, data)
    reader = csv.DictReader(io.StringIO(text), delimiter=_sniff_delimiter(text), restkey="extra")
    try:
        header = reader.fieldnames
        rows = list(reader)
    except csv.Error as exc:
        raise _error(source, f"not a readable CSV (line {reader.line_num}: {exc})") from exc
    if not header or not any(h and h.strip() for h in header):
        raise _error(source, "the CSV has no header row")
    sections = [_record_section(f"row {n}", row.items()) for n, row in enumerate(rows, start=1)]
    if not any(s.text for s in sections):
        raise _error(source, "the CSV has a header but no data rows")
    return None, sections


def _sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab: the sniffer's guess, else whichever the header line uses most."""
    sample = text[:8192]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        header = sample.split("\n", 1)[0]
        return max(",;\t", key=header.count)


def _parse_jsonl(source: str, data: bytes) -> tuple[str | None, list[Section]]:
    sections = []
    for number, line in enumerate(_decode_utf8(source, data).split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise _error(source, f"line {number} is not valid JSON ({exc.msg})") from exc
        if not isinstance(record, dict):
            raise _error(source, f"line {number} is not a JSON object")
        sections.append(_record_section(f"line {number}", record.items()))
    return None, sections


def _record_section(heading: str, fields: Iterable[tuple[object, object]]) -> Section:
    """'key: value' lines, empty values left out; nested values stay JSON so nothing is lost."""
    lines = []
    for key, value in fields:
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        if value is not None and shown.strip() and shown not in ("[]", "{}"):
            lines.append(f"{str(key).strip() or '(unnamed)'}: {shown.strip()}")
    return Section(heading=heading, text="\n".join(lines), atomic=True)


_PARSERS: dict[str, Callable[[str, bytes], tuple[str | None, list[Section]]]] = {
    ".md": _parse_markdown_file,
    ".markdown": _parse_markdown_file,
    ".txt": _parse_text,
    ".html": _parse_html,
    ".htm": _parse_html,
    ".docx": _parse_docx,
    ".pdf": _parse_pdf,
    ".csv": _parse_csv,
    ".jsonl": _parse_jsonl,
}
