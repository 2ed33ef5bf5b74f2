"""The default embedder on ONNX Runtime gives sentence-transformers' vectors, from an export made once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from playground.knowledge.embedding import DEFAULT_EMBEDDER, EmbedderError, make_embedder, packaged_minilm_path
from playground.knowledge.onnx_embedder import OnnxEmbedder, exported_onnx, onnx_name

pytestmark = pytest.mark.integration

TEXTS = [
    "How much meal allowance do I get per day on a business trip?",
    "per diem for food",
    "",
    "Überraschung! 日本語のテキスト 🎉 — mixed scripts",
    "a long passage that goes past the model's 256-token window " * 40,
    "turbine",
]


def test_vectors_match_sentence_transformers_and_keep_the_callers_order(tmp_path: Path) -> None:
    from sentence_transformers import SentenceTransformer

    model_dir = packaged_minilm_path()
    embedder = OnnxEmbedder(DEFAULT_EMBEDDER, model_dir, tmp_path, batch_size=4)  # two batches, sorted by length
    ours = embedder.embed(TEXTS)
    theirs = SentenceTransformer(str(model_dir), device="cpu").encode(TEXTS, normalize_embeddings=True)
    assert ours.shape == (len(TEXTS), 384) and ours.dtype == np.float32
    assert np.abs(ours - theirs).max() < 1e-5
    assert (tmp_path / onnx_name(DEFAULT_EMBEDDER, model_dir)).is_file(), "exported into the cache given"


def test_the_export_is_made_once_and_then_reused(tmp_path: Path) -> None:
    model_dir = packaged_minilm_path()
    first = exported_onnx(DEFAULT_EMBEDDER, model_dir, tmp_path)
    written = first.stat().st_mtime_ns
    assert exported_onnx(DEFAULT_EMBEDDER, model_dir, tmp_path) == first
    assert first.stat().st_mtime_ns == written
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".part"] == [], "no staging file left behind"


def test_a_damaged_export_is_made_again_and_a_missing_model_is_one_clear_error(tmp_path: Path) -> None:
    model_dir = packaged_minilm_path()
    damaged = tmp_path / onnx_name(DEFAULT_EMBEDDER, model_dir)
    damaged.write_bytes(b"not an onnx model")
    vectors = make_embedder(DEFAULT_EMBEDDER, cache_dir=tmp_path).embed(["daily meal allowance", "turbine"])
    assert vectors.shape == (2, 384) and damaged.stat().st_size > 1_000_000, "exported again over the damaged file"

    empty = tmp_path / "no-model"
    (empty / "model.safetensors").parent.mkdir()
    (empty / "model.safetensors").write_bytes(b"")
    with pytest.raises(EmbedderError, match="cannot load embedder 'broken'"):
        OnnxEmbedder("broken", empty, tmp_path).embed(["anything"])
