"""A knowledge base: a folder of documents kept in step with its LanceDB index.

Every change (upload, edit, delete) is validated first and applied only when it is sound, so a bad
file gets one clear message and leaves both the documents and the index untouched.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

from playground.knowledge.parsing import SUPPORTED_SUFFIXES, Document, DocumentError, parse_bytes, parse_file
from playground.knowledge.store import PRUNE_ALL, IngestReport, KnowledgeStore, Progress, SearchResult, StoreStats
from playground.limits import UPLOAD_SETTING

DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class UploadError(DocumentError):
    """An upload was refused (too large, bad name); nothing was stored."""


MAX_NAME_CHARS = 200


def _size(count: int) -> str:
    """Bytes for a person: "12.3 MB", or kB below a megabyte."""
    return f"{count / 1e6:.1f} MB" if count >= 1e6 else f"{count / 1e3:.1f} kB"


def _check_name(name: str) -> str:
    """A plain file name: no folders, no hidden files, no control or direction characters, a supported type."""
    clean = Path(name).name
    shown = repr(name)[1:-1][:80]  # control characters shown escaped, a long name cut
    if not clean or clean != name or "\\" in name or clean.startswith("."):
        raise UploadError(f"{shown}: not a plain file name")
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in name) or len(name) > MAX_NAME_CHARS:
        raise UploadError(f"{shown}: not a plain file name (control characters, or over {MAX_NAME_CHARS} characters)")
    if Path(clean).suffix.lower() not in SUPPORTED_SUFFIXES:
        raise UploadError(
            f"{clean}: unsupported file type '{Path(clean).suffix}'; supported: {', '.join(SUPPORTED_SUFFIXES)}"
        )
    return clean


class KnowledgeBase:
    """Documents in `folder`, indexed in `store`; the two change together or not at all."""

    def __init__(
        self,
        folder: Path,
        store: KnowledgeStore,
        max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
        chunk_size: int = 800,
        overlap: int = 120,
        synced: bool = False,
        check_room: Callable[[int, str], None] | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.store = store
        self.max_upload_bytes = max_upload_bytes
        self.chunk_size = chunk_size
        self.overlap = overlap
        self.lock = threading.RLock()
        self._synced = synced  # True: the index is authoritative as it stands (never re-sync from folder)
        self._check_room = check_room  # raises when the workspace's disk cap would be passed

    def files(self) -> list[Path]:
        return (
            sorted(p for p in self.folder.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
            if self.folder.is_dir()
            else []
        )

    def documents(self) -> list[Document]:
        """Every document parsed (files that no longer parse are skipped: they are not indexed either)."""
        parsed = []
        for path in self.files():
            try:
                parsed.append(parse_file(path))
            except DocumentError:
                continue
        return parsed

    def _ingest(self, documents: Sequence[Document], prune: str | None, progress: Progress | None) -> IngestReport:
        return self.store.ingest(
            documents,
            origin=str(self.folder),
            prune=prune,
            chunk_size=self.chunk_size,
            overlap=self.overlap,
            progress=progress,
        )

    def sync(self, progress: Progress | None = None) -> IngestReport:
        """Bring the index in line with the folder (only new or changed text is embedded)."""
        with self.lock:
            report = self._ingest(self.documents(), prune=PRUNE_ALL, progress=progress)
            self._synced = True
            return report

    def ensure_synced(self, progress: Progress | None = None) -> None:
        """Sync once per process; later changes go through this object and keep it in step."""
        with self.lock:
            if not self._synced:
                self.sync(progress)

    def _check_size(self, clean: str, size: int) -> None:
        """UploadError naming the limit and its setting when `size` bytes is over the upload limit."""
        if size > self.max_upload_bytes:
            raise UploadError(
                f"{clean}: {_size(size)} is over the {_size(self.max_upload_bytes)} upload limit "
                f"(the operator can raise {UPLOAD_SETTING})"
            )

    def add_paths(self, paths: Sequence[Path], progress: Progress | None = None) -> IngestReport:
        """Add files from disk (an upload's temp files): each one's size is checked before it is read."""
        for path in paths:
            self._check_size(_check_name(Path(path).name), Path(path).stat().st_size)
        return self.add_files([(Path(p).name, Path(p).read_bytes()) for p in paths], progress)

    def add_files(self, files: Sequence[tuple[str, bytes]], progress: Progress | None = None) -> IngestReport:
        """Validate every file first; store and index them only if all are sound."""
        with self.lock:
            parsed = []
            for name, data in files:
                clean = _check_name(name)
                self._check_size(clean, len(data))
                parsed.append((clean, data, parse_bytes(clean, data)))
            if self._check_room is not None:
                self._check_room(sum(len(data) for _, data, _ in parsed), "this upload")
            self.ensure_synced()
            # Index first: if embedding fails, no file is left behind un-indexed.
            report = self._ingest([doc for _, _, doc in parsed], prune=None, progress=progress)
            self.folder.mkdir(parents=True, exist_ok=True)
            for clean, data, _ in parsed:
                (self.folder / clean).write_bytes(data)
            return report

    def _size(self, name: str) -> int:
        path = self.folder / name
        return path.stat().st_size if path.is_file() else 0

    def read_text(self, name: str) -> str:
        path = self.folder / _check_name(name)
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DocumentError(f"{name}: cannot be shown as text here ({type(exc).__name__})") from exc

    def save_text(self, name: str, text: str) -> IngestReport:
        """Replace a text document's content and re-index just that document."""
        with self.lock:
            clean = _check_name(name)
            if Path(clean).suffix.lower() in (".pdf", ".docx"):
                raise UploadError(f"{clean}: only text documents can be edited here")
            data = text.encode("utf-8")
            self._check_size(clean, len(data))  # an edit is an upload by another door
            document = parse_bytes(clean, data)
            if self._check_room is not None:
                self._check_room(max(0, len(data) - self._size(clean)), "this edit")
            self.ensure_synced()
            report = self._ingest([document], prune=None, progress=None)
            (self.folder / clean).write_bytes(data)
            return report

    def delete(self, name: str) -> int:
        """Remove a document and its chunks; returns how many chunks went."""
        with self.lock:
            clean = _check_name(name)
            self.ensure_synced()
            (self.folder / clean).unlink(missing_ok=True)
            return self.store.remove_documents([clean])

    def search(self, query: str, k: int = 5, mode: str = "hybrid", where: str | None = None) -> SearchResult:
        self.ensure_synced()
        return self.store.search(query, k=k, mode=mode, where=where)

    def stats(self) -> StoreStats:
        return self.store.stats()
