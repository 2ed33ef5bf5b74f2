"""Which workspace a browser session works in: its own, so visitors never see each other's data."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import gradio as gr

from playground.services import Services
from playground.workspace import Workspace


def session_workspace(services: Services, request: gr.Request | None) -> Workspace:
    """The workspace of the browser session that made this request."""
    key = getattr(request, "session_hash", None) or "anonymous"
    return services.workspace(f"session-{key}")


def downloadable(path: Path) -> str:
    """A path Gradio may serve: an export kept in the workspace, copied into a private temp folder.

    Gradio only hands out files under the working directory or the system's temp folder, and the
    workspaces may live anywhere (`PLAYGROUND_CACHE`, a persistent disk); allowing that whole folder
    would expose other sessions' data, so each download gets its own copy.
    """
    folder = Path(tempfile.mkdtemp(prefix="playground-download-"))
    return str(shutil.copy2(path, folder / path.name))
