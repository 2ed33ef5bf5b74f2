"""A forged upload (a file description naming any server file) is refused by every tab that reads uploads."""

from __future__ import annotations

import warnings
from pathlib import Path

import gradio as gr
import pytest

from playground.ui.uploads import NotUploadedError, uploaded_file
from tests.hosting.test_limits import _call, _handler, _values

SECRET = "The vault code is 4711."


@pytest.fixture
def upload_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "gradio-uploads"
    folder.mkdir()
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(folder))
    return folder


@pytest.fixture
def server_file(tmp_path: Path) -> Path:
    """A file on the server that nobody uploaded (outside the upload folder)."""
    secret = tmp_path / "server" / "secret.md"
    secret.parent.mkdir()
    secret.write_text(f"# Secret\n\n{SECRET}\n")
    return secret


def test_only_files_inside_the_upload_folder_are_taken(upload_folder: Path, server_file: Path) -> None:
    inside = upload_folder / "abc123" / "notes.md"
    inside.parent.mkdir()
    inside.write_text("# Notes\n")
    assert uploaded_file(str(inside)) == inside.resolve()
    link = upload_folder / "abc123" / "link.md"
    link.symlink_to(server_file)
    for forged in (server_file, upload_folder / ".." / "server" / "secret.md", link, upload_folder):
        with pytest.raises(NotUploadedError, match="was not uploaded through the page"):
            uploaded_file(str(forged))


def test_the_knowledge_tab_adds_no_server_file(services, upload_folder: Path, server_file: Path) -> None:
    from playground.ui.knowledge_tab import build_knowledge_tab

    add = _handler(services, build_knowledge_tab, "add_files")
    workspace = services.session_workspace("alice")
    before = sorted(p.relative_to(workspace.root) for p in workspace.root.rglob("*"))
    with warnings.catch_warnings(record=True) as caught:  # gr.Warning, outside a running app
        warnings.simplefilter("always")
        add.fn("demo", [str(server_file)], gr.Request(session_hash="alice"))
    warned = [str(w.message) for w in caught if not issubclass(w.category, ResourceWarning)]
    assert len(warned) == 1 and "secret.md: this file was not uploaded through the page" in warned[0], warned
    assert sorted(p.relative_to(workspace.root) for p in workspace.root.rglob("*")) == before
    assert not any(SECRET in p.read_text(errors="ignore") for p in workspace.root.rglob("*") if p.is_file())


def test_the_evaluate_and_train_tabs_read_no_server_file(services, upload_folder: Path, server_file: Path) -> None:
    from playground.ui.evaluate_tab import build_evaluate_tab
    from playground.ui.train_tab import build_train_tab

    jsonl = server_file.with_suffix(".jsonl")
    jsonl.write_text('{"prompt": "Vault code?", "completion": "4711"}\n' * 3)
    evaluate = _handler(services, build_evaluate_tab, "evaluate")
    _, warned = _call(evaluate, "alice", _values(evaluate, **{"eval-upload": str(jsonl), "eval-sample": 0}))
    assert len(warned) == 1 and "was not uploaded through the page" in warned[0], warned
    assert services.gateway.calls == []

    start = _handler(services, build_train_tab, "start_job")
    _, warned = _call(start, "alice", _values(start, **{"train-upload": str(jsonl), "train-name": "stolen"}))
    assert len(warned) == 1 and "was not uploaded through the page" in warned[0], warned
    assert services.jobs.state(str(services.session_workspace("alice").root)).status == "idle"
