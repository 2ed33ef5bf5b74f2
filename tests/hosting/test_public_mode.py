"""When the app is public (a Space, or listening beyond loopback), and PLAYGROUND_PUBLIC's override."""

from __future__ import annotations

import pytest

from playground.cli import entry
from playground.config import SettingError, Settings
from playground.errors import PlaygroundError
from playground.hosting import public_mode


@pytest.mark.parametrize(
    ("environ", "public"),
    [
        ({}, False),
        ({"GRADIO_SERVER_NAME": "127.0.0.1"}, False),
        ({"GRADIO_SERVER_NAME": "localhost"}, False),
        ({"GRADIO_SERVER_NAME": "::1"}, False),
        ({"GRADIO_SERVER_NAME": "127.0.0.2"}, False),
        ({"GRADIO_SERVER_NAME": "0.0.0.0"}, True),
        ({"GRADIO_SERVER_NAME": "192.168.1.20"}, True),
        ({"GRADIO_SERVER_NAME": "my-host.example"}, True),
        ({"SPACE_ID": "team/playground"}, True),
        ({"SPACE_ID": "team/playground", "GRADIO_SERVER_NAME": "127.0.0.1"}, True),
        ({"SPACE_ID": "team/playground", "PLAYGROUND_PUBLIC": "0"}, False),
        ({"GRADIO_SERVER_NAME": "0.0.0.0", "PLAYGROUND_PUBLIC": "0"}, False),
        ({"PLAYGROUND_PUBLIC": "1"}, True),
        ({"PLAYGROUND_PUBLIC": " 1 "}, True),
    ],
)
def test_public_mode(environ: dict[str, str], public: bool) -> None:
    assert public_mode(environ) is public
    assert Settings.from_env(environ).public is public


@pytest.mark.parametrize("value", ["yes", "true", "2", "on"])
def test_a_bad_public_value_is_one_setting_error(value: str) -> None:
    with pytest.raises(SettingError) as caught:
        Settings.from_env({"PLAYGROUND_PUBLIC": value})
    assert caught.value.message == f"PLAYGROUND_PUBLIC={value!r} is not 0 or 1: set 1 (public), 0 (private) or unset it"
    assert caught.value.exit_code == 2


@pytest.mark.parametrize("value", ["1", "true", "yes"])
def test_a_public_app_refuses_the_shared_workspace_in_one_line(value: str) -> None:
    for public in ({"PLAYGROUND_PUBLIC": "1"}, {"SPACE_ID": "team/playground"}):
        with pytest.raises(SettingError) as caught:
            Settings.from_env({**public, "PLAYGROUND_SHARED_WORKSPACE": value})
        assert caught.value.message.startswith("PLAYGROUND_SHARED_WORKSPACE=1 would give every visitor")
        assert "\n" not in caught.value.message and caught.value.exit_code == 2
    private = Settings.from_env({"PLAYGROUND_PUBLIC": "0", "PLAYGROUND_SHARED_WORKSPACE": value})
    assert private.shared_workspace and not private.public  # a private machine keeps its single-user mode


def test_max_servers_setting() -> None:
    assert Settings.from_env({}).max_servers == 4
    assert Settings.from_env({"PLAYGROUND_MAX_SERVERS": "2"}).max_servers == 2
    for bad, says in (("0", "must be at least 1"), ("many", "is not a whole number")):
        with pytest.raises(SettingError, match=f"PLAYGROUND_MAX_SERVERS.*{says}"):
            Settings.from_env({"PLAYGROUND_MAX_SERVERS": bad})


def test_the_command_line_keeps_free_model_text_even_on_a_space(monkeypatch) -> None:
    seen: list[Settings] = []

    def capture(settings: Settings) -> object:
        seen.append(settings)
        raise PlaygroundError("stop here")

    monkeypatch.setenv("SPACE_ID", "team/playground")
    monkeypatch.setattr(entry.Services, "from_settings", staticmethod(capture))
    assert entry.main(["ask", "What?"]) == 1
    assert Settings.from_env().public and seen and seen[0].public is False
