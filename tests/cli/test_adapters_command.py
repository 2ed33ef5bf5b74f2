"""`adapters export|import|push`: a shipped adapter leaves as one zip, answers from another checkout, reaches a Hub.

The Hub is a local stand-in (HF_ENDPOINT) that implements what huggingface_hub's create_repo and
create_commit call; the real Hub is never reached.
"""

from __future__ import annotations

import base64
import json
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.cli_support import REPO, run_cli

SOURCE = REPO / "adapters" / "support-tone"
PEFT_FILES = ["README.md", "adapter_config.json", "adapter_model.safetensors", "card.json"]
TOKEN = "hf_standintoken0123456789"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "support-tone.zip"
    result = run_cli("adapters", "export", "support-tone", "--out", str(out), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["zip"] == str(out)
    return out


def test_export_holds_the_peft_files_the_card_the_readme_and_the_gguf_lora(exported: Path) -> None:
    with zipfile.ZipFile(exported) as opened:
        names = sorted(opened.namelist())
        assert [n for n in names if not n.endswith(".gguf")] == PEFT_FILES
        (gguf,) = [n for n in names if n.endswith(".gguf")]
        assert gguf.startswith("lora-") and opened.read(gguf)[:4] == b"GGUF"
        for name in PEFT_FILES:
            assert opened.read(name) == (SOURCE / name).read_bytes(), name
    assert not [p for p in exported.parent.iterdir() if p.name.startswith(".")], "no partial zip left behind"


@pytest.mark.integration
def test_an_exported_adapter_imports_into_another_checkout_and_answers(exported: Path, tmp_path: Path) -> None:
    elsewhere = {"PLAYGROUND_ADAPTERS": str(tmp_path / "other-checkout" / "adapters")}
    imported = run_cli("adapters", "import", str(exported), "--name", "carried", "--json", env=elsewhere)
    assert imported.returncode == 0, imported.stderr
    folder = Path(json.loads(imported.stdout)["path"])
    assert folder == tmp_path / "other-checkout" / "adapters" / "carried"
    for name in PEFT_FILES:
        assert (folder / name).read_bytes() == (SOURCE / name).read_bytes(), name

    again = run_cli("adapters", "import", str(exported), "--name", "carried", env=elsewhere)
    assert again.returncode == 2 and "already exists" in again.stderr and "Traceback" not in again.stderr

    asked = run_cli(
        "ask", "My sensor stopped.", "--lanes", "finetuned", "--adapter", "carried", "--json", "--max-tokens", "16",
        env=elsewhere,
    )  # fmt: skip
    assert asked.returncode == 0, asked.stderr
    (lane,) = json.loads(asked.stdout)["lanes"]
    assert lane["error"] is None and lane["answer"].strip() and lane["completion_tokens"] > 0
    assert lane["model"] == "local/smollm2-135m-instruct::carried"


def test_a_hostile_zip_is_refused_with_one_line_and_exit_code_2(exported: Path, tmp_path: Path) -> None:
    evil = tmp_path / "support-tone.zip"
    with zipfile.ZipFile(exported) as source, zipfile.ZipFile(evil, "w") as out:
        for name in ("adapter_config.json", "card.json"):
            out.writestr(name, source.read(name))
        out.writestr("../../adapter_model.safetensors", b"x")
    adapters = tmp_path / "adapters"
    result = run_cli("adapters", "import", str(evil), env={"PLAYGROUND_ADAPTERS": str(adapters)})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "playground: error: the zip holds a path that climbs out of its folder ('../../adapter_model.safetensors'):"
        " refused"
    ]
    assert not adapters.exists() or not list(adapters.iterdir())


class HubStandIn(BaseHTTPRequestHandler):
    """Just what create_repo and create_commit call, keeping what arrived; anything else is a 404."""

    calls: list[tuple[str, str]]
    created: list[dict]
    committed: dict[str, bytes]
    refuse_commit = False

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.calls.append(("POST", self.path))
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._reply(401, {"error": "Invalid credentials in Authorization header"})
        endpoint = f"http://{self.headers['Host']}"
        if self.path == "/api/repos/create":
            payload = json.loads(body)
            self.created.append(payload)
            return self._reply(200, {"url": f"{endpoint}/{payload['organization']}/{payload['name']}"})
        if self.path == "/api/validate-yaml":
            return self._reply(200, {"errors": [], "warnings": []})
        if self.path == "/api/models/someone/support-tone/preupload/main":
            files = json.loads(body)["files"]
            return self._reply(
                200, {"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False} for f in files]}
            )
        if self.path == "/api/models/someone/support-tone/commit/main":
            if self.refuse_commit:
                return self._reply(403, {"error": "You don't have the rights to push to someone/support-tone"})
            for line in body.splitlines():
                item = json.loads(line)
                if item["key"] == "file":
                    self.committed[item["value"]["path"]] = base64.b64decode(item["value"]["content"])
            return self._reply(200, {"commitUrl": f"{endpoint}/someone/support-tone/commit/abc", "commitOid": "a" * 40})
        return self._reply(404, {"error": f"the stand-in has no {self.path}"})

    def do_GET(self) -> None:
        self.calls.append(("GET", self.path))
        self._reply(401 if self.headers.get("Authorization") != f"Bearer {TOKEN}" else 404, {"error": "no"})

    def _reply(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hub() -> Iterator[type[HubStandIn]]:
    handler = type("Hub", (HubStandIn,), {"calls": [], "created": [], "committed": {}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.endpoint = f"http://127.0.0.1:{server.server_port}"
    yield handler
    server.shutdown()
    server.server_close()


def push(hub: type[HubStandIn], token: str | None = TOKEN):
    env = {"HF_ENDPOINT": hub.endpoint, "HF_HUB_OFFLINE": "0", "HF_HUB_DISABLE_TELEMETRY": "1", "HF_TOKEN": token or ""}
    return run_cli("adapters", "push", "support-tone", "--repo", "someone/support-tone", "--json", env=env)


def test_push_creates_the_repository_and_commits_the_export_files(hub: type[HubStandIn], exported: Path) -> None:
    result = push(hub)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["commit_url"] == f"{hub.endpoint}/someone/support-tone/commit/abc"
    assert hub.created == [{"name": "support-tone", "organization": "someone", "type": "model"}]
    with zipfile.ZipFile(exported) as opened:
        assert sorted(hub.committed) == sorted(opened.namelist())  # the same files as the zip, byte for byte
        assert [n for n in hub.committed if n.endswith(".gguf")], "the GGUF LoRA goes up too"
        for name in opened.namelist():
            assert hub.committed[name] == opened.read(name), name
    assert [path for _, path in hub.calls] == [
        "/api/repos/create",
        "/api/validate-yaml",
        "/api/models/someone/support-tone/preupload/main",
        "/api/models/someone/support-tone/commit/main",
    ]


def test_push_without_a_token_or_refused_by_the_hub_ends_with_one_line(hub: type[HubStandIn]) -> None:
    missing = push(hub, token=None)
    assert missing.returncode == 2 and "set HF_TOKEN" in missing.stderr and hub.calls == []

    wrong = push(hub, token="hf_wrongtoken0123456789")
    assert wrong.returncode == 1 and hub.committed == {}
    (line,) = wrong.stderr.strip().splitlines()
    assert line.startswith("playground: error: the Hub refused the push to someone/support-tone (401)")
    assert "hf_wrongtoken0123456789" not in wrong.stderr

    hub.refuse_commit = True
    refused = push(hub)
    (line,) = refused.stderr.strip().splitlines()
    assert refused.returncode == 1 and "(403)" in line and hub.committed == {}


def test_a_bad_repository_id_is_refused_before_anything_is_sent(hub: type[HubStandIn]) -> None:
    env = {"HF_ENDPOINT": hub.endpoint, "HF_HUB_OFFLINE": "0", "HF_TOKEN": TOKEN}
    result = run_cli("adapters", "push", "support-tone", "--repo", "../etc", env=env)
    assert result.returncode == 2 and "OWNER/NAME" in result.stderr and hub.calls == []
