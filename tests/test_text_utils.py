"""The shared text helpers: UTF-8 decoding of user files and one-line messages."""

from __future__ import annotations

import pytest

from playground.text_utils import NotUtf8Error, decode_utf8, first_line, one_line


def test_decode_allows_a_bom_and_normalises_newlines() -> None:
    assert decode_utf8("\ufeffa\r\nb\rc\nd".encode()) == "a\nb\nc\nd"
    assert decode_utf8("café".encode()) == "café"


def test_a_bad_byte_is_located() -> None:
    with pytest.raises(NotUtf8Error) as caught:
        decode_utf8(b"line one\nline two \xff here")
    assert (caught.value.byte, caught.value.position, caught.value.line) == (0xFF, 18, 2)
    assert "0xff" in str(caught.value)


def test_one_line_collapses_breaks_and_spaces() -> None:
    assert one_line("  mapping values\n  are not allowed   here\n") == "mapping values are not allowed here"


def test_first_line_skips_blank_lines() -> None:
    assert first_line("\n\n  Connection refused  \nTraceback ...") == "Connection refused"
    assert first_line("  \n") == "unknown error"
    assert first_line("", default="no message") == "no message"
