"""GGUF models served by llama.cpp: in this process, or on engine servers named by URL.

Either way a model configuration (a base, or a base with one LoRA adapter) becomes a `Target`:
the OpenAI-compatible deployments that serve it, each with the request fields llama.cpp needs
(the full, explicit list of adapter scales). The gateway sends the request through litellm, to
one deployment directly or, when there are several, through litellm's Router.

In-process servers are counted by a `ServerPool` (PLAYGROUND_MAX_SERVERS): a new one past the cap
first closes the least recently used idle per-adapter server; a server answering is never closed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from playground.config import Settings
from playground.llamacpp.http import EngineUnreachableError, get_json, post_json
from playground.llamacpp.lora_gguf import LoraConversionError, gguf_lora_for
from playground.llamacpp.quantize import DEFAULT_QUANT, QuantError, served_gguf
from playground.llamacpp.server import LlamaServer, ServerConfig, ServerStartError
from playground.local_models import EMBEDDED_ALIAS, LocalModelError, embedded_gguf_file
from playground.model_ref import ModelRef

log = logging.getLogger(__name__)

SHARED, PER_ADAPTER = "shared", "per-adapter"
LAYOUTS = (SHARED, PER_ADAPTER)  # one server for every adapter, or one server per adapter in use
NO_KEY = "none"  # llama.cpp and most self-hosted servers need no key; litellm's OpenAI route wants one


@dataclass(frozen=True)
class Deployment:
    """One OpenAI-compatible endpoint serving a model configuration."""

    model: str  # litellm model string, "openai/<name the server knows>"
    api_base: str  # http://host:port/v1
    extra_body: dict[str, Any] = field(default_factory=dict)  # llama.cpp's own fields, e.g. "lora"

    def litellm_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"model": self.model, "api_base": self.api_base, "api_key": NO_KEY}
        if self.extra_body:
            params["extra_body"] = self.extra_body
        return params


@dataclass(frozen=True)
class Target:
    """Where requests for one configuration go: a name for the group and its deployments."""

    group: str
    deployments: tuple[Deployment, ...]


class ServedModel(Protocol):
    """A GGUF base model reachable through llama.cpp's OpenAI-compatible API."""

    def load(self, adapter: Path | None = None) -> None: ...

    def target(self, adapter: Path | None) -> AbstractContextManager[Target]: ...

    def count_tokens(self, messages: list[dict[str, str]]) -> int | None: ...

    def context_window(self) -> int | None: ...


def scale_list(count: int, chosen_id: int | None) -> list[dict[str, float]]:
    """Every adapter's scale, explicitly: 1.0 for the chosen id, 0.0 for the rest.

    llama.cpp applies a request without a list at start-up scales and ignores unknown ids, so the
    whole list is always sent.
    """
    return [{"id": i, "scale": 1.0 if i == chosen_id else 0.0} for i in range(count)]


def lora_scales(adapter_files: tuple[Path, ...], chosen: Path | None) -> list[dict[str, float]]:
    """The scale list for a server started with these adapter files, the chosen one switched on."""
    chosen_id = adapter_files.index(chosen) if chosen in adapter_files else None
    return scale_list(len(adapter_files), chosen_id)


def count_prompt_tokens(base_url: str, messages: list[dict[str, str]]) -> int:
    """Prompt tokens with the server's own chat template and tokenizer (two loopback calls)."""
    prompt = post_json(f"{base_url}/apply-template", {"messages": messages})["prompt"]
    tokens = post_json(f"{base_url}/tokenize", {"content": prompt, "add_special": False, "parse_special": True})
    return len(tokens["tokens"])


class ServerLimitError(LocalModelError):
    """Every llama.cpp server the cap allows is answering (PLAYGROUND_MAX_SERVERS); one line."""


@dataclass
class _Entry:
    """One counted server: whether it may be closed, what to forget when it is, and its use."""

    closable: bool
    on_close: Callable[[], None]
    folder: Path | None  # a per-adapter server's adapter folder
    users: int = 0
    last_used: float = field(default_factory=time.monotonic)
    doomed: bool = False  # its workspace went while it answered: closed when the answer ends


class ServerPool:
    """The llama.cpp servers of one process, at most `limit` of them.

    Base servers count but stay; per-adapter servers are closable: when a new server would pass the
    cap, the least recently used idle one is closed first. One in use (held between `acquire` and
    `release`) is never closed; with all of them busy, the new one is refused with one line.
    """

    def __init__(self, limit: int = 4) -> None:
        self.limit = limit
        self._entries: dict[int, tuple[LlamaServer, _Entry]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def admit(
        self,
        server: LlamaServer,
        *,
        closable: bool,
        on_close: Callable[[], None] = lambda: None,
        folder: Path | None = None,
        hold: bool = False,
    ) -> None:
        """Count a new server, closing an idle per-adapter one first when at the cap (held at once if `hold`)."""
        with self._lock:
            while len(self._entries) >= self.limit:
                idle = [(e.last_used, key) for key, (_, e) in self._entries.items() if e.closable and e.users == 0]
                if not idle:
                    raise ServerLimitError(
                        f"all {self.limit} llama.cpp servers are answering (PLAYGROUND_MAX_SERVERS={self.limit}): "
                        "try again when an answer finishes; the operator can raise PLAYGROUND_MAX_SERVERS"
                    )
                self._close(min(idle)[1])
            self._entries[id(server)] = (server, _Entry(closable, on_close, folder, users=1 if hold else 0))

    def acquire(self, server: LlamaServer) -> bool:
        """Hold a counted server for one answer; False when it was closed meanwhile (look it up again)."""
        with self._lock:
            found = self._entries.get(id(server))
            if found is None or found[0] is not server or found[1].doomed:
                return False
            found[1].users += 1
            return True

    def release(self, server: LlamaServer) -> None:
        """The answer is done: the server is idle again (and closed if its workspace went meanwhile)."""
        with self._lock:
            found = self._entries.get(id(server))
            if found is None or found[0] is not server:
                return
            entry = found[1]
            entry.users = max(0, entry.users - 1)
            entry.last_used = time.monotonic()
            if entry.doomed and entry.users == 0:
                self._close(id(server))

    def close_under(self, folder: Path) -> int:
        """Close the servers of the adapters in this folder (a workspace going); a busy one after its answer."""
        root = folder.resolve()
        closed = 0
        with self._lock:
            for key, (_, entry) in list(self._entries.items()):
                if entry.folder is None or not entry.folder.is_relative_to(root):
                    continue
                if entry.users:
                    entry.doomed = True
                else:
                    self._close(key)
                    closed += 1
        return closed

    def _close(self, key: int) -> None:
        server, entry = self._entries.pop(key)
        entry.on_close()
        server.close()
        log.info("closed the idle llama.cpp server for %s", entry.folder.name if entry.folder else "a base model")


class InProcessModel:
    """One GGUF file on a llama.cpp server in this process, with every adapter registered so far."""

    def __init__(
        self,
        name: str,
        gguf: Path,
        config: ServerConfig,
        conversions_dir: Path,
        known_adapters: Callable[[], list[Path]] = list,
        layout: str = SHARED,
        pool: ServerPool | None = None,
    ) -> None:
        if layout not in LAYOUTS:
            raise LocalModelError(f"unknown engine layout '{layout}'; use one of {', '.join(LAYOUTS)}")
        self.name = name
        self.gguf = gguf
        self.layout = layout
        self.server = LlamaServer(replace(config, model=gguf))
        self.conversions_dir = conversions_dir
        self.known_adapters = known_adapters
        # A model on its own (serve-model, tests) has no cap; ServedModels passes the process's pool.
        self.pool = pool if pool is not None else ServerPool(limit=1_000_000)
        self._converted: dict[tuple[Path, float], Path] = {}  # (adapter folder, weights mtime) -> GGUF LoRA
        self._adapter_servers: dict[Path, LlamaServer] = {}  # per-adapter layout: one server per adapter
        self._lock = threading.Lock()
        self._loaded = False

    def load(self, adapter: Path | None = None) -> None:
        """Start the server with every known adapter (converted once, cached beside each).

        With an adapter, also make sure its server is up (per-adapter layout: its own).
        """
        if adapter is not None:
            server, _ = self.register(adapter, hold=True)  # held: the pool cannot close it while it starts
            try:
                server.address  # noqa: B018 - starts it now, not on the first question
            finally:
                self.pool.release(server)
            return
        with self._lock:
            if not self._loaded:
                files = [self._convert(folder) for folder in self.known_adapters()]
                if self.layout == SHARED:
                    self.server.restart(tuple(dict.fromkeys(files)))
                try:
                    self.server.address  # noqa: B018 - starts the server now, not on the first question
                except ServerStartError as exc:
                    raise LocalModelError(str(exc)) from exc
                self._loaded = True

    def _convert(self, folder: Path) -> Path:
        weights = folder / "adapter_model.safetensors"
        if not weights.exists():
            raise LocalModelError(f"no LoRA adapter at {folder}")
        key = (folder.resolve(), weights.stat().st_mtime)
        if key not in self._converted:
            try:
                self._converted[key] = gguf_lora_for(folder, self.gguf, self.conversions_dir)
            except LoraConversionError as exc:
                raise LocalModelError(f"adapter {folder.name}: {exc}") from exc
        return self._converted[key]

    def register(self, folder: Path, hold: bool = False) -> tuple[LlamaServer, Path]:
        """The server for this adapter and its GGUF LoRA.

        Shared layout: the one server, restarted (after the requests in flight) if the adapter is
        new. Per-adapter layout: the adapter's own server, started on first use and counted by the
        pool (which may close an idle one to make room); with `hold` it stays held for the caller,
        who must `pool.release` it.
        """
        self.load()
        while True:
            with self._lock:
                lora = self._convert(folder)
                if self.layout != PER_ADAPTER:
                    if lora not in self.server.config.adapters:
                        self.server.restart((*self.server.config.adapters, lora))
                    return self.server, lora
                server = self._adapter_servers.get(lora)
                if server is None:
                    server = LlamaServer(replace(self.server.config, adapters=(lora,), port=0))
                    self.pool.admit(
                        server, closable=True, on_close=self._forget(lora, server), folder=folder.resolve(), hold=hold
                    )
                    self._adapter_servers[lora] = server
                    return server, lora
            if not hold or self.pool.acquire(server):
                return server, lora
            # closed by the pool between the lookup and the hold: look it up (and start it) again

    def _forget(self, lora: Path, server: LlamaServer) -> Callable[[], None]:
        """What the pool calls when it closes this adapter's server: the next answer starts a new one."""

        def forget() -> None:
            if self._adapter_servers.get(lora) is server:  # no lock: the pool may call this from any model
                self._adapter_servers.pop(lora, None)

        return forget

    @contextmanager
    def target(self, adapter: Path | None) -> Iterator[Target]:
        if adapter is None:
            self.load()
            server, lora = self.server, None
        else:
            server, lora = self.register(adapter, hold=True)
        try:
            with server.in_flight() as address:
                scales = lora_scales(server.config.adapters, lora)
                deployment = Deployment(f"openai/{self.name}", f"{address}/v1", {"lora": scales})
                yield Target(str(ModelRef(self.name, adapter_name=adapter.name if adapter else None)), (deployment,))
        finally:
            self.pool.release(server)

    def count_tokens(self, messages: list[dict[str, str]]) -> int | None:
        self.load()
        try:
            return count_prompt_tokens(self.server.address, messages)
        except EngineUnreachableError as exc:
            raise LocalModelError(str(exc)) from exc

    def context_window(self) -> int | None:
        return self.server.config.context_per_slot

    def close(self) -> None:
        for server in (self.server, *self._adapter_servers.values()):
            server.close()


@dataclass(frozen=True)
class EngineInfo:
    """What one engine URL serves: its model name and, for llama.cpp, its adapters' ids by name."""

    url: str
    model: str
    llama_cpp: bool
    adapters: dict[str, int]  # adapter name -> id (llama.cpp), or -1 (a server that names them as models)
    adapter_count: int = 0
    context_per_slot: int | None = None


def describe_engine(url: str) -> EngineInfo:
    """Ask an OpenAI-compatible server what it serves (llama.cpp's /lora-adapters when it has it)."""
    url = url.rstrip("/").removesuffix("/v1")
    models = [item["id"] for item in get_json(f"{url}/v1/models").get("data", [])]
    if not models:
        raise EngineUnreachableError(f"{url} serves no model")
    try:
        loras = get_json(f"{url}/lora-adapters")
    except EngineUnreachableError:  # vLLM, SGLang, …: LoRA modules are listed as models
        return EngineInfo(url, models[0], False, {name: -1 for name in models[1:]})
    names = {Path(item["path"]).parent.name: int(item["id"]) for item in loras}
    context = get_json(f"{url}/props").get("default_generation_settings", {}).get("n_ctx")
    return EngineInfo(url, models[0], True, names, len(loras), context)


class RemoteEngines:
    """Engine servers named in PLAYGROUND_ENGINE_URLS, balanced by litellm's Router."""

    def __init__(self, urls: tuple[str, ...]) -> None:
        self.urls = urls
        self._engines: list[EngineInfo] | None = None
        self._lock = threading.Lock()

    def load(self, adapter: Path | None = None) -> None:
        self._discover(force=False)

    def engines(self) -> list[EngineInfo]:
        """What each engine server serves (asked once; LocalModelError when none answers)."""
        return self._discover(force=False)

    def _discover(self, force: bool) -> list[EngineInfo]:
        with self._lock:
            if self._engines is None or force:
                found, failures = [], []
                for url in self.urls:
                    try:
                        found.append(describe_engine(url))
                    except EngineUnreachableError as exc:
                        failures.append(str(exc))
                if not found:
                    raise LocalModelError("no engine server answered: " + "; ".join(failures))
                self._engines = found
            return self._engines

    def _deployment(self, engine: EngineInfo, adapter: str | None) -> Deployment | None:
        api_base = f"{engine.url}/v1"
        if adapter is not None and adapter not in engine.adapters:
            return None
        if not engine.llama_cpp:
            return Deployment(f"openai/{adapter or engine.model}", api_base)
        chosen = engine.adapters.get(adapter) if adapter else None
        return Deployment(f"openai/{engine.model}", api_base, {"lora": scale_list(engine.adapter_count, chosen)})

    @contextmanager
    def target(self, adapter: Path | None) -> Iterator[Target]:
        name = adapter.name if adapter is not None else None
        for force in (False, True):  # an adapter trained since: ask the servers again
            engines = self._discover(force)
            deployments = tuple(d for e in engines if (d := self._deployment(e, name)) is not None)
            if deployments:
                yield Target(f"engine::{name or 'base'}", deployments)
                return
        known = sorted({n for e in engines for n in e.adapters})
        raise LocalModelError(f"no engine server has adapter '{name}'; they serve: {', '.join(known) or 'no adapters'}")

    def count_tokens(self, messages: list[dict[str, str]]) -> int | None:
        for engine in self._discover(force=False):
            if engine.llama_cpp:
                try:
                    return count_prompt_tokens(engine.url, messages)
                except EngineUnreachableError:
                    continue
        return None

    def context_window(self) -> int | None:
        windows = [e.context_per_slot for e in self._discover(force=False) if e.context_per_slot]
        return min(windows) if windows else None


def is_gguf_name(name: str) -> bool:
    """The embedded alias or a path to a .gguf file: names llama.cpp serves."""
    return name == EMBEDDED_ALIAS or name.endswith(".gguf")


def gguf_file(name: str) -> Path:
    """The GGUF file behind a served name."""
    if name == EMBEDDED_ALIAS:
        return embedded_gguf_file()
    path = Path(name).expanduser()
    if not path.is_file():
        raise LocalModelError(f"no GGUF file at {name}")
    return path


def served_file(name: str, quant: str, copies_dir: Path) -> Path:
    """The file llama.cpp serves for this name: the GGUF itself, or its copy in a fast weight type."""
    try:
        return served_gguf(gguf_file(name), quant, copies_dir)
    except QuantError as exc:
        raise LocalModelError(str(exc)) from exc


class ServedModels:
    """The llama.cpp-served models of one process: in-process servers, or the engine URLs given."""

    def __init__(
        self,
        config: ServerConfig,
        conversions_dir: Path,
        known_adapters: Callable[[str], list[Path]] = lambda name: [],
        engine_urls: tuple[str, ...] = (),
        layout: str = SHARED,
        quant: str = DEFAULT_QUANT,
        copies_dir: Path | None = None,
        max_servers: int = 4,
    ) -> None:
        self.config = config
        self.layout = layout
        self.quant = quant
        # Converted copies are shared by default (one per clone): converting takes ~15 s.
        self.copies_dir = copies_dir or Settings().served_gguf_dir
        self.conversions_dir = conversions_dir
        self.known_adapters = known_adapters
        self.remote = RemoteEngines(engine_urls) if engine_urls else None
        self._models: dict[str, InProcessModel] = {}
        self._lock = threading.Lock()
        self.pool = ServerPool(max_servers)

    def serves(self, name: str) -> bool:
        return is_gguf_name(name)

    def engine_models(self) -> list[str]:
        """The GGUF model names the engine URLs serve (none without engine URLs, or when none answers)."""
        if self.remote is None:
            return []
        try:
            return [e.model for e in self.remote.engines() if self.serves(e.model)]
        except (LocalModelError, EngineUnreachableError):
            return []

    def close_under(self, folder: Path) -> int:
        """Close the per-adapter servers of the adapters in this folder (a workspace being removed)."""
        return self.pool.close_under(folder)

    def get(self, name: str) -> ServedModel:
        if self.remote is not None:
            return self.remote
        with self._lock:
            if name not in self._models:
                model_name = EMBEDDED_ALIAS if name == EMBEDDED_ALIAS else Path(name).stem
                model = InProcessModel(
                    model_name,
                    self.served_file(name),
                    self.config,
                    self.conversions_dir,
                    lambda: self.known_adapters(name),
                    self.layout,
                    self.pool,
                )
                self.pool.admit(model.server, closable=False)  # a base model's server stays once started
                self._models[name] = model
            return self._models[name]

    def served_file(self, name: str) -> Path:
        return served_file(name, self.quant, self.copies_dir)

    def close(self) -> None:
        for model in self._models.values():
            model.close()
