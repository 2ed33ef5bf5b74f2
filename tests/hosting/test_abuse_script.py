"""The hostile-visitor script's short form against its own public app: every attack refused, nothing lost."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from playground.config import REPO_ROOT

pytestmark = pytest.mark.integration


def test_short_abuse_run_refuses_every_attack() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/abuse_test.py", "--start", "--short", "--json"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = json.loads(result.stdout)
    failed = [row for row in report["attacks"] if not row["ok"]]
    assert not failed, json.dumps(failed, indent=2)
    assert len(report["attacks"]) >= 5
    assert report["legitimate_visitor"] == "answered every time"
    assert result.returncode == 0, result.stderr[-3000:]
