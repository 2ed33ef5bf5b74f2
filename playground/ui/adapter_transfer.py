"""The Train tab's adapter transfer block: download an adapter as one zip, import one from a zip.

Both go through `training.archive`, as the `adapters export|import` commands do. A visitor sees and
downloads the shipped adapters and their own workspace's; an import lands in their workspace only,
counted against its disk cap, and never replaces an adapter (shipped or theirs).
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import gradio as gr

from playground.errors import PlaygroundError, UsageError
from playground.limits import check_file_size
from playground.services import Services
from playground.training.archive import README, REQUIRED, check_archive, export_adapter, import_adapter
from playground.training.registry import AdapterInfo
from playground.ui.session import holds_workspace, session_workspace
from playground.ui.uploads import uploaded_file

TRANSFER_ERRORS = (PlaygroundError, OSError)  # what a visitor can act on, and files that cannot be read or written
ZIPS_DIR = "playground-adapter-zips"  # under the system temp folder, which Gradio may serve from


def build_adapter_transfer(services: Services, tab: gr.Tab) -> None:
    """Lay out the download and import controls (their own accordion) and wire their events."""
    with gr.Accordion("Take an adapter away, or bring one in (.zip)", open=False, elem_id="adapter-transfer"):
        gr.Markdown(
            "The zip holds the PEFT files (`adapter_config.json`, `adapter_model.safetensors`), the GGUF "
            "LoRA llama.cpp loads, `card.json` and the README. `python -m playground adapters import FILE.zip` "
            "brings it into another checkout. An upload may be up to "
            f"{services.settings.max_upload_mb:g} MB (`PLAYGROUND_MAX_UPLOAD_MB`); an exported adapter of the "
            "embedded model is about 37 MB."
        )
        with gr.Row():
            choice = gr.Dropdown([], label="Adapter", elem_id="adapter-download-choice", scale=2)
            download = gr.Button("Download adapter (.zip)", elem_id="adapter-download", scale=1)
        zip_out = gr.File(label="Adapter zip", interactive=False, elem_id="adapter-download-file")
        with gr.Row():
            upload = gr.File(
                label="Import adapter (.zip)", file_types=[".zip"], type="filepath", elem_id="adapter-import-file"
            )
            with gr.Column():
                new_name = gr.Textbox(
                    label="Name here (optional)", placeholder="from the file name", elem_id="adapter-import-name"
                )
                import_button = gr.Button("Import adapter (.zip)", elem_id="adapter-import")
        message = gr.Markdown("", elem_id="adapter-transfer-message")

    def names(request: gr.Request) -> dict:
        return gr.update(choices=services.adapters(session_workspace(services, request)).names())

    @holds_workspace(services)
    def prepare_download(request: gr.Request, name: str | None) -> str | None:
        try:
            adapter = services.adapters(session_workspace(services, request)).get(name or "")
            return str(zip_for(adapter, services.settings.lora_cache_dir))
        except TRANSFER_ERRORS as exc:
            gr.Warning(_message(exc))
            return None

    @holds_workspace(services)
    def import_zip(request: gr.Request, uploaded: str | None, name: str | None) -> list[object]:
        try:
            if not uploaded:
                raise UsageError("choose an adapter .zip to import first")
            path = uploaded_file(uploaded)  # never a server file named by a forged upload
            check_file_size(path, services.upload_bytes, "the adapter zip")
            workspace = session_workspace(services, request)
            incoming = sum(entry.file_size for entry in check_archive(path))
            workspace.check_room(incoming, "this adapter")
            folder = import_adapter(
                path,
                workspace.adapters_dir,
                (name or "").strip() or None,
                taken=services.adapters(workspace).names(),
            )
        except TRANSFER_ERRORS as exc:
            gr.Warning(_message(exc))
            return [gr.skip(), gr.skip()]
        choices = services.adapters(session_workspace(services, request)).names()
        return [f"Imported adapter **{folder.name}**: pick it in the fine-tuned lane.", gr.update(choices=choices)]

    tab.select(names, None, choice)
    download.click(prepare_download, choice, zip_out)
    import_button.click(import_zip, [upload, new_name], [message, choice])


def zip_for(adapter: AdapterInfo, lora_cache_dir: Path) -> Path:
    """The adapter's zip in the temp folder, made once per version of its files and reused after.

    One zip per adapter folder and version, not per click: a visitor clicking again fills no disk.
    """
    stamp = hashlib.sha256(str(adapter.path.resolve()).encode())
    for file in (adapter.path / name for name in (*REQUIRED, README)):
        if file.is_file():
            info = file.stat()
            stamp.update(f"{file.name}:{info.st_size}:{info.st_mtime_ns}".encode())
    out = Path(tempfile.gettempdir()) / ZIPS_DIR / stamp.hexdigest()[:20] / f"{adapter.name}.zip"
    return out if out.is_file() else export_adapter(adapter, out, lora_cache_dir)


def _message(exc: Exception) -> str:
    return exc.message if isinstance(exc, PlaygroundError) else f"the file could not be read or written: {exc}"
