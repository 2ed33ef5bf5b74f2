"""Text helpers shared by every reader of user files and every one-line message.

Uploaded documents, training sets and evaluation sets are all read as UTF-8 the same way, and
library errors (which can span many lines) are cut to one line the same way, so the UI and the
command line word these problems alike. Each caller keeps its own error class and wording.
"""

from __future__ import annotations


class NotUtf8Error(ValueError):
    """Bytes that are not UTF-8 text; says where the first bad byte is, for the caller's message."""

    def __init__(self, byte: int, position: int, line: int) -> None:
        super().__init__(f"not UTF-8 text (invalid byte 0x{byte:02x} at position {position}, line {line})")
        self.byte = byte
        self.position = position
        self.line = line


def decode_utf8(data: bytes) -> str:
    """UTF-8 text (a BOM is allowed) with newlines normalised to "\\n"; NotUtf8Error otherwise."""
    try:
        text = data.decode("utf-8")  # not utf-8-sig: error positions then count from the file's first byte
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise NotUtf8Error(data[exc.start], exc.start, line) from exc
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def one_line(text: str) -> str:
    """Text with its line breaks and runs of spaces collapsed, for a one-line message."""
    return " ".join(text.split())


def first_line(text: str, default: str = "unknown error") -> str:
    """The first non-blank line of a message (a traceback or a library's long error), stripped."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return default
