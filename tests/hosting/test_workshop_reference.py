"""Workshop: at the reveal, an evaluation-set question shows the facilitator the reference and each lane's mark."""

from __future__ import annotations

import json
import re

from playground.ui.workshop_tab import build_workshop_tab
from playground.workshop.rooms import Rooms
from tests.hosting.test_limits import _call, _handler


def _quiet(warned: list[str]) -> list[str]:
    return [w for w in warned if "event loop" not in w]  # asyncio's, from calling handlers outside an app


def test_the_reveal_shows_the_reference_and_a_mark_per_lane(services, scenario_root) -> None:
    folder = scenario_root / "demo"
    item = {"question": "Who runs finance?", "reference": "Paris is the capital"}  # what FakeGateway answers
    (folder / "eval.jsonl").write_text(json.dumps(item) + "\n")
    (folder / "scenario.yaml").write_text((folder / "scenario.yaml").read_text() + "eval_set: eval.jsonl\n")
    rooms = Rooms()

    def build(services, picker, tab) -> None:
        build_workshop_tab(services, picker, tab, rooms=rooms)

    (code, *_), _ = _call(_handler(services, build, "open_new"), "alice", [""])
    run = _handler(services, build, "run")
    models = [None] * (len(run.inputs) - 4)  # each lane's model picker: the default model
    rounds, warned = _call(run, "alice", [code, "demo", "who runs  FINANCE?", ["prompting", "rag"], *models])
    assert not _quiet(warned)
    *_, finished, panel = rounds[-1]
    assert panel == ""  # nothing before the reveal: the room votes on the answers alone
    revealed, warned = _call(_handler(services, build, "show"), "alice", [code, "demo", finished])
    assert not _quiet(warned)
    panel = revealed[-1]
    assert "Paris is the capital" in panel and 'data-metric="keyword_coverage"' in panel
    assert re.search(r"Answer [A-Z] · Prompting", panel) and 'data-verdict="right"' in panel  # letters are shuffled
