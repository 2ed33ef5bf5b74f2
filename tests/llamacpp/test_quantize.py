"""The served copy of a GGUF: slow weight types requantized, everything else copied, cached once."""

from __future__ import annotations

import os
from pathlib import Path

import gguf
import numpy as np
import pytest

from playground.config import SettingError, Settings
from playground.llamacpp.quantize import KEEP, QuantError, check_quant, copy_name, served_gguf, slow_tensor_count

ROWS, COLUMNS = 8, 64


def tiny_gguf(path: Path, seed: int = 0) -> np.ndarray:
    """A GGUF with one Q4_1 weight, one Q8_0 weight and one F32 norm; returns the Q4_1 weight's values."""
    rng = np.random.default_rng(seed)
    weight = rng.normal(0, 0.05, (ROWS, COLUMNS)).astype(np.float32)
    writer = gguf.GGUFWriter(path, "llama")
    writer.add_file_type(3)  # LLAMA_FTYPE_MOSTLY_Q4_1
    writer.add_string("general.name", "tiny")
    writer.add_array("tokenizer.ggml.tokens", ["<a>", "<b>", "hello"])
    writer.add_tensor(
        "blk.0.attn_q.weight",
        gguf.quants.quantize(weight, gguf.GGMLQuantizationType.Q4_1),
        raw_dtype=gguf.GGMLQuantizationType.Q4_1,
    )
    writer.add_tensor(
        "token_embd.weight",
        gguf.quants.quantize(weight, gguf.GGMLQuantizationType.Q8_0),
        raw_dtype=gguf.GGMLQuantizationType.Q8_0,
    )
    writer.add_tensor("blk.0.attn_norm.weight", np.ones(COLUMNS, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return gguf.quants.dequantize(gguf.GGUFReader(path).tensors[0].data, gguf.GGMLQuantizationType.Q4_1)


def tensors(path: Path) -> dict[str, object]:
    return {t.name: t for t in gguf.GGUFReader(path).tensors}


@pytest.mark.parametrize("quant", ["q8_0", "q4_0"])
def test_slow_tensors_are_requantized_and_the_rest_copied_as_is(tmp_path: Path, quant: str) -> None:
    source = tmp_path / "tiny.gguf"
    q4_1_values = tiny_gguf(source)
    served = served_gguf(source, quant, tmp_path / "copies")

    assert served != source and served.parent == tmp_path / "copies"
    before, after = tensors(source), tensors(served)
    assert after["blk.0.attn_q.weight"].tensor_type.name == quant.upper()
    assert after["token_embd.weight"].tensor_type.name == "Q8_0"  # already fast: bytes copied
    assert np.array_equal(after["token_embd.weight"].data, before["token_embd.weight"].data)
    assert np.array_equal(after["blk.0.attn_norm.weight"].data, before["blk.0.attn_norm.weight"].data)
    values = gguf.quants.dequantize(after["blk.0.attn_q.weight"].data, after["blk.0.attn_q.weight"].tensor_type)
    # Each 32-value block's error is at most half a quantization step of the new type (its scale
    # is stored as float16: allow that rounding too, 2^-10 of the block's largest value).
    blocks = q4_1_values.reshape(-1, 32)
    largest = np.abs(blocks).max(axis=1, keepdims=True)
    step = largest / (127 if quant == "q8_0" else 8)
    assert np.all(np.abs(values.reshape(-1, 32) - blocks) <= step * 0.5 + largest * 2**-10)
    assert slow_tensor_count(served) == 0 and slow_tensor_count(source) == 1

    reader = gguf.GGUFReader(served)
    assert reader.get_field("general.name").contents() == "tiny"
    assert reader.get_field("tokenizer.ggml.tokens").contents() == ["<a>", "<b>", "hello"]
    assert reader.get_field("general.file_type").contents() == {"q8_0": 7, "q4_0": 2}[quant]


def test_the_copy_is_made_once_and_remade_when_the_source_changes(tmp_path: Path) -> None:
    source = tmp_path / "tiny.gguf"
    tiny_gguf(source)
    first = served_gguf(source, "q8_0", tmp_path / "copies")
    made = first.stat().st_mtime_ns
    assert served_gguf(source, "q8_0", tmp_path / "copies") == first and first.stat().st_mtime_ns == made
    assert served_gguf(source, "q4_0", tmp_path / "copies") != first  # one copy per type

    tiny_gguf(source, seed=1)
    os.utime(source, ns=(made + 10**9, made + 10**9))
    assert served_gguf(source, "q8_0", tmp_path / "copies") != first
    assert not list((tmp_path / "copies").glob("*.part"))  # no half-written file is left behind


def test_keep_and_a_file_with_nothing_slow_are_served_as_they_are(tmp_path: Path) -> None:
    source = tmp_path / "tiny.gguf"
    tiny_gguf(source)
    assert served_gguf(source, KEEP, tmp_path / "copies") == source
    fast = served_gguf(source, "q8_0", tmp_path / "copies")
    assert served_gguf(fast, "q8_0", tmp_path / "copies") == fast  # nothing left to convert
    assert copy_name(source, "q8_0") != copy_name(source, "q4_0")


def test_an_unknown_choice_is_one_clear_error() -> None:
    assert check_quant(" Q8_0 ") == "q8_0"
    with pytest.raises(QuantError, match="not one of q8_0, q4_0, keep"):
        check_quant("q2_k")
    with pytest.raises(SettingError, match="PLAYGROUND_LOCAL_QUANT='fp8' is not one of q8_0, q4_0, keep"):
        Settings.from_env({"PLAYGROUND_LOCAL_QUANT": "fp8"})
    assert Settings.from_env({"PLAYGROUND_LOCAL_QUANT": "Q4_0"}).local_quant == "q4_0"
    assert Settings.from_env({}).local_quant == "q8_0"
