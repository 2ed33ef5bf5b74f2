"""`brief` headless: the real embedded model answers, context growth is measured, one self-contained file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from playground.cli import main
from tests.cli_support import run_cli


@pytest.mark.integration
def test_brief_writes_a_self_contained_html_file_from_real_measurements(tmp_path: Path) -> None:
    out = tmp_path / "brief.html"
    result = run_cli(
        "brief",
        "--scenario",
        "company-knowledge",
        "--lanes",
        "prompting,rag",
        "--eval-limit",
        "0",
        "--max-tokens",
        "8",
        "--volume",
        "20000",
        "--budget",
        "100",
        "--out",
        str(out),
        "--json",
        # A 4,096-token window: the smallest stuffed slice (4 documents, ~3,300 tokens) is answered and
        # measured, the next (~7,200) is refused, and no minutes go on prefilling a second one.
        env={"PLAYGROUND_ENGINE_CONTEXT": "4096"},
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    costs = {line["lane"]: line for line in payload["costs"]}
    assert set(costs) == {"prompting", "rag"}
    for line in costs.values():
        assert line["per_answer_usd"] > 0 and line["monthly_usd"] == pytest.approx(line["per_answer_usd"] * 20000)
    assert [item["item"] for item in costs["rag"]["one_off"]] == ["index"]
    points = payload["growth"]["points"]
    assert len(points) == 8 and payload["growth"]["window"] > 0
    stuffed = [p["prompt_tokens"] for p in points if p["lane"].startswith("prompting")]
    assert stuffed == sorted(stuffed) and stuffed[-1] > payload["growth"]["window"], "the whole base does not fit"
    assert any(not p["fits"] and p["latency_s"] is None for p in points)
    assert any(p["fits"] and p["latency_s"] > 0 for p in points if p["lane"].startswith("prompting")), "one answered"
    assert all(p["fits"] and p["latency_s"] > 0 for p in points if p["lane"].startswith("rag"))
    checks = payload["recommendation"]["checks"]
    assert {c["lane"] for c in checks} == {"prompting", "rag"} and all("budget" in c["criterion"] for c in checks)
    soup = BeautifulSoup(out.read_text(encoding="utf-8"), "html.parser")
    assert len(soup.select("section.chart div.plotly-graph-div")) == 2
    assert not any(script.get("src") for script in soup.find_all("script")) and soup.find("link") is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "brief.pdf"], "--out must end in .html or .md"),
        (["--out", "b.md", "--knowledge-changes", "hourly"], "invalid choice: 'hourly'"),
        (["--out", "b.md", "--volume", "-5"], "--volume and --eval-limit cannot be negative"),
        (["--out", "b.md", "--hardware", "TPU"], "unknown hardware 'TPU'"),
    ],
)
def test_bad_brief_input_is_one_line_and_exit_2(args: list[str], message: str, capsys) -> None:
    assert main(["brief", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
