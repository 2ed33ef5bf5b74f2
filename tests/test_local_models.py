"""Local model names and the fair generation lock (no weights loaded here)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from playground.local_models import EMBEDDED_ALIAS, FairLock, LocalModelError, check_local_name, embedded_gguf_file


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
