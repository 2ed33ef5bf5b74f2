"""Hugging Face Spaces: the README's Space configuration and where the app listens."""

from __future__ import annotations

import re

import pytest
import yaml

from playground.config import REPO_ROOT
from playground.errors import UsageError
from playground.hosting import BindAddress, bind_address, on_space


def _front_matter() -> dict:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    match = re.match(r"---\n(.*?)\n---\n", text, re.DOTALL)
    assert match, "README.md must start with a YAML front matter block"
    return yaml.safe_load(match.group(1))


def _pin(package: str) -> str:
    for line in (REPO_ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        name, _, version = line.partition("==")
        if name.strip().lower() == package:
            return version.strip()
    raise AssertionError(f"{package} is not pinned in requirements.txt")


def test_readme_front_matter_is_a_gradio_space_on_the_pinned_gradio() -> None:
    config = _front_matter()
    assert config["sdk"] == "gradio"
    assert str(config["sdk_version"]) == _pin("gradio")
    assert config["app_file"] == "app.py"
    assert (REPO_ROOT / config["app_file"]).is_file()
    assert str(config["python_version"]) == "3.11"
    assert config["suggested_hardware"] == "cpu-basic"
    assert config["title"] and config["emoji"]
    assert len(config.get("short_description", "")) <= 60  # the Hub's limit


def test_readme_front_matter_names_the_licence_of_the_license_file() -> None:
    assert _front_matter()["license"] == "apache-2.0"  # the Hub's identifier
    text = (REPO_ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text  # the full text, not a stub


def test_readme_title_follows_the_front_matter() -> None:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert text.split("\n---\n", 1)[1].startswith("# Strategy Playground\n")


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, BindAddress("127.0.0.1", None)),  # Gradio picks 7860 or the next free port
        ({"PORT": "9000"}, BindAddress("127.0.0.1", None)),  # PORT is a Space's, not a laptop's
        ({"SPACE_ID": "team/playground"}, BindAddress("0.0.0.0", 7860)),
        ({"SPACE_ID": "team/playground", "PORT": "8080"}, BindAddress("0.0.0.0", 8080)),
        ({"SPACE_ID": "team/playground", "PORT": "8080", "GRADIO_SERVER_PORT": "7000"}, BindAddress("0.0.0.0", 7000)),
        ({"GRADIO_SERVER_PORT": "7001"}, BindAddress("127.0.0.1", 7001)),
        ({"GRADIO_SERVER_NAME": "0.0.0.0"}, BindAddress("0.0.0.0", None)),
        ({"SPACE_ID": "team/playground", "GRADIO_SERVER_NAME": "127.0.0.1"}, BindAddress("127.0.0.1", 7860)),
        ({"SPACE_ID": " "}, BindAddress("127.0.0.1", None)),
    ],
)
def test_bind_address(environ: dict[str, str], expected: BindAddress) -> None:
    assert bind_address(environ) == expected


@pytest.mark.parametrize("port", ["http", "0", "70000"])
def test_bind_address_refuses_a_bad_port(port: str) -> None:
    with pytest.raises(UsageError, match="port"):
        bind_address({"GRADIO_SERVER_PORT": port})


def test_on_space() -> None:
    assert on_space({"SPACE_ID": "team/playground"})
    assert not on_space({})
