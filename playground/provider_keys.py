"""Provider keys for one session, and redaction of anything that looks like a key.

A key comes from the environment (a Space secret) or from the password field of one browser
session. A session's keys live in memory only, in a `ProviderKeys` whose repr never shows them:
they are never written to disk, logged, exported or used in a cache key. `redact` blanks out
key-like text in every message the app shows or logs, because providers echo keys in errors.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping

# The environment variable of each litellm provider a key field is offered for.
PROVIDER_KEY_VARS = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "gemini": "GEMINI_API_KEY",
    "groq": "GROQ_API_KEY",
    "mistral": "MISTRAL_API_KEY",
}
PROVIDER_TITLES = {
    "openai": "OpenAI",
    "anthropic": "Anthropic",
    "gemini": "Google Gemini",
    "groq": "Groq",
    "mistral": "Mistral",
}

REDACTED = "[redacted]"
_KEY_PATTERNS = (
    r"\bsk-[A-Za-z0-9_\-]{8,}",  # OpenAI, Anthropic (sk-ant-…), DeepSeek, OpenRouter
    r"\bAIza[0-9A-Za-z_\-]{20,}",  # Google
    r"\bgsk_[A-Za-z0-9]{16,}",  # Groq
    r"\bhf_[A-Za-z0-9]{16,}",  # Hugging Face
    r"\bxai-[A-Za-z0-9]{16,}",  # xAI
    r"\b(?:ghp|gho|github_pat)_[A-Za-z0-9_]{16,}",  # GitHub
    r"\bAKIA[0-9A-Z]{16}\b",  # AWS access key id
    r"(?i:\bbearer\s+)[A-Za-z0-9._\-]{8,}",
    r"(?<=[\"'\s(,?&])(?i:api[_-]?key|access[_-]?token|secret|password)[\"']?\s*[:=]\s*[\"']?[^\s\"',;&)]{6,}",
)
_KEY_RE = re.compile("|".join(f"(?:{p})" for p in _KEY_PATTERNS))


def redact(text: str, known: Iterable[str] = ()) -> str:
    """The text with key-like strings, and any of the `known` secrets, replaced by "[redacted]"."""
    for secret in sorted((s for s in known if s and len(s) >= 6), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return _KEY_RE.sub(REDACTED, f" {text}")[1:]


class ProviderKeys:
    """A session's provider keys by environment variable name; never shown, pickled or logged."""

    __slots__ = ("_keys",)

    def __init__(self, keys: Mapping[str, str] | None = None) -> None:
        self._keys = {name: value.strip() for name, value in (keys or {}).items() if value and value.strip()}

    def get(self, variable: str) -> str | None:
        return self._keys.get(variable)

    def names(self) -> list[str]:
        """The variables a key was given for (safe to show)."""
        return sorted(self._keys)

    def values(self) -> list[str]:
        """The secrets themselves, for redaction only."""
        return list(self._keys.values())

    def __bool__(self) -> bool:
        return bool(self._keys)

    def __repr__(self) -> str:
        return f"ProviderKeys({', '.join(f'{name}={REDACTED}' for name in self.names())})"

    __str__ = __repr__

    def __reduce__(self) -> object:
        raise TypeError("provider keys are never serialised")


class RedactingFilter(logging.Filter):
    """Redacts key-like text in every log record (message and arguments)."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """The record with key-like text blanked in its message and in its traceback's text."""
    message = record.getMessage()
    cleaned = redact(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    if record.exc_info and not record.exc_text:
        # Formatters reuse exc_text when it is set: the traceback is formatted (and cleaned) once, here.
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    return record


def install_redacting_records() -> None:
    """Redact every log record as it is made, whichever logger and handler it goes to.

    A filter on the root logger's handlers misses loggers with handlers of their own (litellm's,
    uvicorn's, set up after ours); the record factory is shared by every logger in the process.
    """
    factory = logging.getLogRecordFactory()
    if getattr(factory, "redacts", False):
        return

    def redacting_factory(*args: object, **kwargs: object) -> logging.LogRecord:
        return redact_record(factory(*args, **kwargs))

    redacting_factory.redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(redacting_factory)
