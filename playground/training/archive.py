"""An adapter as one zip to take away, and a zip brought back in as an adapter (hostile input safe).

The zip is flat: the PEFT files (adapter_config.json, adapter_model.safetensors), card.json,
README.md when the adapter has one, and the GGUF LoRA llama.cpp loads for the adapter's base model
(converted now if it was not yet). The same files are what `hub.push_adapter` uploads.

Import treats the zip as an attacker's: only those names, at the top level, as plain files, under a
size cap; the config must be a LoRA's and the card a JSON object. It never replaces an adapter, and
it writes into a staging folder renamed into place only when everything checked out. A GGUF LoRA in
the zip is checked by name and then dropped: the app serves only conversions it made itself from the
PEFT weights (converted again on first use), never a binary someone handed it.
"""

from __future__ import annotations

import json
import re
import shutil
import stat
import struct
import uuid
import zipfile
from collections.abc import Collection
from pathlib import Path, PurePosixPath
from typing import Any

from playground.errors import UsageError
from playground.training.registry import NAME_PATTERN, AdapterError, AdapterInfo, check_adapter_name

ADAPTER_CONFIG = "adapter_config.json"
ADAPTER_WEIGHTS = "adapter_model.safetensors"
CARD = "card.json"
README = "README.md"
REQUIRED = (ADAPTER_CONFIG, ADAPTER_WEIGHTS, CARD)
GGUF_LORA = re.compile(r"^lora-(?:[0-9a-f]{6}-)?[0-9a-f]{12}\.gguf$")  # lora_gguf.gguf_lora_for's names
MAX_TOTAL_BYTES = 200 * 1024 * 1024  # uncompressed; the shipped adapters are ~20 MB, their GGUF LoRA ~10 MB
MAX_ENTRIES = 16
MAX_SMALL_FILE_BYTES = 1024 * 1024  # config, card and README are a few KB
_CHUNK = 1024 * 1024


class AdapterArchiveError(UsageError):
    """A zip that is not an adapter this app will take in, or an adapter that cannot be exported (exit 2)."""


def adapter_files(adapter: AdapterInfo, lora_cache_dir: Path) -> dict[str, Path]:
    """The files that make the adapter portable, by their name in the zip (or the Hub repository).

    The GGUF LoRA for a llama.cpp-served base (the embedded one) is converted here if it is missing.
    """
    files: dict[str, Path] = {}
    for name in (*REQUIRED, README):
        path = adapter.path / name
        if path.is_file() and not path.is_symlink():
            files[name] = path
        elif name in REQUIRED:
            raise AdapterArchiveError(f"adapter {adapter.name} has no {name}: it cannot be exported")
    gguf = _gguf_lora(adapter, lora_cache_dir)
    if gguf is not None:
        files[gguf.name] = gguf
    return files


def _gguf_lora(adapter: AdapterInfo, lora_cache_dir: Path) -> Path | None:
    from playground.llamacpp.lora_gguf import LoraConversionError, gguf_lora_for
    from playground.llamacpp.served import gguf_file, is_gguf_name
    from playground.local_models import LocalModelError

    if not is_gguf_name(adapter.base_model):
        return None  # a transformers-served base: the PEFT files are the whole adapter
    try:
        return gguf_lora_for(adapter.path, gguf_file(adapter.base_model), lora_cache_dir)
    except (LoraConversionError, LocalModelError) as exc:
        raise AdapterArchiveError(f"adapter {adapter.name} cannot be converted for llama.cpp: {exc}") from exc


def export_adapter(adapter: AdapterInfo, out: Path, lora_cache_dir: Path) -> Path:
    """Write the adapter as one zip at `out` (atomically: a partial zip never sits there) and return it."""
    out = Path(out)
    if out.suffix.lower() != ".zip":
        raise AdapterArchiveError(f"{out}: the export is a .zip file; name it so")
    files = adapter_files(adapter, lora_cache_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        with zipfile.ZipFile(staging, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, path in files.items():
                archive.write(path, name)
        staging.replace(out)
    finally:
        staging.unlink(missing_ok=True)
    return out


def name_from_file(archive: Path) -> str:
    """A default adapter name from the zip's file name ("Support-Tone (1).zip" -> "support-tone-1")."""
    candidate = re.sub(r"[^a-z0-9_-]+", "-", Path(archive).stem.lower()).strip("-_")[:64]
    if not NAME_PATTERN.match(candidate):
        raise AdapterArchiveError(f"{Path(archive).name}: no adapter name in the file name; give one with --name")
    return candidate


def check_archive(archive: Path) -> list[zipfile.ZipInfo]:
    """The zip's entries if it is an adapter this app takes in; else one AdapterArchiveError saying why."""
    try:
        with zipfile.ZipFile(archive) as opened:
            entries = opened.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise AdapterArchiveError(f"{Path(archive).name} is not a readable zip file: {exc}") from exc
    if len(entries) > MAX_ENTRIES:
        raise AdapterArchiveError(f"the zip holds {len(entries)} entries; an adapter has at most {MAX_ENTRIES}")
    seen: set[str] = set()
    for entry in entries:
        _check_entry(entry, seen)
    missing = [name for name in REQUIRED if name not in seen]
    if missing:
        raise AdapterArchiveError(f"the zip is not an adapter: it has no {', '.join(missing)}")
    total = sum(entry.file_size for entry in entries)
    if total > MAX_TOTAL_BYTES:
        raise AdapterArchiveError(
            f"the zip unpacks to {total / 2**20:.0f} MB, over the {MAX_TOTAL_BYTES / 2**20:.0f} MB an adapter may use"
        )
    return entries


def _check_entry(entry: zipfile.ZipInfo, seen: set[str]) -> None:
    name = entry.filename
    path = PurePosixPath(name)
    if name.startswith(("/", "\\")) or "\\" in name or re.match(r"^[A-Za-z]:", name):
        raise AdapterArchiveError(f"the zip holds an absolute path ({name!r}): refused")
    if ".." in path.parts:
        raise AdapterArchiveError(f"the zip holds a path that climbs out of its folder ({name!r}): refused")
    kind = stat.S_IFMT(entry.external_attr >> 16)  # 0 where the zip tool recorded no Unix file type
    if kind == stat.S_IFLNK:
        raise AdapterArchiveError(f"the zip holds a symbolic link ({name!r}): refused")
    if entry.is_dir() or len(path.parts) != 1 or kind not in (0, stat.S_IFREG):
        raise AdapterArchiveError(f"the zip holds {name!r}, not a file at its top level: refused")
    if name not in (*REQUIRED, README) and not GGUF_LORA.match(name):
        expected = ", ".join([*REQUIRED, README, "lora-*.gguf"])
        raise AdapterArchiveError(f"the zip holds an unexpected file {name!r}; an adapter zip holds only {expected}")
    if name in seen:
        raise AdapterArchiveError(f"the zip holds {name!r} twice: refused")
    if entry.flag_bits & 0x1:
        raise AdapterArchiveError(f"the zip's {name!r} is encrypted: refused")
    seen.add(name)


def import_adapter(archive: Path, adapters_dir: Path, name: str | None = None, taken: Collection[str] = ()) -> Path:
    """Unpack an adapter zip into adapters_dir/<name> and return that folder.

    `name` defaults to one made from the zip's file name. A name in `taken` (adapters seen elsewhere,
    the shipped ones) or a folder already there is refused: an import never replaces an adapter.
    """
    entries = check_archive(archive)
    try:
        name = check_adapter_name(name) if name else name_from_file(archive)
    except AdapterError as exc:
        raise AdapterArchiveError(exc.message) from exc
    target = Path(adapters_dir) / name
    if name in taken or target.exists():
        raise _taken(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".importing-{name}-{uuid.uuid4().hex[:8]}")
    staging.mkdir()
    try:
        with zipfile.ZipFile(archive) as opened:
            for entry in entries:
                if not GGUF_LORA.match(entry.filename):  # conversions are made here, never taken in
                    _extract(opened, entry, staging / entry.filename)
        _check_contents(staging)
        if target.exists():  # another import took the name meanwhile
            raise _taken(name)
        try:
            staging.rename(target)
        except OSError as exc:  # taken between the check and the rename: still never replaced
            raise _taken(name) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _taken(name: str) -> AdapterArchiveError:
    return AdapterArchiveError(f"an adapter named '{name}' already exists; give the import another name (--name)")


def _extract(opened: zipfile.ZipFile, entry: zipfile.ZipInfo, out: Path) -> None:
    """Copy one entry out, stopping if it unpacks to more than its header declared (a lying zip)."""
    limit = min(entry.file_size, MAX_TOTAL_BYTES)
    written = 0
    try:
        with opened.open(entry) as source, open(out, "xb") as sink:
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                if written > limit:
                    raise AdapterArchiveError(f"the zip's {entry.filename!r} unpacks to more than it declares: refused")
                sink.write(chunk)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:  # CRC mismatch, truncation, bad data
        raise AdapterArchiveError(f"the zip's {entry.filename!r} is damaged: {exc}") from exc


def _check_contents(folder: Path) -> None:
    config = _json_object(folder / ADAPTER_CONFIG)
    if str(config.get("peft_type", "")).upper() != "LORA":
        raise AdapterArchiveError(f"{ADAPTER_CONFIG} names a {config.get('peft_type')!r} adapter, not a LoRA")
    _json_object(folder / CARD)
    _check_safetensors(folder / ADAPTER_WEIGHTS)


def _json_object(path: Path) -> dict[str, Any]:
    if path.stat().st_size > MAX_SMALL_FILE_BYTES:
        raise AdapterArchiveError(f"the zip's {path.name} is over {MAX_SMALL_FILE_BYTES // 1024} KB: refused")
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise AdapterArchiveError(f"the zip's {path.name} is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise AdapterArchiveError(f"the zip's {path.name} is not a JSON object")
    return value


def _check_safetensors(path: Path) -> None:
    """The weights file starts as safetensors does: an 8-byte header length, then a JSON object of tensors."""
    size = path.stat().st_size
    with open(path, "rb") as weights:
        head = weights.read(8)
        length = struct.unpack("<Q", head)[0] if len(head) == 8 else 0
        header = weights.read(length) if 0 < length <= min(size - 8, 100 * 1024 * 1024) else b""
    try:
        tensors = json.loads(header)
    except (ValueError, UnicodeDecodeError):
        tensors = None
    if not isinstance(tensors, dict) or not any(key.endswith("lora_A.weight") for key in tensors):
        raise AdapterArchiveError(f"the zip's {ADAPTER_WEIGHTS} is not a safetensors file of LoRA weights")
