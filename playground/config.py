"""Settings: where things live and which models are used, read once from the environment."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playground.errors import UsageError

REPO_ROOT = Path(__file__).resolve().parent.parent

EMBEDDED_CHAT_MODEL = "local/smollm2-135m-instruct"


class SettingError(UsageError):
    """A PLAYGROUND_* variable holds a value it cannot take (a usage error: exit code 2)."""


@dataclass(frozen=True)
class Settings:
    """Paths and defaults; pass it in, never read it from a global."""

    sample_data_dir: Path = REPO_ROOT / "sample_data"
    adapters_dir: Path = REPO_ROOT / "adapters"
    cache_dir: Path = REPO_ROOT / ".cache"
    default_model: str = EMBEDDED_CHAT_MODEL
    max_tokens: int = 256
    temperature: float = 0.0
    request_timeout_s: float = 120.0
    extra_models: tuple[str, ...] = ()
    embedder: str = "all-MiniLM-L6-v2"
    max_upload_mb: float = 10.0
    chunk_size: int = 800
    chunk_overlap: int = 120
    engine_urls: tuple[str, ...] = ()  # OpenAI-compatible engine servers to use instead of an in-process one
    engine_slots: int = 4  # local requests llama.cpp decodes together (Compare's lanes, an evaluation's batch)
    engine_context: int = 8192  # tokens per slot: a RAG prompt and its answer must fit
    engine_threads: int = 0  # 0: every core
    engine_layout: str = "per-adapter"  # one llama.cpp server per adapter in use, or "shared" (one for all)
    local_quant: str = "q8_0"  # weight type local GGUFs are served in: q8_0, q4_0 or keep (see llamacpp/quantize.py)
    shared_workspace: bool = False  # True: every browser session works in one workspace (local, single user)
    workspace_idle_s: float = 3600.0  # a browser session's workspace is removed after this long idle
    workspace_max_mb: float = 500.0  # disk a browser session's workspace may use (uploads, index, adapters)
    concurrency: int = 4  # events the app runs at once (lanes stream inside one event)
    queue_max_size: int = 64  # visitors waiting beyond this are told the queue is full
    lane_timeout_s: float = 300.0  # a lane still answering after this long is stopped with a message
    retries: int = 2  # retries of a remote call after a rate limit or a transient error (with back-off)
    warm_start: bool = True  # load models, embedder, indexes and prompt prefixes as the app starts
    public: bool = False  # strangers can reach the app: visitors pick only configured models (hosting.public_mode)
    max_servers: int = 4  # llama.cpp servers this process runs at most (idle per-adapter ones close first)
    workshop_login: str = ""  # "hf": a workshop vote needs a Hugging Face login (a Space with OAuth)
    budget_usd_per_session: float | None = None  # a visitor's spending on the operator's keys (None: no cap)
    budget_usd_per_day: float | None = None  # all visitors' spending on the operator's keys in a UTC day

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build settings from PLAYGROUND_* variables, falling back to the embedded defaults."""
        env = os.environ if environ is None else environ
        defaults = cls()

        def path(name: str, default: Path) -> Path:
            return Path(env[name]).expanduser() if env.get(name) else default

        def number(name: str, default: float, kind: type = float) -> Any:
            text = env.get(name, "").strip()
            if not text:
                return default
            try:
                return kind(text)
            except ValueError:
                what = "a whole number" if kind is int else "a number"
                raise SettingError(f"{name}={text!r} is not {what}: set it to {what} or unset it") from None

        from playground.hosting import public_mode  # hosting reads SettingError from here

        extra = tuple(m.strip() for m in env.get("PLAYGROUND_MODELS", "").split(",") if m.strip())
        public = public_mode(env)
        shared = env.get("PLAYGROUND_SHARED_WORKSPACE", "").strip().lower() in ("1", "true", "yes")
        if public and shared:
            raise SettingError(
                "PLAYGROUND_SHARED_WORKSPACE=1 would give every visitor of this public app one workspace "
                "(each other's uploads, adapters and keys): unset it, or set PLAYGROUND_PUBLIC=0 on a private machine"
            )
        return cls(
            sample_data_dir=path("PLAYGROUND_SAMPLE_DATA", defaults.sample_data_dir),
            adapters_dir=path("PLAYGROUND_ADAPTERS", defaults.adapters_dir),
            cache_dir=path("PLAYGROUND_CACHE", defaults.cache_dir),
            default_model=env.get("PLAYGROUND_MODEL", defaults.default_model),
            max_tokens=number("PLAYGROUND_MAX_TOKENS", defaults.max_tokens, int),
            temperature=number("PLAYGROUND_TEMPERATURE", defaults.temperature),
            request_timeout_s=number("PLAYGROUND_TIMEOUT", defaults.request_timeout_s),
            extra_models=extra,
            embedder=env.get("PLAYGROUND_EMBEDDER", defaults.embedder),
            max_upload_mb=number("PLAYGROUND_MAX_UPLOAD_MB", defaults.max_upload_mb),
            chunk_size=number("PLAYGROUND_CHUNK_SIZE", defaults.chunk_size, int),
            chunk_overlap=number("PLAYGROUND_CHUNK_OVERLAP", defaults.chunk_overlap, int),
            engine_urls=tuple(u.strip() for u in env.get("PLAYGROUND_ENGINE_URLS", "").split(",") if u.strip()),
            engine_slots=number("PLAYGROUND_ENGINE_SLOTS", defaults.engine_slots, int),
            engine_context=number("PLAYGROUND_ENGINE_CONTEXT", defaults.engine_context, int),
            engine_threads=number("PLAYGROUND_ENGINE_THREADS", defaults.engine_threads, int),
            engine_layout=env.get("PLAYGROUND_ENGINE_LAYOUT", defaults.engine_layout),
            local_quant=_quant(env.get("PLAYGROUND_LOCAL_QUANT", "")) or defaults.local_quant,
            shared_workspace=shared,
            workspace_idle_s=number("PLAYGROUND_WORKSPACE_IDLE_S", defaults.workspace_idle_s),
            workspace_max_mb=number("PLAYGROUND_WORKSPACE_MAX_MB", defaults.workspace_max_mb),
            concurrency=number("PLAYGROUND_CONCURRENCY", defaults.concurrency, int),
            queue_max_size=number("PLAYGROUND_QUEUE_MAX", defaults.queue_max_size, int),
            retries=number("PLAYGROUND_RETRIES", defaults.retries, int),
            lane_timeout_s=number("PLAYGROUND_LANE_TIMEOUT", defaults.lane_timeout_s),
            warm_start=env.get("PLAYGROUND_WARM_START", "").strip().lower() not in ("0", "false", "no"),
            public=public,
            max_servers=_at_least_one(
                "PLAYGROUND_MAX_SERVERS", number("PLAYGROUND_MAX_SERVERS", defaults.max_servers, int)
            ),
            workshop_login=_workshop_login(env.get("PLAYGROUND_WORKSHOP_LOGIN", "")),
            budget_usd_per_session=_dollars("PLAYGROUND_BUDGET_USD_PER_SESSION", number),
            budget_usd_per_day=_dollars("PLAYGROUND_BUDGET_USD_PER_DAY", number),
        )

    @property
    def workspaces_dir(self) -> Path:
        """Per-visitor copies of knowledge bases and their indexes (the shipped data stays read-only)."""
        return self.cache_dir / "workspaces"

    @property
    def models_cache_dir(self) -> Path:
        """Converted local model folders (the GGUF is converted once, for training, then loaded from here)."""
        return self.cache_dir / "models"

    @property
    def served_gguf_dir(self) -> Path:
        """Copies of local GGUF files in a weight type with fast CPU kernels (made once, see local_quant)."""
        return self.cache_dir / "gguf"

    @property
    def embedder_cache_dir(self) -> Path:
        """The default embedder exported to ONNX (made once, see knowledge/onnx_embedder.py)."""
        return self.cache_dir / "embedder"

    @property
    def identity_key_file(self) -> Path:
        """The server secret that signs visitors' ids (made once; delete it to void every id)."""
        return self.cache_dir / "identity.key"

    @property
    def budget_dir(self) -> Path:
        """Each UTC day's spending on the operator's keys (kept across restarts)."""
        return self.cache_dir / "budget"

    @property
    def lora_cache_dir(self) -> Path:
        """GGUF LoRA conversions of adapters whose own folder is read-only."""
        return self.cache_dir / "lora-gguf"


def _at_least_one(name: str, value: int) -> int:
    """A count that must be 1 or more (a cap of 0 would refuse everything): one clear error otherwise."""
    if value < 1:
        raise SettingError(f"{name}={value} must be at least 1: set a whole number from 1 or unset it")
    return value


def _dollars(name: str, number: Callable[[str, Any], Any]) -> float | None:
    """A budget in US dollars: unset is no cap; a finite amount of 0 or more (0 spends nothing)."""
    value = number(name, None)
    if value is not None and not (math.isfinite(value) and value >= 0):
        raise SettingError(f"{name}={value} must be an amount in US dollars of 0 or more: set one or unset it")
    return value


def _workshop_login(text: str) -> str:
    """PLAYGROUND_WORKSHOP_LOGIN: empty (or "none") lets any browser vote; "hf" needs a Hugging Face login."""
    choice = text.strip().lower()
    if choice in ("", "none", "0", "off"):
        return ""
    if choice != "hf":
        raise SettingError(f"PLAYGROUND_WORKSHOP_LOGIN={text!r} is not 'hf': set it to hf or unset it")
    return choice


def _quant(text: str) -> str:
    """PLAYGROUND_LOCAL_QUANT, lower-cased; empty keeps the default; anything unknown is one clear error."""
    from playground.llamacpp.quantize import QUANTS

    choice = text.strip().lower()
    if choice and choice not in QUANTS:
        raise SettingError(f"PLAYGROUND_LOCAL_QUANT={text!r} is not one of {', '.join(QUANTS)}: set one or unset it")
    return choice
