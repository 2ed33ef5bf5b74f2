"""Where the web app listens: loopback on a laptop, every interface on a Hugging Face Space.

A Space (SPACE_ID set) routes visitors to 0.0.0.0 on GRADIO_SERVER_PORT, PORT or 7860. Locally the app
stays on 127.0.0.1, and the port is left to Gradio (7860, or the next free one). GRADIO_SERVER_NAME and
GRADIO_SERVER_PORT override both.

Public mode (see `public_mode`) follows from the same facts: a Space, or an address beyond loopback,
means strangers can reach every endpoint, so visitors choose models only from what the operator set.
"""

from __future__ import annotations

import ipaddress
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


def bind_host(environ: Mapping[str, str] | None = None) -> str:
    """The host to listen on: GRADIO_SERVER_NAME, else every interface on a Space, else loopback."""
    env = os.environ if environ is None else environ
    return env.get("GRADIO_SERVER_NAME", "").strip() or (SPACE_HOST if on_space(env) else LOCAL_HOST)


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to any interface


def public_mode(environ: Mapping[str, str] | None = None) -> bool:
    """True when strangers can reach the app: on a Space, or listening beyond loopback.

    PLAYGROUND_PUBLIC=1 or 0 overrides the guess; any other value is one SettingError line.
    """
    from playground.config import SettingError  # config imports this module's decision lazily too

    env = os.environ if environ is None else environ
    text = env.get("PLAYGROUND_PUBLIC", "").strip()
    if text in ("0", "1"):
        return text == "1"
    if text:
        raise SettingError(f"PLAYGROUND_PUBLIC={text!r} is not 0 or 1: set 1 (public), 0 (private) or unset it")
    return on_space(env) or not is_loopback(bind_host(env))


def bind_address(environ: Mapping[str, str] | None = None) -> BindAddress:
    """The address to listen on for this environment (see the module docstring)."""
    env = os.environ if environ is None else environ
    space = on_space(env)
    host = bind_host(env)
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
