"""`serve-model` as separate processes on loopback, and an app that uses them via PLAYGROUND_ENGINE_URLS."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from playground.config import REPO_ROOT, Settings
from playground.llamacpp.http import get_json
from playground.llm import ModelError
from playground.services import Services

pytestmark = pytest.mark.integration

BASE = "local/smollm2-135m-instruct"
QUESTION = [{"role": "user", "content": "Name three colours of the rainbow."}]


def with_served_copy(cache: Path) -> Path:
    """A cache folder that already holds the served GGUF copy (made once per clone), so no test converts it again."""
    from playground.llamacpp.quantize import prepare_embedded

    made = prepare_embedded()
    (cache / "gguf").mkdir(parents=True, exist_ok=True)
    if made.parent != cache / "gguf" and not (cache / "gguf" / made.name).exists():
        try:
            os.link(made, cache / "gguf" / made.name)
        except OSError:  # another file system
            shutil.copyfile(made, cache / "gguf" / made.name)
    return cache


def start_server(cache: Path) -> tuple[subprocess.Popen, dict]:
    with_served_copy(cache)
    env = os.environ | {"PLAYGROUND_CACHE": str(cache), "PLAYGROUND_ENGINE_SLOTS": "2"}
    command = [sys.executable, "-m", "playground", "serve-model", "--port", "0", "--json"]
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.kill()
        pytest.fail("serve-model printed nothing")
    return process, json.loads(line)


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[dict]]:
    cache = tmp_path_factory.mktemp("serve-cache")
    started = [start_server(cache) for _ in range(2)]
    yield [info for _, info in started]
    for process, _ in started:
        process.terminate()
        process.wait(timeout=30)


def services_for(tmp_path: Path, urls: tuple[str, ...]) -> Services:
    return Services.from_settings(replace(Settings(), cache_dir=with_served_copy(tmp_path), engine_urls=urls))


def test_serve_model_lists_its_url_and_the_shipped_adapters(engines: list[dict]) -> None:
    info = engines[0]
    assert info["url"].startswith("http://127.0.0.1:")
    assert {"pricing", "support-tone"} <= set(info["adapters"])
    loras = get_json(f"{info['url']}/lora-adapters")
    assert all(item["scale"] == 0.0 for item in loras), "every adapter starts switched off"


def test_remote_engines_answer_like_the_in_process_one(engines: list[dict], tmp_path: Path) -> None:
    remote = services_for(tmp_path / "remote", tuple(e["url"] for e in engines)).gateway
    local = services_for(tmp_path / "local", ()).gateway
    for model in (BASE, f"{BASE}::{REPO_ROOT / 'adapters' / 'pricing'}"):
        expected = local.complete(model, QUESTION, max_tokens=24)
        got = remote.complete(model, QUESTION, max_tokens=24)
        assert got.text == expected.text
        assert got.usage == expected.usage
    assert remote.prompt_tokens(BASE, QUESTION) == local.prompt_tokens(BASE, QUESTION)
    assert remote.context_window(BASE) == 8192


def test_the_router_spreads_requests_over_every_engine(engines: list[dict], tmp_path: Path) -> None:
    gateway = services_for(tmp_path, tuple(e["url"] for e in engines)).gateway
    for n in range(16):  # shuffled: all 16 on one server would happen once in 32,768 runs
        gateway.complete(BASE, [{"role": "user", "content": f"Count to {n + 2}."}], max_tokens=2)
    used = [sum(slot.get("id_task", -1) >= 0 for slot in get_json(f"{e['url']}/slots")) for e in engines]
    assert all(count > 0 for count in used), f"slots used per engine: {used}"


def test_an_adapter_no_engine_serves_is_a_clear_error(engines: list[dict], tmp_path: Path) -> None:
    gateway = services_for(tmp_path, (engines[0]["url"],)).gateway
    stray = tmp_path / "stray-adapter"
    stray.mkdir()
    (stray / "adapter_config.json").write_text("{}")
    with pytest.raises(ModelError, match=r"no engine server has adapter 'stray-adapter'; they serve: .*pricing"):
        gateway.complete(f"{BASE}::{stray}", QUESTION, max_tokens=4)


def test_an_unreachable_engine_is_a_clear_error(tmp_path: Path) -> None:
    gateway = services_for(tmp_path, ("http://127.0.0.1:9",)).gateway
    with pytest.raises(ModelError, match="no engine server answered"):
        gateway.complete(BASE, QUESTION, max_tokens=4)
