"""The one base class of the errors a user can act on: a one-line message and an exit code.

The command line prints `playground: error: <message>` and exits with `exit_code`; the tabs show the
message as a warning. Anything else that escapes is a bug, reported as such. Classes that older code
catches by a built-in base (ValueError, RuntimeError) keep it as a second base.
"""

from __future__ import annotations

from playground.provider_keys import redact
from playground.text_utils import one_line

__all__ = ["ModelError", "PlaygroundError", "UsageError", "one_line"]


class PlaygroundError(Exception):
    """A problem the user can fix or must know about; exit code 1 unless a subclass says otherwise."""

    exit_code: int = 1

    def __init__(self, *args: object, exit_code: int | None = None) -> None:
        super().__init__(*args)
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        """The error's text with anything key-like redacted: it is shown to users and logged."""
        return redact(super().__str__())

    @property
    def message(self) -> str:
        """The error as one line for the user (never empty), with anything key-like redacted."""
        return one_line(str(self)) or type(self).__name__


class UsageError(PlaygroundError):
    """The command or form was filled in wrongly (a bad option, an out-of-range number): exit code 2."""

    exit_code = 2


class ModelError(UsageError, RuntimeError):
    """A model cannot be used: unknown, missing key, unreachable, or failed mid-answer (exit code 2)."""
