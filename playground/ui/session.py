"""Which workspace a browser session works in: its own, so visitors never see each other's data."""

from __future__ import annotations

import gradio as gr

from playground.services import Services
from playground.workspace import Workspace


def session_workspace(services: Services, request: gr.Request | None) -> Workspace:
    """The workspace of the browser session that made this request."""
    key = getattr(request, "session_hash", None) or "anonymous"
    return services.workspace(f"session-{key}")
