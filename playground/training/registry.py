"""The adapter registry: adapters/<name>/ (shipped, read-only) and a workspace's own, with their cards."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playground.errors import PlaygroundError

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class AdapterError(PlaygroundError, ValueError):
    """An adapter name is invalid or unknown; one line for the user."""


def check_adapter_name(name: str) -> str:
    """A name safe as a folder name: lowercase letters, digits, '-' and '_' (no paths, no dots)."""
    if not NAME_PATTERN.match(name or ""):
        raise AdapterError(f"invalid adapter name '{name}': use 1-64 lowercase letters, digits, '-' or '_'")
    return name


@dataclass(frozen=True)
class AdapterInfo:
    """One trained adapter: where it is, its card, and whether this session may change it."""

    name: str
    path: Path
    card: dict[str, Any]
    read_only: bool

    @property
    def base_model(self) -> str:
        return str(self.card.get("base_model", "smollm2-135m-instruct"))

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.path.iterdir() if p.is_file())


class AdapterRegistry:
    """Adapters found in several folders; earlier folders win on a name clash."""

    def __init__(self, folders: list[tuple[Path, bool]]) -> None:
        self.folders = folders  # (folder, read_only)

    def all(self) -> list[AdapterInfo]:
        found: dict[str, AdapterInfo] = {}
        for folder, read_only in self.folders:
            if not folder.is_dir():
                continue
            for path in sorted(folder.iterdir()):
                card_file = path / "card.json"
                if path.name in found or not NAME_PATTERN.match(path.name) or not card_file.exists():
                    continue
                try:
                    card = json.loads(card_file.read_text())
                except ValueError:
                    continue  # a broken card: not a usable adapter
                found[path.name] = AdapterInfo(path.name, path, card, read_only)
        return list(found.values())

    def names(self) -> list[str]:
        return [a.name for a in self.all()]

    def trained_on(self, base: str) -> list[Path]:
        """Folders of the adapters trained on this base model (what a llama.cpp server loads)."""
        return [a.path for a in self.all() if a.base_model == base]

    def get(self, name: str) -> AdapterInfo:
        check_adapter_name(name)
        for adapter in self.all():
            if adapter.name == name:
                return adapter
        known = ", ".join(self.names()) or "none yet (train one in the Train tab or with `train`)"
        raise AdapterError(f"unknown adapter '{name}'; known: {known}")
