"""Parsing every supported format from bytes built here, and a one-line DocumentError for every bad input."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from playground.knowledge import parsing
from playground.knowledge.parsing import SUPPORTED_SUFFIXES, DocumentError, Section, parse_bytes, parse_file

MARKDOWN = """\
---
author: someone
---
Intro before any heading.

# Travel policy

Applies to everyone.

## Per diem

| Region | Rate |
|--------|------|
| US | $80 |
| EU | €70 |

- Meals are covered.
- Receipts are not needed.

### Exceptions

Ask **finance**.

## Hotels

Capped at $210.
"""


def _docx_bytes(title: str = "") -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.add_heading("Onboarding guide", level=1)
    document.add_paragraph("Welcome to the team.")
    document.add_heading("First week", level=2)
    document.add_paragraph("Meet your buddy on day one.")
    table = document.add_table(rows=2, cols=2)
    for cell, text in zip(table._cells, ["Day", "Task", "Monday", "Laptop | badge"], strict=True):
        cell.text = text
    document.add_paragraph("Bring ID.", style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _pdf_bytes(*pages: str, title: str = "") -> bytes:
    fpdf = pytest.importorskip("fpdf")  # a dev-only helper that builds the fixture
    pdf = fpdf.FPDF()
    if title:
        pdf.set_title(title)
    pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def _encrypted(pdf: bytes, user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _error(name: str, data: bytes) -> str:
    with pytest.raises(DocumentError) as caught:
        parse_bytes(name, data)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{Path(name).name}: ")
    return message


# --- formats ---------------------------------------------------------------------------------------


def test_markdown_sections_follow_the_heading_path() -> None:
    doc = parse_bytes("travel-policy.md", MARKDOWN.encode())
    assert doc.source == "travel-policy.md" and doc.title == "Travel policy"
    assert [s.heading for s in doc.sections] == [
        None,
        "Travel policy",
        "Travel policy > Per diem",
        "Travel policy > Per diem > Exceptions",
        "Travel policy > Hotels",
    ]
    assert doc.sections[0].text == "Intro before any heading."  # front matter dropped
    per_diem = doc.sections[2].text
    table = "| Region | Rate |\n|--------|------|\n| US | $80 |\n| EU | €70 |"
    assert per_diem == table + "\n\n- Meals are covered.\n- Receipts are not needed."
    assert doc.sections[3].text == "Ask **finance**."
    assert not any(s.atomic for s in doc.sections)


def test_a_leading_rule_is_not_mistaken_for_front_matter() -> None:
    doc = parse_bytes("rules.md", b"---\n\nText one.\n\n---\n\nText two.\n")
    assert doc.sections == (Section(heading=None, text="Text one.\n\nText two."),)


def test_markdown_title_falls_back_to_the_humanised_file_name() -> None:
    doc = parse_bytes("dir/q3_sales-notes.markdown", b"## Only a sub heading\n\nText.")
    assert doc.source == "q3_sales-notes.markdown" and doc.title == "Q3 sales notes"


def test_plain_text_is_one_section_of_paragraphs() -> None:
    doc = parse_bytes("notes.txt", "\ufeffFirst line\nstill first.\r\n\r\n\n  Second.  \n".encode())
    assert doc.title == "Notes"
    assert doc.sections == (Section(heading=None, text="First line\nstill first.\n\nSecond."),)


def test_html_drops_scripts_and_navigation_and_keeps_structure() -> None:
    html = """<html><head><title>Leave policy</title><style>p {color: red}</style></head><body>
    <nav><a href="/">Home</a> <a href="/hr">HR</a></nav>
    <script>var secret = "do not index";</script>
    <h1>Leave</h1><p>Everyone gets <b>25 days</b>, e.g. snake_case_name.</p>
    <h2>Sick leave</h2><ul><li>Paid from day one</li><li>Tell your manager</li></ul>
    <table><tr><th>Years</th><th>Days</th></tr><tr><td>5+</td><td>28</td></tr></table>
    </body></html>"""
    doc = parse_bytes("leave.html", html.encode())
    assert doc.title == "Leave policy"
    assert [s.heading for s in doc.sections] == ["Leave", "Leave > Sick leave"]
    everything = "\n".join(s.text for s in doc.sections)
    for noise in ("secret", "color", "Home", "HR"):
        assert noise not in everything
    assert doc.sections[0].text == "Everyone gets **25 days**, e.g. snake_case_name."
    assert "- Paid from day one\n- Tell your manager" in doc.sections[1].text
    assert "| Years | Days |" in doc.sections[1].text and "| 5+ | 28 |" in doc.sections[1].text


def test_html_without_a_title_uses_its_first_h1() -> None:
    assert parse_bytes("page.htm", b"<h1>Heading one</h1><p>Body.</p>").title == "Heading one"


def test_docx_heading_styles_and_tables_become_markdown() -> None:
    doc = parse_bytes("guide.docx", _docx_bytes())
    assert doc.title == "Onboarding guide"
    assert [s.heading for s in doc.sections] == ["Onboarding guide", "Onboarding guide > First week"]
    assert doc.sections[0].text == "Welcome to the team."
    table = "| Day | Task |\n|---|---|\n| Monday | Laptop \\| badge |"
    assert doc.sections[1].text == f"Meet your buddy on day one.\n\n{table}\n\n- Bring ID."


def test_pdf_gives_one_section_per_page_and_its_metadata_title() -> None:
    doc = parse_bytes("report.pdf", _pdf_bytes("Revenue grew 12 percent.", "Headcount is 412.", title="Q3 report"))
    assert doc.title == "Q3 report"
    assert doc.sections == (
        Section(heading="page 1", text="Revenue grew 12 percent."),
        Section(heading="page 2", text="Headcount is 412."),
    )


def test_pdf_skips_empty_pages_and_opens_an_empty_user_password() -> None:
    pdf = _encrypted(_pdf_bytes("Cover text.", "", "Last page."), user_password="")
    doc = parse_bytes("open.pdf", pdf)
    assert doc.title == "Open"
    assert [s.heading for s in doc.sections] == ["page 1", "page 3"]


def test_csv_rows_are_atomic_records_with_a_sniffed_delimiter() -> None:
    data = b"name;role;office\nAda;CEO;Duluth\n;;\nBo;;Fargo\n"
    doc = parse_bytes("staff.csv", data)
    assert doc.sections == (
        Section(heading="row 1", text="name: Ada\nrole: CEO\noffice: Duluth", atomic=True),
        Section(heading="row 3", text="name: Bo\noffice: Fargo", atomic=True),
    )
    assert doc.title == "Staff"


def test_jsonl_records_are_atomic_and_nested_values_stay_json() -> None:
    lines = [{"q": "Who?", "tags": ["a", "b"], "meta": {"n": 1}, "empty": "", "none": None}, {"q": "Ünïcode"}]
    data = ("\n".join(json.dumps(line) for line in lines[:1]) + "\n\n" + json.dumps(lines[1]) + "\n").encode()
    doc = parse_bytes("qa.jsonl", data)
    assert doc.sections == (
        Section(heading="line 1", text='q: Who?\ntags: ["a", "b"]\nmeta: {"n": 1}', atomic=True),
        Section(heading="line 3", text="q: Ünïcode", atomic=True),
    )


def test_parse_file_reads_the_name_and_bytes(tmp_path: Path) -> None:
    path = tmp_path / "travel-policy.md"
    path.write_text(MARKDOWN)
    assert parse_file(path) == parse_bytes("travel-policy.md", MARKDOWN.encode())
    with pytest.raises(DocumentError, match=r"^missing\.md: cannot read the file \(No such file or directory\)$"):
        parse_file(tmp_path / "missing.md")


# --- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a.md", "a.txt", "a.pdf", "a.docx", "a.csv", "a.jsonl", "a.html"])
@pytest.mark.parametrize("data", [b"", b" \n\t\r\n"])
def test_empty_files_are_refused(name: str, data: bytes) -> None:
    assert _error(name, data) == f"{name}: the file is empty"


def test_a_bom_alone_is_an_empty_file() -> None:
    assert _error("a.md", b"\xef\xbb\xbf\n") == "a.md: the file is empty"


@pytest.mark.parametrize("name", ["a.md", "a.txt", "a.html", "a.csv", "a.jsonl"])
def test_text_formats_must_be_utf8(name: str) -> None:
    expected = f"{name}: not UTF-8 text (invalid byte 0xff at position 12); save it as UTF-8 and upload again"
    assert _error(name, b"hello world!\xff and more") == expected


def test_utf8_error_positions_count_the_bom() -> None:
    assert "invalid byte 0xe9 at position 5" in _error("a.txt", b"\xef\xbb\xbfab\xe9")


def test_unsupported_suffix_lists_the_supported_ones() -> None:
    supported = ", ".join(SUPPORTED_SUFFIXES)
    assert _error("slides.XYZ", b"data") == f"slides.XYZ: unsupported file type '.xyz'; supported: {supported}"
    assert ".md, .markdown, .txt, .pdf" in supported
    assert "no extension" in _error("README", b"data")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("headings.md", b"# Only\n\n## Headings\n\n---\n"),
        ("scripts.html", b"<html><script>alert(1)</script><nav>Menu</nav></html>"),
        ("blank-records.jsonl", b'{"a": ""}\n{"b": null, "c": []}\n'),
    ],
)
def test_documents_without_text_are_refused(name: str, data: bytes) -> None:
    assert _error(name, data) == f"{name}: no text found"


def test_docx_without_text_is_refused() -> None:
    import docx

    buffer = io.BytesIO()
    docx.Document().save(buffer)
    assert _error("blank.docx", buffer.getvalue()) == "blank.docx: no text found"


def test_corrupt_docx_is_refused() -> None:
    assert _error("broken.docx", b"this is not a zip file") == "broken.docx: not a readable DOCX file"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "a zip, but not a Word document")
    assert _error("zip.docx", buffer.getvalue()) == "zip.docx: not a readable DOCX file"


def test_corrupt_pdf_is_refused() -> None:
    assert _error("broken.pdf", b"%PDF-1.7\nnot really a pdf").startswith("broken.pdf: not a readable PDF")


def test_encrypted_pdf_is_refused() -> None:
    pdf = _encrypted(_pdf_bytes("Top secret."), user_password="secret")
    assert _error("locked.pdf", pdf) == "locked.pdf: the PDF is encrypted; remove its password and upload again"


def test_scanned_pdf_without_text_is_refused() -> None:
    assert _error("scan.pdf", _pdf_bytes("", "")) == "scan.pdf: no extractable text (scanned PDF?)"


def test_jsonl_bad_line_is_named() -> None:
    data = b'{"a": 1}\n{"b": 2}\n{"c": 3 "d": 4}\n'
    assert _error("data.jsonl", data) == "data.jsonl: line 3 is not valid JSON (Expecting ',' delimiter)"
    assert _error("list.jsonl", b'{"a": 1}\n[1, 2]\n') == "list.jsonl: line 2 is not a JSON object"


def test_csv_without_rows_is_refused() -> None:
    assert _error("head.csv", b"name,role\n") == "head.csv: the CSV has a header but no data rows"
    assert _error("gaps.csv", b"name,role\n,\n") == "gaps.csv: the CSV has a header but no data rows"


def test_unexpected_library_errors_become_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(source: str, data: bytes) -> None:
        raise KeyError("line one\nline two")

    monkeypatch.setitem(parsing._PARSERS, ".txt", explode)
    assert _error("odd.txt", b"text") == "odd.txt: could not be parsed (KeyError: 'line one\\nline two')"
