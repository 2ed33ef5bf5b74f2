"""The Train tab's adapter download and import: one zip per adapter, imports land in the visitor's workspace only.

The handlers are called directly, as Gradio calls them, in a public app (each page its own workspace).
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
import zipfile
from pathlib import Path

import gradio as gr
import pytest

from playground.config import Settings
from playground.scenarios import ScenarioCatalog
from playground.services import Services
from playground.ui.adapter_transfer import build_adapter_transfer
from tests.cli_support import REPO
from tests.fakes import FakeGateway

SOURCE = REPO / "adapters" / "support-tone"


class Page:
    """One visitor's page: the block's handlers, called with that visitor's request."""

    def __init__(self, app: gr.Blocks, visitor: str) -> None:
        self.fns = {fn.name: fn.fn for fn in app.fns.values()}
        self.request = gr.Request(session_hash=visitor)
        self.warned: list[str] = []

    def __call__(self, name: str, *args: object) -> object:
        with warnings.catch_warnings(record=True) as caught:  # gr.Warning outside a running app
            warnings.simplefilter("always")
            result = self.fns[name](self.request, *args)
        self.warned = [str(w.message) for w in caught if not issubclass(w.category, ResourceWarning)]
        return result

    def adapters(self) -> list[str]:
        return self("names")["choices"]


def build(tmp_path: Path, scenario_root: Path, monkeypatch: pytest.MonkeyPatch, cap_mb: float) -> gr.Blocks:
    """The block alone in a public app whose shipped adapters are a copy of support-tone."""
    shipped = tmp_path / "shipped"
    shutil.copytree(SOURCE, shipped / "support-tone", ignore=shutil.ignore_patterns("*.gguf"))
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "uploads"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))  # where the zips for download go
    (tmp_path / "tmp").mkdir()
    settings = Settings(
        sample_data_dir=scenario_root,
        adapters_dir=shipped,
        cache_dir=tmp_path / "cache",
        public=True,
        workspace_max_mb=cap_mb,
        max_upload_mb=50.0,
    )
    services = Services(settings=settings, gateway=FakeGateway(), scenarios=ScenarioCatalog(scenario_root))
    with gr.Blocks() as blocks, gr.Tab("Train") as tab:
        build_adapter_transfer(services, tab)
    return blocks


@pytest.fixture
def app(tmp_path: Path, scenario_root: Path, monkeypatch: pytest.MonkeyPatch) -> gr.Blocks:
    return build(tmp_path, scenario_root, monkeypatch, cap_mb=200.0)


def uploaded(tmp_path: Path, zip_file: str, name: str) -> str:
    """The zip as Gradio holds an upload: a copy in its upload folder, under the name the visitor gave it."""
    folder = tmp_path / "uploads" / "abc123"
    folder.mkdir(parents=True, exist_ok=True)
    return str(shutil.copy(zip_file, folder / name))


def test_a_download_is_the_adapters_zip_made_once(app: gr.Blocks, tmp_path: Path) -> None:
    alice = Page(app, "alice")
    assert alice.adapters() == ["support-tone"]
    first = alice("prepare_download", "support-tone")
    assert alice.warned == [] and Path(first).name == "support-tone.zip"
    with zipfile.ZipFile(first) as opened:
        names = opened.namelist()
        assert opened.read("adapter_model.safetensors") == (SOURCE / "adapter_model.safetensors").read_bytes()
    assert {"adapter_config.json", "card.json", "README.md"} <= set(names)
    assert [n for n in names if n.startswith("lora-") and n.endswith(".gguf")]
    made = Path(first).stat()
    assert alice("prepare_download", "support-tone") == first
    again = Path(first).stat()
    assert (again.st_ino, again.st_mtime_ns) == (made.st_ino, made.st_mtime_ns), "a second click reuses the zip"
    assert len(list((tmp_path / "tmp").rglob("*.zip"))) == 1

    assert alice("prepare_download", "../shipped/support-tone") is None
    assert alice.warned and "invalid adapter name" in alice.warned[0]
    assert alice("prepare_download", "someone-elses") is None and "unknown adapter" in alice.warned[0]


def test_an_import_lands_in_the_visitors_workspace_only(app: gr.Blocks, tmp_path: Path) -> None:
    alice, bob = Page(app, "alice"), Page(app, "bob")
    zip_file = alice("prepare_download", "support-tone")

    message, choices = alice("import_zip", uploaded(tmp_path, zip_file, "Team Tone.zip"), "")
    assert alice.warned == [] and "Imported adapter **team-tone**" in message
    assert choices["choices"] == alice.adapters() == ["support-tone", "team-tone"]
    assert bob.adapters() == ["support-tone"], "another visitor never sees it"
    assert sorted(p.name for p in (tmp_path / "shipped").iterdir()) == ["support-tone"]

    again = alice("import_zip", uploaded(tmp_path, zip_file, "team-tone.zip"), "")
    assert again == [gr.skip(), gr.skip()] and "'team-tone' already exists" in alice.warned[0]
    alice("import_zip", uploaded(tmp_path, zip_file, "x.zip"), "support-tone")
    assert "'support-tone' already exists" in alice.warned[0], "a shipped adapter's name is taken"

    alice("import_zip", zip_file, "mine")  # a path on the server, not an upload
    assert "not uploaded through the page" in alice.warned[0]
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as out:
        out.writestr("../../card.json", "{}")
    alice("import_zip", uploaded(tmp_path, str(evil), "evil.zip"), "")
    assert "climbs out of its folder" in alice.warned[0]
    alice("import_zip", None, "")
    assert alice.warned == ["choose an adapter .zip to import first"]


def test_an_import_past_the_workspace_cap_is_refused(
    tmp_path: Path, scenario_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = Page(build(tmp_path, scenario_root, monkeypatch, cap_mb=60.0), "alice")
    zip_file = alice("prepare_download", "support-tone")  # 39 MB unpacked; 20 MB kept (the GGUF is made here)
    alice("import_zip", uploaded(tmp_path, zip_file, "one.zip"), "")
    alice("import_zip", uploaded(tmp_path, zip_file, "two.zip"), "")
    assert alice.warned == []
    alice("import_zip", uploaded(tmp_path, zip_file, "three.zip"), "")  # 40 MB used + 39 MB: past 60 MB
    assert "this session's workspace is full" in alice.warned[0]
    assert alice.adapters() == ["support-tone", "one", "two"]  # shipped first, then the workspace's
