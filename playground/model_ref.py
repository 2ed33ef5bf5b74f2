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
        return cls(model, adapter_name=path.name, adapter_path=path if path.is_absolute() or path.exists() else None)

    @classmethod
    def for_adapter(cls, adapter: AdapterInfo) -> ModelRef:
        """The local base model an adapter was trained on, with that adapter."""
        return cls(
            f"{LOCAL_PREFIX}{adapter.base_model}",
            adapter_name=adapter.name,
            adapter_path=adapter.path.resolve(),
            adapter_digest=adapter_digest(adapter.path),
        )

    @property
    def base(self) -> str:
        """The model without its adapter."""
        return self.model

    @property
    def engine_name(self) -> str:
        """What the in-process engines are asked for: the local name, with the adapter's folder."""
        name = self.model.removeprefix(LOCAL_PREFIX)
        if self.adapter_path is not None:
            return f"{name}{ADAPTER_SEPARATOR}{self.adapter_path}"
        return name

    @property
    def wire(self) -> str:
        """The full string with the adapter's folder (what `parse` reads back to the same adapter)."""
        if self.adapter_path is None:
            return self.model
        return f"{self.model}{ADAPTER_SEPARATOR}{self.adapter_path}"

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
    stamps = tuple((folder / n).stat().st_mtime_ns if (folder / n).is_file() else 0 for n in _DIGESTED_FILES)
    return _digest(folder.resolve(), stamps)


@functools.lru_cache(maxsize=256)
def _digest(folder: Path, stamps: tuple[int, ...]) -> str:  # stamps: recompute when a file changes
    digest = hashlib.sha256()
    found = False
    for name in _DIGESTED_FILES:
        path = folder / name
        if path.is_file():
            digest.update(path.read_bytes())
            found = True
    return digest.hexdigest()[:12] if found else ""
