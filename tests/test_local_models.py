"""Local model names and the fair generation lock (no weights loaded here)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from playground.local_models import (
    EMBEDDED_ALIAS,
    FairLock,
    LocalEngine,
    LocalModelError,
    check_local_name,
    embedded_gguf_file,
)
from playground.records import Usage


def test_embedded_gguf_ships_in_its_package() -> None:
    gguf = embedded_gguf_file()
    assert gguf.suffix == ".gguf" and gguf.stat().st_size > 50_000_000


@pytest.mark.parametrize("name", [EMBEDDED_ALIAS, "HuggingFaceTB/SmolLM2-360M-Instruct"])
def test_alias_and_hub_ids_are_accepted(name: str) -> None:
    check_local_name(name)


def test_existing_folder_is_accepted(tmp_path: Path) -> None:
    check_local_name(str(tmp_path))


@pytest.mark.parametrize("name", ["", "no-such-model", "../../etc/passwd", "/no/such/folder", "a/b/c"])
def test_other_names_are_refused(name: str) -> None:
    with pytest.raises(LocalModelError, match="unknown local model"):
        check_local_name(name)


def test_fair_lock_serves_waiters_in_arrival_order() -> None:
    lock, order = FairLock(), []
    lock.__enter__()  # hold it while the waiters queue up
    threads = []
    for i in range(5):
        thread = threading.Thread(target=lambda i=i: (lock.__enter__(), order.append(i), lock.__exit__()))
        thread.start()
        threads.append(thread)
        time.sleep(0.05)  # let each one take its ticket before the next arrives
    lock.__exit__()
    for thread in threads:
        thread.join(timeout=5)
    assert order == [0, 1, 2, 3, 4]


class _BatchRecorder:
    """Stands in for the model: records each batch it is asked to generate."""

    def __init__(self, fail: bool = False) -> None:
        self.batches: list[list[str]] = []
        self.max_tokens: list[set[int]] = []
        self.fail = fail

    def __call__(self, batch: list) -> list:
        self.batches.append([r.messages[-1]["content"] for r in batch])
        self.max_tokens.append({r.max_tokens for r in batch})
        time.sleep(0.05)
        if self.fail:
            raise RuntimeError("out of memory")
        return [(f"re: {r.messages[-1]['content']}", Usage(3, 2)) for r in batch]


def _burst(engine: LocalEngine, count: int, gap_s: float, **kwargs: object) -> list:
    results: list = [None] * count

    def ask(i: int) -> None:
        try:
            results[i] = engine.complete([{"role": "user", "content": f"q{i}"}], **kwargs)
        except LocalModelError as exc:
            results[i] = exc

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
        time.sleep(gap_s)
    for thread in threads:
        thread.join()
    return results


def test_a_burst_of_requests_is_served_as_one_batch(tmp_path: Path) -> None:
    engine = LocalEngine("fake", tmp_path, max_batch=16)
    engine._generate_padded = recorder = _BatchRecorder()
    results = _burst(engine, 12, gap_s=0.01)
    assert results == [(f"re: q{i}", Usage(3, 2)) for i in range(12)]  # each caller gets its own answer
    assert len(recorder.batches[0]) == 12, "requests arriving close together wait for each other"
    assert engine.batch_sizes == [12]


def test_batches_hold_at_most_max_batch_and_only_like_settings(tmp_path: Path) -> None:
    engine = LocalEngine("fake", tmp_path, max_batch=4)
    engine._generate_padded = recorder = _BatchRecorder()
    _burst(engine, 10, gap_s=0.0)
    assert max(len(b) for b in recorder.batches) <= 4 and sum(len(b) for b in recorder.batches) == 10
    mixed = LocalEngine("fake", tmp_path)
    mixed._generate_padded = recorder = _BatchRecorder()
    threads = [
        threading.Thread(target=mixed.complete, args=([{"role": "user", "content": "a"}],), kwargs={"max_tokens": n})
        for n in (8, 16, 8, 16)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(mixed.batch_sizes) == 4 and all(len(tokens) == 1 for tokens in recorder.max_tokens)


def test_a_failed_batch_fails_each_of_its_callers_clearly(tmp_path: Path) -> None:
    engine = LocalEngine("fake", tmp_path)
    engine._generate_padded = _BatchRecorder(fail=True)
    results = _burst(engine, 3, gap_s=0.0)
    assert all(isinstance(r, LocalModelError) and "out of memory" in str(r) for r in results)
