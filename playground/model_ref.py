"""A model reference: a litellm model string, optionally with a LoRA adapter on top.

`local/<base>::<adapter>` is written and taken apart here and nowhere else. A reference shows
the adapter by name (tables, exports, `ask --json`), keys caches by name and content hash (so a
cache survives a moved checkout), and keeps the adapter's folder only for the engine that loads it.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playground.training.registry import AdapterInfo

ADAPTER_SEPARATOR = "::"
LOCAL_PREFIX = "local/"
_DIGESTED_FILES = ("adapter_config.json", "adapter_model.safetensors")


@dataclass(frozen=True)
class ModelRef:
    """A model string plus, for the fine-tuned lanes, the adapter applied to it."""

    model: str
    adapter_name: str | None = None
    adapter_path: Path | None = None
    adapter_digest: str = ""

    @classmethod
    def parse(cls, text: str | ModelRef) -> ModelRef:
        """`local/base` or `local/base::<adapter folder or name>`; a ModelRef passes through."""
        if isinstance(text, ModelRef):
            return text
        model, separator, adapter = text.partition(ADAPTER_SEPARATOR)
        if not separator or not adapter:
            return cls(model)
        path = Path(adapter)
        if not (path.is_absolute() or path.exists()):
            return cls(model, adapter_name=path.name)  # a name only: a remote engine server knows it
        return cls(model).with_adapter(path)

    @classmethod
    def for_adapter(cls, adapter: AdapterInfo) -> ModelRef:
        """The local base model an adapter was trained on, with that adapter."""
        return cls(
            f"{LOCAL_PREFIX}{adapter.base_model}",
            adapter_name=adapter.name,
            adapter_path=adapter.path.resolve(),
            adapter_digest=adapter_digest(adapter.path),
        )

    def with_adapter(self, folder: Path) -> ModelRef:
        """This model with the LoRA adapter in `folder` (named after the folder)."""
        folder = folder.resolve()
        return ModelRef(self.model, folder.name, adapter_path=folder, adapter_digest=adapter_digest(folder))

    @property
    def base(self) -> str:
        """The model without its adapter."""
        return self.model

    @property
    def engine_name(self) -> str:
        """What the in-process engines are asked for: the local name, with the adapter's folder."""
        name = self.model.removeprefix(LOCAL_PREFIX)
        adapter = self.adapter
        return name if adapter is None else f"{name}{ADAPTER_SEPARATOR}{adapter}"

    @property
    def wire(self) -> str:
        """The full string with the adapter's folder (what `parse` reads back to the same adapter)."""
        adapter = self.adapter
        return self.model if adapter is None else f"{self.model}{ADAPTER_SEPARATOR}{adapter}"

    @property
    def adapter(self) -> Path | None:
        """The adapter's folder, or its bare name where no folder is known (an engine server's adapter)."""
        if self.adapter_path is not None:
            return self.adapter_path
        return None if self.adapter_name is None else Path(self.adapter_name)

    @property
    def is_local(self) -> bool:
        """True for a model served on this machine or its engine servers ("local/...")."""
        return self.model.startswith(LOCAL_PREFIX)

    @property
    def cache_id(self) -> str:
        """Stable across machines: the adapter's name and content hash, never its folder."""
        if self.adapter_name is None:
            return self.model
        return f"{self.model}{ADAPTER_SEPARATOR}{self.adapter_name}@{self.adapter_digest}"

    def __str__(self) -> str:
        """What a person sees: `local/base::adapter-name`."""
        if self.adapter_name is None:
            return self.model
        return f"{self.model}{ADAPTER_SEPARATOR}{self.adapter_name}"


def adapter_digest(folder: Path) -> str:
    """A short hash of the adapter's configuration and weights (empty when the files are missing)."""
    stamps = tuple(_stamp(folder / name) for name in _DIGESTED_FILES)
    return _digest(folder.resolve(), stamps)


def _stamp(path: Path) -> tuple[int, int]:
    """Modification time and size: a rewritten file gets a new digest without rehashing every call."""
    try:
        stat = path.stat()
    except OSError:
        return (0, -1)
    return (stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=256)
def _digest(folder: Path, stamps: tuple[tuple[int, int], ...]) -> str:  # stamps: recompute when a file changes
    digest = hashlib.sha256()
    found = False
    for name in _DIGESTED_FILES:
        path = folder / name
        if path.is_file():
            digest.update(path.read_bytes())
            found = True
    return digest.hexdigest()[:12] if found else ""
