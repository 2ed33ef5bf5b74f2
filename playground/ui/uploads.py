"""Files a visitor uploaded: only ones inside Gradio's upload folder are read.

A client can call an endpoint with a file description whose `path` names any file on the server
(gradio_client, plain HTTP). Gradio is meant to accept only files in its upload folder there, but a
forged path was seen to get through to the handler (scripts/abuse_test.py: "knowledge: forged
server file path"), so every handler that reads an upload checks it here first.
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
