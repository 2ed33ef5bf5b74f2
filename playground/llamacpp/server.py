"""One llama.cpp server in this process (xllamacpp), listening on loopback with the OpenAI API.

The server holds a GGUF model and every known LoRA adapter, all at scale 0 (a request without an
explicit list would otherwise get them all stacked). Adapters cannot be added to a running
server, so `restart` starts a new one on the same port once the requests in flight have finished;
requests that arrive meanwhile wait for it (well under a second).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"


class ServerStartError(RuntimeError):
    """The llama.cpp server could not load the model or listen."""


@dataclass(frozen=True)
class ServerConfig:
    """What a server is started with; equal configs mean no restart is needed."""

    model: Path
    adapters: tuple[Path, ...] = ()  # GGUF LoRA files; a request names them by position (id)
    slots: int = 4  # requests decoded together (continuous batching)
    context_per_slot: int = 8192  # n_ctx is divided among the slots
    threads: int = 0  # 0: every core of this machine
    host: str = LOOPBACK
    port: int = 0  # 0: any free port
    batch: int = 2048
    ubatch: int = 512


def _params(config: ServerConfig) -> Any:
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(config.model)
    params.n_parallel = config.slots
    params.n_ctx = config.slots * config.context_per_slot
    threads = config.threads or os.cpu_count() or 1
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.n_batch, params.n_ubatch = config.batch, config.ubatch
    params.hostnames = [config.host]
    params.port = config.port
    params.verbosity = 0
    # The RAM prompt cache does not record the LoRA scales its tokens were computed under, so a
    # prefix reused across adapters would give subtly wrong logits: keep only per-slot caching.
    params.cache_ram_mib = 0
    params.cache_prompt = True
    params.lora_adapters = [xllamacpp.CommonAdapterLoraInfo(str(path), 0.0) for path in config.adapters]
    return params


class LlamaServer:
    """A started xllamacpp.Server plus the bookkeeping to restart it safely."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self._server: Any = None
        self._address: str | None = None
        self._cond = threading.Condition()
        self._in_flight = 0
        self._restarting = False
        self.starts: list[float] = []  # seconds each start took, for benchmarks and tests

    @property
    def address(self) -> str:
        """http://127.0.0.1:PORT, starting the server on first use."""
        with self._cond:
            if self._server is None:
                self._start(self.config)
            assert self._address is not None
            return self._address

    def _start(self, config: ServerConfig) -> None:
        import xllamacpp

        started = time.perf_counter()
        try:
            self._server = xllamacpp.Server(_params(config))
        except Exception as exc:
            raise ServerStartError(f"llama.cpp could not start on {config.model.name}: {exc}") from exc
        self._address = self._server.listening_address.rstrip("/")
        self.config = replace(config, port=int(self._address.rsplit(":", 1)[1]))
        self.starts.append(time.perf_counter() - started)
        log.info("llama.cpp serving %s at %s (%.2f s)", config.model.name, self._address, self.starts[-1])

    @contextmanager
    def in_flight(self) -> Iterator[str]:
        """Hold the server for one request (a restart waits for it); yields its address."""
        address = self.address
        with self._cond:
            self._cond.wait_for(lambda: not self._restarting)
            self._in_flight += 1
            address = self._address or address
        try:
            yield address
        finally:
            with self._cond:
                self._in_flight -= 1
                self._cond.notify_all()

    def restart(self, adapters: tuple[Path, ...]) -> None:
        """Serve these adapters from now on: new requests wait, running ones finish, then restart."""
        with self._cond:
            if self._server is None:
                self.config = replace(self.config, adapters=adapters)
                return
            self._restarting = True
            try:
                self._cond.wait_for(lambda: self._in_flight == 0)
                self._server = None  # frees the model and the port before the new one binds it
                self._start(replace(self.config, adapters=adapters))
            finally:
                self._restarting = False
                self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._server = None
            self._address = None
