"""Convert a PEFT LoRA adapter (as Unsloth saves it) into a GGUF LoRA file that llama.cpp loads.

PEFT stores lora_A (r, in) and lora_B (out, r) per linear module under Hugging Face names; llama.cpp
wants the same matrices under GGUF names (`blk.N.attn_q.weight.lora_a`) plus the adapter's alpha.
One twist: llama.cpp's Llama weights have the rows of q and k permuted for its rotary embedding
(convert_hf_to_gguf.py does it when it builds the base GGUF), so lora_B of q and k is permuted the
same way, or the adapter's update lands on the wrong rows.

`gguf_lora_for` is the cached form: the converted file sits beside the adapter, named after a digest
of the adapter and the base model, and is converted once (under a file lock) on first use.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import math
import os
import struct
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

ADAPTER_CONFIG = "adapter_config.json"
ADAPTER_WEIGHTS = "adapter_model.safetensors"
SUPPORTED_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
PEFT_PREFIX = "base_model.model."
LORA_SUFFIXES = {".lora_A.weight": ".lora_a", ".lora_B.weight": ".lora_b"}
BASE_KEYS = ("llama.attention.head_count", "llama.attention.head_count_kv", "llama.block_count")


class LoraConversionError(ValueError):
    """An adapter that cannot become a GGUF LoRA; the message is one line for the user."""


@dataclass(frozen=True)
class BaseModelShape:
    """What the conversion needs to know about the base GGUF."""

    n_head: int
    n_head_kv: int
    n_blocks: int
    weight_shapes: dict[str, tuple[int, int]]  # GGUF weight name -> (out, in), as numpy would hold it


def convert_peft_to_gguf(adapter_dir: Path, out_file: Path, base_gguf: Path, *, permute_qk: bool = True) -> Path:
    """Write the PEFT adapter in adapter_dir as a GGUF LoRA at out_file (atomically) and return out_file.

    permute_qk=False skips the rope permutation of q/k: a deliberately wrong file, for tests only.
    """
    adapter_dir, out_file = Path(adapter_dir), Path(out_file)
    config = read_adapter_config(adapter_dir)
    base = read_base_shape(Path(base_gguf))
    weights = _load_weights(adapter_dir)
    tensors = list(_gguf_tensors(weights, base, permute_qk=permute_qk))
    _write_gguf(out_file, lora_alpha(config), tensors)
    return out_file


def gguf_lora_for(adapter_dir: Path, base_gguf: Path, fallback_dir: Path) -> Path:
    """The GGUF LoRA of this adapter for this base model, converting it on first use.

    It lives beside the adapter as lora-<base tag>-<digest>.gguf, or under fallback_dir/<adapter name>/
    when the adapter folder is read-only. A new conversion removes the stale ones beside it: those for
    the same base file (older weights), never those another base file (another process's
    PLAYGROUND_LOCAL_QUANT, say) is being served with.
    """
    adapter_dir, fallback_dir = Path(adapter_dir), Path(fallback_dir)
    name = f"lora-{base_tag(Path(base_gguf))}-{adapter_digest(adapter_dir, Path(base_gguf))}.gguf"
    candidates = [adapter_dir / name, fallback_dir / adapter_dir.name / name]
    for existing in candidates:
        if existing.is_file():
            return existing
    fallback_dir.mkdir(parents=True, exist_ok=True)
    with open(fallback_dir / f".{adapter_dir.name}.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)  # another process may be converting the same adapter
        for existing in candidates:
            if existing.is_file():
                return existing
        target = candidates[0] if _writable(adapter_dir) else candidates[1]
        target.parent.mkdir(parents=True, exist_ok=True)
        convert_peft_to_gguf(adapter_dir, target, base_gguf)
        _remove_stale(target)
    return target


def base_tag(base_gguf: Path) -> str:
    """6 hex digits naming the base GGUF file in a conversion's file name."""
    return hashlib.sha256(base_gguf.name.encode()).hexdigest()[:6]


def adapter_digest(adapter_dir: Path, base_gguf: Path) -> str:
    """12 hex digits of sha256 over the adapter's weights and config and the base GGUF's file name."""
    digest = hashlib.sha256()
    for file_name in (ADAPTER_WEIGHTS, ADAPTER_CONFIG):
        digest.update(_required(adapter_dir, file_name).read_bytes())
    digest.update(base_gguf.name.encode())
    return digest.hexdigest()[:12]


def read_adapter_config(adapter_dir: Path) -> dict[str, Any]:
    """adapter_config.json, refused where it asks for something a GGUF LoRA cannot express."""
    path = _required(adapter_dir, ADAPTER_CONFIG)
    try:
        config = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise LoraConversionError(f"{path} is not valid JSON: {exc}") from exc
    _check_config(config, adapter_dir.name)
    return config


def _check_config(config: dict[str, Any], name: str) -> None:
    if str(config.get("peft_type", "LORA")).upper() != "LORA":
        raise LoraConversionError(f"adapter {name} is a {config.get('peft_type')} adapter, not LoRA")
    if config.get("use_dora"):
        raise LoraConversionError(f"adapter {name} uses DoRA, which llama.cpp cannot load; train plain LoRA")
    if config.get("modules_to_save"):
        raise LoraConversionError(f"adapter {name} saves whole modules ({config['modules_to_save']}), not only LoRA")
    for key in ("rank_pattern", "alpha_pattern"):
        if config.get(key):
            raise LoraConversionError(f"adapter {name} sets a per-module {key}, which a GGUF LoRA cannot express")
    targets = config.get("target_modules") or []
    if isinstance(targets, str):
        targets = []  # "all-linear" or a regular expression: the tensors themselves are checked on conversion
    unknown = sorted(set(targets) - set(SUPPORTED_MODULES))
    if unknown:
        known = ", ".join(SUPPORTED_MODULES)
        raise LoraConversionError(f"adapter {name} targets unsupported modules {unknown}; supported: {known}")


def lora_alpha(config: dict[str, Any]) -> float:
    """The alpha llama.cpp needs: it scales by alpha / r, so rsLoRA's alpha / sqrt(r) is alpha * sqrt(r) / r."""
    alpha, rank = float(config.get("lora_alpha", 8)), int(config.get("r", 8))  # PEFT's defaults
    return alpha * math.sqrt(rank) if config.get("use_rslora") else alpha


def read_base_shape(base_gguf: Path) -> BaseModelShape:
    """Heads, KV heads, blocks and weight shapes of a Llama-architecture base GGUF."""
    if not base_gguf.is_file():
        raise LoraConversionError(f"no base model GGUF at {base_gguf}")
    metadata, tensor_dims = read_gguf_header(base_gguf)
    architecture = metadata.get("general.architecture")
    if architecture != "llama":
        raise LoraConversionError(f"only Llama-architecture base models are supported, not {architecture!r}")
    missing = [key for key in BASE_KEYS if not isinstance(metadata.get(key), int)]
    if missing:
        raise LoraConversionError(f"the base model GGUF {base_gguf.name} has no {', '.join(missing)}")
    return BaseModelShape(
        n_head=metadata["llama.attention.head_count"],
        n_head_kv=metadata["llama.attention.head_count_kv"],
        n_blocks=metadata["llama.block_count"],
        weight_shapes={name: (dims[1], dims[0]) for name, dims in tensor_dims.items() if len(dims) == 2},
    )


def read_gguf_header(path: Path) -> tuple[dict[str, Any], dict[str, tuple[int, ...]]]:
    """A GGUF's metadata (arrays read as None) and its tensors' dims (GGML order: innermost first).

    gguf.GGUFReader builds a numpy view per tokenizer entry, which takes 8-13 s on the embedded
    model; this reads the same header and skips the arrays, in well under a second.
    """
    try:
        with open(path, "rb") as file:
            magic, _version, n_tensors, n_kv = struct.unpack("<4sIQQ", file.read(24))
            if magic != b"GGUF":
                raise LoraConversionError(f"{path.name} is not a GGUF file")
            metadata = {}
            for _ in range(n_kv):
                key = _read_string(file)
                metadata[key] = _read_value(file, _unpack(file, "<I"))
            tensor_dims = {}
            for _ in range(n_tensors):
                name = _read_string(file)
                n_dims = _unpack(file, "<I")
                tensor_dims[name] = struct.unpack(f"<{n_dims}Q", file.read(8 * n_dims))
                file.seek(12, os.SEEK_CUR)  # the tensor's type (uint32) and data offset (uint64)
    except (struct.error, KeyError, UnicodeDecodeError) as exc:
        raise LoraConversionError(f"{path.name} is not a readable GGUF file ({exc!r})") from exc
    return metadata, tensor_dims


# GGUF metadata value types (gguf.GGUFValueType): struct formats of the fixed-size ones.
_SCALAR_FORMATS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9


def _read_value(file: BinaryIO, value_type: int) -> Any:
    """One metadata value; arrays are skipped and read as None."""
    if value_type == _STRING:
        return _read_string(file)
    if value_type == _ARRAY:
        item_type, count = struct.unpack("<IQ", file.read(12))
        if item_type in _SCALAR_FORMATS:
            file.seek(struct.calcsize(_SCALAR_FORMATS[item_type]) * count, os.SEEK_CUR)
        else:
            for _ in range(count):
                _read_value(file, item_type)
        return None
    return _unpack(file, _SCALAR_FORMATS[value_type])


def _read_string(file: BinaryIO) -> str:
    return file.read(_unpack(file, "<Q")).decode()


def _unpack(file: BinaryIO, fmt: str) -> Any:
    return struct.unpack(fmt, file.read(struct.calcsize(fmt)))[0]


def rope_permute(weight: np.ndarray, n_head: int) -> np.ndarray:
    """Reorder the rows of a q/k weight (or LoRA B) as convert_hf_to_gguf.py does for the base weights.

    Per head, HF's rotate-half pairs (i, i + d/2) become llama.cpp's adjacent rope pairs (2i, 2i + 1).
    """
    rows = weight.shape[0]
    if rows % (2 * n_head):
        raise LoraConversionError(f"cannot split {rows} rows into {n_head} rotary heads")
    return weight.reshape(n_head, 2, rows // n_head // 2, *weight.shape[1:]).swapaxes(1, 2).reshape(weight.shape)


def _load_weights(adapter_dir: Path) -> dict[str, np.ndarray]:
    """The adapter's tensors by PEFT key, as float32 (read through torch: numpy has no bfloat16)."""
    from safetensors import SafetensorError, safe_open

    path = _required(adapter_dir, ADAPTER_WEIGHTS)
    try:
        with safe_open(str(path), framework="pt") as tensors:
            return {key: tensors.get_tensor(key).float().numpy() for key in tensors.keys()}
    except (SafetensorError, OSError, ValueError, TypeError) as exc:
        raise LoraConversionError(f"cannot read {path}: {exc}") from exc


def _gguf_tensors(
    weights: dict[str, np.ndarray], base: BaseModelShape, *, permute_qk: bool
) -> Iterator[tuple[str, np.ndarray]]:
    """(GGUF name, float32 array) for every PEFT tensor, checked against the base model's shapes."""
    import gguf

    name_map = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, base.n_blocks)
    rope_heads = {"attn_q": base.n_head, "attn_k": base.n_head_kv} if permute_qk else {}
    for key in sorted(weights):
        name, suffix = _gguf_name(key, name_map)
        array = weights[key]
        _check_shape(key, name, suffix, array, base)
        heads = rope_heads.get(name.split(".")[2])
        if suffix == ".lora_b" and heads:
            array = np.ascontiguousarray(rope_permute(array, heads))
        yield name + suffix, array


def _gguf_name(key: str, name_map: Any) -> tuple[str, str]:
    """("blk.0.attn_q.weight", ".lora_a") from "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"."""
    module = key.removeprefix(PEFT_PREFIX)
    peft_suffix = next((s for s in LORA_SUFFIXES if module.endswith(s)), None)
    if peft_suffix is None:
        raise LoraConversionError(f"unexpected tensor {key} in the adapter (only LoRA A/B matrices are supported)")
    module, suffix = module.removesuffix(peft_suffix), LORA_SUFFIXES[peft_suffix]
    name = name_map.get_name(module)
    if name is None or module.rsplit(".", 1)[-1] not in SUPPORTED_MODULES:
        raise LoraConversionError(f"adapter tensor {key} has no counterpart in a Llama GGUF")
    return name + ".weight", suffix


def _check_shape(key: str, name: str, suffix: str, array: np.ndarray, base: BaseModelShape) -> None:
    shape = base.weight_shapes.get(name)
    if shape is None:
        raise LoraConversionError(f"the base model has no {name} for adapter tensor {key}")
    out_dim, in_dim = shape
    fits = array.ndim == 2 and (array.shape[1] == in_dim if suffix == ".lora_a" else array.shape[0] == out_dim)
    if not fits:
        raise LoraConversionError(
            f"adapter tensor {key} has shape {tuple(array.shape)}, which does not fit the base weight {name} "
            f"({out_dim}x{in_dim}): was the adapter trained on another base model?"
        )


def _write_gguf(out_file: Path, alpha: float, tensors: list[tuple[str, np.ndarray]]) -> None:
    """Write the adapter GGUF beside out_file, then rename it into place."""
    import gguf

    if not tensors:
        raise LoraConversionError("the adapter holds no LoRA tensors")
    # a unique name, opened by the writer as usual (so the umask applies: mkstemp would make it owner-only)
    staging = out_file.with_name(f".{out_file.name}.{uuid.uuid4().hex[:12]}.tmp")
    writer = gguf.GGUFWriter(staging, "llama")  # opens the file when the header is written
    try:
        writer.add_type(gguf.GGUFType.ADAPTER)
        writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
        writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, alpha)
        for name, array in tensors:
            writer.add_tensor(name, array)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        os.replace(staging, out_file)
    except BaseException:
        writer.close()
        staging.unlink(missing_ok=True)
        raise


def _required(adapter_dir: Path, file_name: str) -> Path:
    path = adapter_dir / file_name
    if not path.is_file():
        raise LoraConversionError(f"adapter {adapter_dir.name} has no {file_name} (looked in {adapter_dir})")
    return path


def _writable(folder: Path) -> bool:
    """Whether a file can be created in folder (a shipped adapter folder may be read-only)."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def _remove_stale(current: Path) -> None:
    """Drop earlier conversions of the same adapter for the same base file (and any of the old naming)."""
    tag = current.name.split("-")[1]
    for old in [*current.parent.glob(f"lora-{tag}-*.gguf"), *current.parent.glob("lora-" + "?" * 12 + ".gguf")]:
        if old != current:
            old.unlink(missing_ok=True)
