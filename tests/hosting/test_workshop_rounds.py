"""Workshop rounds called as any script may call them: bad lanes or models are one warning, never a traceback."""

from __future__ import annotations

import gradio as gr
import pytest

from playground.ui.workshop_tab import build_workshop_tab
from playground.workshop.rooms import Rooms
from tests.hosting.test_limits import _call, _handler


@pytest.mark.parametrize(
    ("chosen", "picked", "message"),
    [
        (["nope"], [], "unknown lane 'nope'"),
        ("prompting", [], "choose at least one lane"),
        (None, [], "choose at least one lane"),
        (["prompting"], [{"x": 1}], "expected text"),
        (["finetuned"], [None, None, None, None, "../../etc"], "invalid adapter name"),
    ],
)
def test_a_bad_round_setup_is_one_warning_and_no_round(services, chosen, picked, message) -> None:
    rooms = Rooms()

    def build(services, picker, tab) -> None:
        build_workshop_tab(services, picker, tab, rooms=rooms)

    (code, *_), _ = _call(_handler(services, build, "open_new"), "alice", [""])
    run = _handler(services, build, "run")
    result, warned = _call(run, "alice", [code, "demo", "Who runs finance?", chosen, *picked])
    assert [w for w in warned if message in w], warned
    assert all(update == gr.skip() for update in result[0])
    assert rooms.view(code).rounds == 0
