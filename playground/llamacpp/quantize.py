"""Serve a GGUF from a copy whose weights are in a type llama.cpp has fast CPU kernels for.

llama.cpp's CPU build reads a prompt fast (tinyBLAS matrix multiply, weight repacking) only for some
weight types: F16, Q8_0 and Q4_0 among them, but not Q4_1 or Q5_1. The embedded SmolLM2 file stores
its 210 linear weights as Q4_1, so its prompts took the slow generic path. `served_gguf` requantizes
just those tensors (dequantize, then quantize with the pinned `gguf` package) into a copy made once
and cached, named after the source file, its size and time, and the chosen type. Everything else in
the file (metadata, tokenizer, norms, embeddings already in a fast type) is copied as it is.

`PLAYGROUND_LOCAL_QUANT` chooses: `q8_0` (the default: faithful, see tests/llamacpp/test_faithfulness.py),
`q4_0` (faster still, changes answers) or `keep` (serve the file as shipped).
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from playground.errors import PlaygroundError

log = logging.getLogger(__name__)

KEEP, Q8_0, Q4_0 = "keep", "q8_0", "q4_0"
QUANTS = (Q8_0, Q4_0, KEEP)
DEFAULT_QUANT = Q8_0
SLOW_TYPES = ("Q4_1", "Q5_1")  # weight types without tinyBLAS or repack kernels in the CPU wheel
FILE_TYPES = {Q8_0: 7, Q4_0: 2}  # general.file_type: LLAMA_FTYPE_MOSTLY_Q8_0, LLAMA_FTYPE_MOSTLY_Q4_0


class QuantError(PlaygroundError, ValueError):
    """An unknown quantization choice, or a GGUF that could not be converted."""


def check_quant(quant: str) -> str:
    """The choice, lower-cased, or one clear error naming the valid ones."""
    choice = quant.strip().lower()
    if choice not in QUANTS:
        raise QuantError(f"PLAYGROUND_LOCAL_QUANT={quant!r} is not one of {', '.join(QUANTS)}")
    return choice


def slow_tensor_count(source: Path) -> int:
    """How many weight tensors of this GGUF are in a type without fast CPU kernels."""
    import gguf

    reader = gguf.GGUFReader(source)
    return sum(tensor.tensor_type.name in SLOW_TYPES for tensor in reader.tensors)


def served_gguf(source: Path, quant: str, cache_dir: Path) -> Path:
    """The file llama.cpp should serve for `source`: itself (keep, or nothing to convert) or a cached copy."""
    quant = check_quant(quant)
    if quant == KEEP:
        return source
    target = cache_dir / copy_name(source, quant)
    if target.is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / f".{target.name}.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)  # another process may be converting the same file
        if not target.is_file():
            if slow_tensor_count(source) == 0:
                return source
            started = time.perf_counter()
            requantize(source, target, quant)
            log.info(
                "served %s as %s (converted once in %.1f s)", source.name, target.name, time.perf_counter() - started
            )
    return target


def copy_name(source: Path, quant: str) -> str:
    """<stem>.<quant>-<digest of the source's path, size and time>.gguf"""
    stat = source.stat()
    digest = hashlib.sha256(f"{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:12]
    return f"{source.stem}.{quant}-{digest}.gguf"


def requantize(source: Path, target: Path, quant: str) -> Path:
    """Write source as target (atomically), its slow-type tensors requantized to `quant`."""
    import gguf

    qtype = gguf.GGMLQuantizationType[quant.upper()]
    reader = gguf.GGUFReader(source)
    staging = Path(tempfile.mkstemp(prefix=target.name + ".", suffix=".part", dir=target.parent)[1])
    try:
        writer = gguf.GGUFWriter(staging, arch=str(reader.get_field(gguf.Keys.General.ARCHITECTURE).contents()))
        _copy_metadata(reader, writer, file_type=FILE_TYPES[quant])
        for tensor in reader.tensors:
            data, dtype = _converted(tensor, qtype) if tensor.tensor_type.name in SLOW_TYPES else (tensor.data, None)
            writer.add_tensor(tensor.name, np.ascontiguousarray(data), raw_dtype=dtype or tensor.tensor_type)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        staging.chmod(0o644)
        os.replace(staging, target)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    return target


def _converted(tensor: object, qtype: object) -> tuple[np.ndarray, object]:
    import gguf

    weights = gguf.quants.dequantize(tensor.data, tensor.tensor_type)  # (rows, columns) float32
    return gguf.quants.quantize(weights, qtype), qtype


def _copy_metadata(reader: object, writer: object, file_type: int) -> None:
    """Every key of the source but the ones the writer writes itself; file_type says the new mix."""
    import gguf

    for field in reader.fields.values():
        if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith("GGUF."):
            continue
        if field.name == gguf.Keys.General.FILE_TYPE:
            writer.add_file_type(file_type)
            continue
        value_type = field.types[0]
        sub_type = field.types[-1] if value_type == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, field.contents(), value_type, sub_type=sub_type)


def prepare_embedded() -> Path:
    """Make the embedded model's served copy now (setup calls this, so no visitor waits for it)."""
    from playground.config import Settings
    from playground.local_models import embedded_gguf_file

    settings = Settings.from_env()
    return served_gguf(embedded_gguf_file(), settings.local_quant, settings.served_gguf_dir)


if __name__ == "__main__":
    import sys

    try:
        print(f"setup: the embedded model is served from {prepare_embedded()}")
    except PlaygroundError as exc:
        sys.exit(f"setup: error: {exc.message}")
