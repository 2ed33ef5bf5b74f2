"""The default embedder, all-MiniLM-L6-v2, run by ONNX Runtime instead of sentence-transformers.

Importing sentence-transformers takes 11-18 s here (it pulls in torch, transformers and, through
them, every quantization integration installed for training), and it was most of a fresh app's
wait for its first RAG answer. ONNX Runtime and `tokenizers` load the same model in under half a
second. The packaged safetensors are exported to ONNX once (at setup, or on first use) into the
cache; the pipeline is the one sentence-transformers' own config for this model describes (see the
package's modules.json): tokenize with its tokenizer.json, truncate at its max_seq_length, mean-pool
the token states over the attention mask, L2-normalise. tests/knowledge/test_onnx_embedder.py checks
that the vectors match sentence-transformers' to within 1e-5, so an index built by either is valid.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import tempfile
import threading
import time
import warnings
from pathlib import Path

import numpy as np

from playground.knowledge.embedding import EmbedderError, normalise

log = logging.getLogger(__name__)

INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
ONNX_OPSET = 17


def onnx_name(name: str, model_dir: Path) -> str:
    """<embedder name>-<digest of the weights' path, size and time>.onnx"""
    weights = model_dir / "model.safetensors"
    stat = weights.stat()
    digest = hashlib.sha256(f"{weights.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:12]
    return f"{name}-{digest}.onnx"


def exported_onnx(name: str, model_dir: Path, cache_dir: Path) -> Path:
    """The cached ONNX export of this sentence-transformers folder, made now (once) if missing."""
    target = cache_dir / onnx_name(name, model_dir)
    if target.is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / f".{target.name}.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)  # another process may be exporting the same model
        if not target.is_file():
            started = time.perf_counter()
            _export(model_dir, target)
            log.info("exported the embedder to %s once, in %.1f s", target.name, time.perf_counter() - started)
    return target


def _export(model_dir: Path, target: Path) -> None:
    """torch.onnx's exporter over the transformer's token states; written atomically."""
    import torch
    from transformers import AutoModel

    class TokenStates(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    model = TokenStates(AutoModel.from_pretrained(str(model_dir)).eval())
    example = tuple(torch.ones(1, 8, dtype=torch.long) for _ in INPUT_NAMES)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUT_NAMES, "token_states")}
    staging = Path(tempfile.mkstemp(prefix=target.name + ".", suffix=".part", dir=target.parent)[1])
    try:
        # The tracer warns about Python branches on shapes; they are the same for every input here.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model,
                example,
                str(staging),
                input_names=list(INPUT_NAMES),
                output_names=["token_states"],
                dynamic_axes=axes,
                opset_version=ONNX_OPSET,
                dynamo=False,
            )
        staging.chmod(0o644)
        os.replace(staging, target)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise


def max_seq_length(model_dir: Path) -> int:
    """sentence-transformers' truncation length for this model (sentence_bert_config.json)."""
    config = model_dir / "sentence_bert_config.json"
    return int(json.loads(config.read_text())["max_seq_length"]) if config.is_file() else 512


class OnnxEmbedder:
    """A sentence-transformers mean-pooling model (all-MiniLM-L6-v2) on ONNX Runtime, loaded once, lazily."""

    def __init__(self, name: str, model_dir: Path, cache_dir: Path, batch_size: int = 64) -> None:
        self.name = name
        self.model_dir = model_dir
        self.cache_dir = cache_dir
        self.batch_size = batch_size
        self._session = None
        self._tokenizer = None
        self._lock = threading.Lock()

    def _load(self) -> tuple[object, object]:
        with self._lock:
            if self._session is None:
                try:
                    self._tokenizer, self._session = self._open()
                except Exception as exc:  # tokenizers' and ONNX Runtime's errors share no narrower base
                    raise EmbedderError(f"cannot load embedder '{self.name}': {exc}") from exc
            return self._tokenizer, self._session

    def _open(self) -> tuple[object, object]:
        import onnxruntime
        from onnxruntime.capi.onnxruntime_pybind11_state import Fail, InvalidGraph, InvalidProtobuf
        from tokenizers import Tokenizer

        model_file = exported_onnx(self.name, self.model_dir, self.cache_dir)
        tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=max_seq_length(self.model_dir))
        tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        options.inter_op_num_threads = 1
        # Idle threads sleep instead of spinning: the llama.cpp servers share these cores.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            session = onnxruntime.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
        except (InvalidProtobuf, InvalidGraph, Fail) as exc:
            # A damaged cached export (a disk full mid-copy, a hand edit) is rebuilt once, not kept.
            log.warning("the cached embedder export %s is unreadable (%s); exporting it again", model_file.name, exc)
            model_file.unlink(missing_ok=True)
            model_file = exported_onnx(self.name, self.model_dir, self.cache_dir)
            session = onnxruntime.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
        return tokenizer, session

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        tokenizer, session = self._load()
        # Batches of similar lengths pad least; rows go back in the caller's order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        rows = np.zeros((len(texts), 0), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            vectors = self._pooled(tokenizer, session, [texts[i] for i in batch])
            if rows.shape[1] == 0:
                rows = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
            rows[batch] = vectors
        return normalise(rows)

    @staticmethod
    def _pooled(tokenizer: object, session: object, texts: list[str]) -> np.ndarray:
        encodings = tokenizer.encode_batch(texts)
        inputs = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        states = session.run(None, inputs)[0]
        mask = inputs["attention_mask"][..., None].astype(np.float32)
        return (states * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)


def prepare_default() -> Path:
    """Export the default embedder now (setup calls this, so no visitor waits for it)."""
    from playground.config import Settings
    from playground.knowledge.embedding import DEFAULT_EMBEDDER, packaged_minilm_path

    return exported_onnx(DEFAULT_EMBEDDER, packaged_minilm_path(), Settings.from_env().embedder_cache_dir)


if __name__ == "__main__":
    import sys

    from playground.errors import PlaygroundError

    try:
        print(f"setup: the embedder runs from {prepare_default()}")
    except PlaygroundError as exc:
        sys.exit(f"setup: error: {exc.message}")
