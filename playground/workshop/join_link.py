"""The workshop's join link: the address participants can reach, and its QR code.

Which address, in order: a Hugging Face Space's own URL (SPACE_HOST); Gradio's share link when the
facilitator asked for one (GRADIO_SHARE=True); the machine's LAN address when the app listens beyond
loopback (0.0.0.0 or a named interface); the address the facilitator's browser shows when that is not
loopback (a proxy or a domain in front of the app). Only when none of these exists is the link a
loopback one, and then the note says plainly that only this machine can open it. No Gradio here: the
tab is ui/workshop_tab.py.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from playground.hosting import is_loopback

ANY_HOST = ("0.0.0.0", "::")
LOOPBACK_NOTE = (
    "Only this machine can open this link: the app listens on loopback. For a room on the same network, "
    "start it with GRADIO_SERVER_NAME=0.0.0.0; for anyone on the internet, with GRADIO_SHARE=True."
)


@dataclass(frozen=True)
class JoinAddress:
    """Where participants open the app, how it was found, and a line for the facilitator."""

    base: str  # ends with "/"
    kind: str  # "space", "share", "lan", "page" or "loopback"
    note: str

    def link(self, code: str) -> str:
        """The room's join link."""
        return f"{self.base}?room={code}"


def lan_address() -> str | None:
    """This machine's address on its network (the interface a packet out would leave by), or None.

    A UDP socket's connect sends nothing: it only picks the route, whose local end is the address.
    """
    for probe in ("192.0.2.1", "10.255.255.255"):  # TEST-NET-1, then a private range: never contacted
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.connect((probe, 9))
                address = sock.getsockname()[0]
        except OSError:
            continue
        if address and not is_loopback(address) and address != "0.0.0.0":
            return address
    return None


def _base(host: str, port: int | None) -> str:
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}/" if port else f"http://{host}/"


def join_address(
    env: Mapping[str, str],
    server_name: str | None,
    server_port: int | None,
    share_url: str | None,
    page_url: str | None,
    find_lan: Callable[[], str | None] = lan_address,
) -> JoinAddress:
    """The address participants should open, for an app listening on `server_name`:`server_port`."""
    space = env.get("SPACE_HOST", "").strip().strip("/")
    if space:
        return JoinAddress(f"https://{space}/", "space", "The Space's address: anyone who can open the Space can join.")
    if share_url:
        base = share_url if share_url.endswith("/") else f"{share_url}/"
        return JoinAddress(base, "share", "Gradio's share link: anyone with it can join while the app runs.")
    name = (server_name or "").strip()  # "": not launched (yet), so nothing is known about it
    if name in ANY_HOST:
        lan = find_lan()
        if lan is not None:
            return JoinAddress(
                _base(lan, server_port), "lan", "This machine's address: devices on its network can join."
            )
    elif name and not is_loopback(name):
        return JoinAddress(_base(name, server_port), "lan", "The address the app listens on.")
    page = (page_url or "").split("?")[0].split("#")[0]
    host = urlsplit(page).hostname or ""
    if page and host and not is_loopback(host):
        base = page if page.endswith("/") else f"{page}/"
        return JoinAddress(base, "page", "The address this page was opened at.")
    loopback = page if page and host else _base("127.0.0.1", server_port)
    return JoinAddress(loopback if loopback.endswith("/") else f"{loopback}/", "loopback", LOOPBACK_NOTE)


def qr_svg(url: str) -> str:
    """The link as an inline SVG QR code (no XML declaration: it sits inside the page)."""
    import segno

    return segno.make(url, error="m").svg_inline(scale=4, border=2, light="white", title="Join link")
