"""Adding a lane is one module: a lane written only in this test runs through `ask` and Compare."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from playground.cli import main
from playground.lanes import Control, Lane, LaneOptions, Recorder, get_lane, register, unregister
from playground.records import Answer


@dataclass(frozen=True)
class ShoutOptions(LaneOptions):
    times: int = 1


class ShoutLane(Lane):
    """Answers by shouting the question back, `times` times: a tool step, no model call."""

    name = "shout"
    title = "Shout"
    options_type = ShoutOptions
    controls = (Control("times", "Repeats", "int", minimum=1, maximum=3, step=1, flag="--shout-times"),)

    def run(self, question, scenario, options, context, gateway) -> Iterator[Answer]:
        recorder = Recorder(Answer(lane=self.name, model="none"), gateway, options)
        recorder.answer.text = recorder.tool("shout", question, lambda: " ".join([question.upper()] * options.times))
        yield recorder.finish()


@pytest.fixture
def shout_lane():
    register(ShoutLane)
    yield get_lane("shout")
    unregister("shout")


def test_a_lane_from_a_test_runs_through_ask_with_its_own_flag(shout_lane, capsys) -> None:
    assert main(["ask", "hello there", "--lanes", "shout", "--shout-times", "2", "--json"]) == 0
    (lane,) = json.loads(capsys.readouterr().out)["lanes"]
    assert lane["lane"] == "shout" and lane["answer"] == "HELLO THERE HELLO THERE"
    assert [s["name"] for s in lane["steps"]] == ["shout"] and lane["error"] is None


def test_it_prints_as_text_too(shout_lane, capsys) -> None:
    assert main(["ask", "hi", "--lanes", "shout"]) == 0
    out = capsys.readouterr().out
    assert "[shout] none\nHI\n" in out and "ttft: -" in out


def test_its_flag_keeps_its_limits(shout_lane, capsys) -> None:
    assert main(["ask", "hello", "--lanes", "shout", "--shout-times", "5"]) == 2
    assert "Repeats: 5 is outside 1 to 3" in capsys.readouterr().err


def test_the_compare_tab_builds_its_column_and_runs_it_with_its_control(shout_lane, tmp_path, monkeypatch) -> None:
    from types import SimpleNamespace

    from playground.config import Settings
    from playground.services import Services
    from playground.ui import build_app
    from playground.ui.formatting import answer_html

    monkeypatch.setenv("PLAYGROUND_CACHE", str(tmp_path))
    app = build_app(Services.from_settings(Settings.from_env()))
    elem_ids = {block.elem_id for block in app.blocks.values() if getattr(block, "elem_id", None)}
    assert {"lane-shout", "shout-times", "shout-answer", "shout-steps"} <= elem_ids
    ask, _submit = [  # the Ask button and Enter in the question box
        fn for fn in app.fns.values() if fn.name == "run" and any(c.elem_id == "compare-lanes" for c in fn.inputs)
    ]
    values = [component.value for component in ask.inputs]
    ids = [component.elem_id for component in ask.inputs]
    values[ids.index("compare-question")] = "hello"
    values[ids.index("compare-lanes")] = ["shout"]
    values[ids.index("shout-times")] = 3
    position = [c.elem_id for c in ask.outputs].index("shout-answer")
    shown = [update[position] for update in ask.fn(SimpleNamespace(session_hash="test"), *values)]
    answer = [value for value in shown if isinstance(value, str)][-1]  # the last text shown (not a skip)
    assert answer == answer_html("HELLO HELLO HELLO")  # shown as written, in the scrolling answer box
