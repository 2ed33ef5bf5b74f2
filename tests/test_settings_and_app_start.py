"""A setting that is not a number, or a bad port, is one clear line: from Settings, the CLI and app.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from playground.app_process import AppStartError, free_port, start_app
from playground.config import SettingError, Settings


def test_numbers_are_read_from_the_environment() -> None:
    settings = Settings.from_env({"PLAYGROUND_CONCURRENCY": "8", "PLAYGROUND_LANE_TIMEOUT": "2.5"})
    assert settings.concurrency == 8 and settings.lane_timeout_s == 2.5


def test_an_empty_setting_keeps_the_default() -> None:
    assert Settings.from_env({"PLAYGROUND_MAX_TOKENS": " "}).max_tokens == Settings().max_tokens


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("PLAYGROUND_CONCURRENCY", "four", "PLAYGROUND_CONCURRENCY='four' is not a whole number"),
        ("PLAYGROUND_QUEUE_MAX", "2.5", "PLAYGROUND_QUEUE_MAX='2.5' is not a whole number"),
        ("PLAYGROUND_WORKSPACE_IDLE_S", "1h", "PLAYGROUND_WORKSPACE_IDLE_S='1h' is not a number"),
    ],
)
def test_a_setting_that_is_not_a_number_names_the_variable(name: str, value: str, expected: str) -> None:
    with pytest.raises(SettingError) as info:
        Settings.from_env({name: value})
    assert info.value.message.startswith(expected)
    assert info.value.exit_code == 2


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"PLAYGROUND_CONCURRENCY": "abc"}, "app.py: error: PLAYGROUND_CONCURRENCY='abc' is not a whole number"),
        ({"GRADIO_SERVER_PORT": "nope"}, "app.py: error: the server port 'nope' is not a number"),
        (
            {"PLAYGROUND_PUBLIC": "1", "PLAYGROUND_SHARED_WORKSPACE": "1"},
            "app.py: error: PLAYGROUND_SHARED_WORKSPACE=1 would give every visitor of this public app one workspace",
        ),
    ],
)
def test_app_py_refuses_a_bad_setting_in_one_line(tmp_path: Path, environment: dict[str, str], expected: str) -> None:
    log = tmp_path / "app.log"
    with pytest.raises(AppStartError, match="exited with code 2"):
        start_app(free_port(), log, environment, timeout_s=120)
    text = log.read_text()
    assert expected in text
    assert "Traceback" not in text


def test_the_command_line_refuses_a_bad_setting_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from playground.cli.entry import main

    monkeypatch.setenv("PLAYGROUND_MAX_TOKENS", "lots")
    assert main(["ask", "hi", "--lanes", "prompting"]) == 2
    err = capsys.readouterr().err
    assert (
        err.strip()
        == "playground: error: PLAYGROUND_MAX_TOKENS='lots' is not a whole number: set it to a whole number or unset it"
    )


@pytest.mark.parametrize(("value", "expected"), [("", True), ("1", True), ("0", False), ("no", False)])
def test_the_warm_start_is_on_unless_switched_off(value: str, expected: bool) -> None:
    assert Settings.from_env({"PLAYGROUND_WARM_START": value}).warm_start is expected
