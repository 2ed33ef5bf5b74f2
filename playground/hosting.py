"""Where the web app listens: loopback on a laptop, every interface on a Hugging Face Space.

A Space (SPACE_ID set) routes visitors to 0.0.0.0 on GRADIO_SERVER_PORT, PORT or 7860. Locally the app
stays on 127.0.0.1, and the port is left to Gradio (7860, or the next free one). GRADIO_SERVER_NAME and
GRADIO_SERVER_PORT override both.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from playground.errors import UsageError

LOCAL_HOST = "127.0.0.1"
SPACE_HOST = "0.0.0.0"  # a Space's proxy reaches the app from outside the container
SPACE_PORT = 7860


@dataclass(frozen=True)
class BindAddress:
    """The host and port for launch(); port None lets Gradio pick 7860 or the next free port."""

    host: str
    port: int | None


def on_space(environ: Mapping[str, str] | None = None) -> bool:
    """True when running on a Hugging Face Space (the platform sets SPACE_ID)."""
    env = os.environ if environ is None else environ
    return bool(env.get("SPACE_ID", "").strip())


def bind_address(environ: Mapping[str, str] | None = None) -> BindAddress:
    """The address to listen on for this environment (see the module docstring)."""
    env = os.environ if environ is None else environ
    space = on_space(env)
    host = env.get("GRADIO_SERVER_NAME", "").strip() or (SPACE_HOST if space else LOCAL_HOST)
    port_text = env.get("GRADIO_SERVER_PORT", "").strip() or (env.get("PORT", "").strip() if space else "")
    if not port_text:
        return BindAddress(host, SPACE_PORT if space else None)
    try:
        port = int(port_text)
    except ValueError:
        raise UsageError(f"the server port {port_text!r} is not a number") from None
    if not 0 < port < 65536:
        raise UsageError(f"the server port {port} is outside 1 to 65535")
    return BindAddress(host, port)
