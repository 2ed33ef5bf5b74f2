"""The cap on llama.cpp servers: idle per-adapter servers close least recently used first, busy ones never."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from playground.llamacpp.served import PER_ADAPTER, InProcessModel, ServerLimitError, ServerPool
from playground.llamacpp.server import LlamaServer, ServerConfig


class CountingServer(LlamaServer):
    """A LlamaServer that never starts xllamacpp: it only records that it was closed."""

    def __init__(self, name: str) -> None:
        super().__init__(ServerConfig(model=Path(f"{name}.gguf")))
        self.closed = 0

    def close(self) -> None:
        self.closed += 1
        super().close()


def test_past_the_cap_the_least_recently_used_idle_adapter_server_closes() -> None:
    pool = ServerPool(limit=3)
    base, a, b, c = (CountingServer(n) for n in ("base", "a", "b", "c"))
    forgotten: list[str] = []
    pool.admit(base, closable=False)
    pool.admit(a, closable=True, on_close=lambda: forgotten.append("a"))
    time.sleep(0.01)
    pool.admit(b, closable=True, on_close=lambda: forgotten.append("b"))
    assert pool.acquire(a)  # a answers again: b is now the least recently used
    pool.release(a)
    pool.admit(c, closable=True)
    assert (b.closed, a.closed, base.closed) == (1, 0, 0) and forgotten == ["b"] and len(pool) == 3
    assert not pool.acquire(b), "a closed server is not handed out again"


def test_a_busy_server_is_never_closed_and_a_full_busy_pool_refuses_with_the_setting() -> None:
    pool = ServerPool(limit=2)
    a, b, c = (CountingServer(n) for n in "abc")
    pool.admit(a, closable=True, hold=True)
    pool.admit(b, closable=True)
    assert pool.acquire(b)
    with pytest.raises(ServerLimitError) as caught:
        pool.admit(c, closable=True)
    assert "PLAYGROUND_MAX_SERVERS=2" in caught.value.message and "\n" not in caught.value.message
    assert a.closed == b.closed == 0 and len(pool) == 2
    pool.release(b)
    pool.admit(c, closable=True)
    assert b.closed == 1 and a.closed == 0


def test_base_servers_count_but_are_not_closed() -> None:
    pool = ServerPool(limit=1)
    pool.admit(CountingServer("base"), closable=False)
    with pytest.raises(ServerLimitError):
        pool.admit(CountingServer("adapter"), closable=True)


def test_a_workspace_going_closes_its_adapters_servers_busy_ones_after_their_answer(tmp_path: Path) -> None:
    pool = ServerPool(limit=4)
    idle, busy, other = (CountingServer(n) for n in ("idle", "busy", "other"))
    workspace = tmp_path / "workspaces" / "visitor"
    pool.admit(idle, closable=True, folder=workspace / "adapters" / "one")
    pool.admit(busy, closable=True, folder=workspace / "adapters" / "two", hold=True)
    pool.admit(other, closable=True, folder=tmp_path / "adapters" / "shipped")
    assert pool.close_under(workspace) == 1
    assert (idle.closed, busy.closed, other.closed) == (1, 0, 0)
    assert not pool.acquire(busy), "a doomed server takes no new answers"
    pool.release(busy)
    assert busy.closed == 1 and len(pool) == 1


def test_a_model_with_per_adapter_servers_stays_within_the_cap(tmp_path: Path, monkeypatch) -> None:
    pool = ServerPool(limit=2)
    model = InProcessModel(
        "base", tmp_path / "base.gguf", ServerConfig(Path()), tmp_path, layout=PER_ADAPTER, pool=pool
    )
    monkeypatch.setattr(model, "load", lambda adapter=None: None)  # no real llama.cpp here
    monkeypatch.setattr(model, "_convert", lambda folder: folder / "lora.gguf")
    first, _ = model.register(tmp_path / "one", hold=True)  # answering
    second, _ = model.register(tmp_path / "two")  # started, idle
    model.register(tmp_path / "three", hold=True)
    assert len(pool) == 2 and set(model._adapter_servers) == {tmp_path / n / "lora.gguf" for n in ("one", "three")}
    assert second._server is None and first is not second
    with pytest.raises(ServerLimitError):
        model.register(tmp_path / "four")  # both left are answering
    pool.release(first)
    model.register(tmp_path / "four")
    assert tmp_path / "one" / "lora.gguf" not in model._adapter_servers
    again, _ = model.register(tmp_path / "one", hold=True)
    assert again is not first, "a closed adapter's server is started afresh on its next answer"


def test_served_models_count_each_base_models_server(tmp_path: Path) -> None:
    from playground.llamacpp.served import ServedModels

    for name in ("one", "two"):
        (tmp_path / f"{name}.gguf").write_bytes(b"GGUF")
    served = ServedModels(ServerConfig(Path()), tmp_path / "lora", quant="keep", copies_dir=tmp_path, max_servers=1)
    served.get(str(tmp_path / "one.gguf"))
    served.get(str(tmp_path / "one.gguf"))  # the same model: no second server
    assert len(served.pool) == 1
    with pytest.raises(ServerLimitError, match="PLAYGROUND_MAX_SERVERS=1"):
        served.get(str(tmp_path / "two.gguf"))
