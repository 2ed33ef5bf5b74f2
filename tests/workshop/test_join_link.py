"""The join link: the address participants can reach (Space, share link, LAN, page), loopback only as a last resort."""

from __future__ import annotations

import segno

from playground.workshop.join_link import LOOPBACK_NOTE, join_address, lan_address, qr_svg

LOOP = "http://127.0.0.1:7860/"


def _no_lan() -> None:
    return None


def test_a_space_uses_its_own_url_whatever_it_listens_on() -> None:
    address = join_address({"SPACE_HOST": "team-playground.hf.space"}, "0.0.0.0", 7860, None, LOOP)
    assert address.kind == "space" and address.link("K7MQ2") == "https://team-playground.hf.space/?room=K7MQ2"


def test_a_share_link_wins_over_the_lan_when_the_facilitator_asked_for_one() -> None:
    address = join_address({}, "0.0.0.0", 7860, "https://abc123.gradio.live", LOOP, lambda: "192.168.1.20")
    assert address.kind == "share" and address.link("K7MQ2") == "https://abc123.gradio.live/?room=K7MQ2"


def test_listening_on_every_interface_gives_the_lan_address_never_loopback() -> None:
    address = join_address({}, "0.0.0.0", 7861, None, LOOP, lambda: "192.168.1.20")
    assert address.kind == "lan" and address.base == "http://192.168.1.20:7861/"
    named = join_address({}, "10.0.0.5", 7860, None, LOOP, _no_lan)
    assert named.base == "http://10.0.0.5:7860/"


def test_a_page_opened_behind_a_proxy_keeps_its_address() -> None:
    address = join_address({}, "127.0.0.1", 7860, None, "https://workshop.example.org/app/?room=OLD", _no_lan)
    assert address.kind == "page" and address.link("K7MQ2") == "https://workshop.example.org/app/?room=K7MQ2"


def test_only_loopback_says_so_plainly() -> None:
    address = join_address({}, "127.0.0.1", 7860, None, LOOP, lambda: "192.168.1.20")
    assert address.kind == "loopback" and address.note == LOOPBACK_NOTE
    assert "Only this machine" in address.note
    nothing = join_address({}, "0.0.0.0", 7860, None, LOOP, _no_lan)  # every interface, but no network
    assert nothing.kind == "loopback" and nothing.base == LOOP


def test_the_lan_address_is_never_loopback() -> None:
    found = lan_address()
    assert found is None or not found.startswith("127.")


def test_the_qr_code_is_an_inline_svg_of_the_link() -> None:
    url = "http://192.168.1.20:7860/?room=K7MQ2"
    svg = qr_svg(url)
    assert svg.startswith("<svg") and "<?xml" not in svg
    assert segno.make(url, error="m").svg_inline(scale=4, border=2, light="white", title="Join link") == svg
