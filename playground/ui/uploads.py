"""Files a visitor uploaded: only ones inside Gradio's upload folder are read.

A client can call an endpoint with a file description whose `path` names any file on the server.
Gradio refuses such a path before a handler runs ("not uploaded by a user"; scripts/abuse_test.py
tries it). Every handler that reads an upload checks it here as well, so that the refusal does not
hang on one check inside Gradio, and a handler called directly gets the same rule.
"""

from __future__ import annotations

import os
from pathlib import Path

from gradio.utils import get_upload_folder

from playground.errors import UsageError


class NotUploadedError(UsageError):
    """A file path that did not come from an upload through this app."""


def uploaded_file(path: str | os.PathLike[str]) -> Path:
    """The upload's path, if it lies inside Gradio's upload folder (links resolved); else one clear refusal."""
    folder = Path(get_upload_folder()).resolve()
    resolved = Path(path).resolve()
    if not resolved.is_relative_to(folder) or resolved == folder:
        raise NotUploadedError(f"{Path(path).name}: this file was not uploaded through the page; upload it again")
    return resolved
