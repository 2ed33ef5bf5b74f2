"""Run `python app.py` as a child process on a free loopback port: the load script's and the browser tests' app.

The child gets the caller's environment plus loopback host and port, no analytics and an offline
hub, plus whatever the caller adds. `start_app` returns once the page is served; a child that exits
or never serves raises AppStartError with the end of its log.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from playground.config import REPO_ROOT

LOOPBACK = "127.0.0.1"
LOG_TAIL_CHARS = 3000


class AppStartError(RuntimeError):
    """app.py exited, or did not serve its page in time."""


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def _log_tail(log_file: Path) -> str:
    return log_file.read_text(errors="replace")[-LOG_TAIL_CHARS:] if log_file.is_file() else ""


def start_app(
    port: int, log_file: Path, environment: Mapping[str, str] | None = None, timeout_s: float = 300.0
) -> subprocess.Popen:
    """`python app.py` on this loopback port with these extra variables; returns once the page is served."""
    env = os.environ | {
        "GRADIO_SERVER_NAME": LOOPBACK,
        "GRADIO_SERVER_PORT": str(port),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HF_HUB_OFFLINE": "1",
        **(environment or {}),
    }
    with log_file.open("wb") as log:
        app = subprocess.Popen([sys.executable, "app.py"], cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://{LOOPBACK}:{port}/"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if app.poll() is not None:
            raise AppStartError(f"app.py exited with code {app.returncode} (log: {log_file}):\n{_log_tail(log_file)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return app
        except OSError:
            time.sleep(0.5)
    stop_app(app)
    raise AppStartError(
        f"app.py did not serve its page within {timeout_s:.0f} s (log: {log_file}):\n{_log_tail(log_file)}"
    )


def stop_app(app: subprocess.Popen) -> None:
    """Ask the app to stop; kill it if it has not within 30 s."""
    app.terminate()
    try:
        app.wait(timeout=30)
    except subprocess.TimeoutExpired:
        app.kill()
        app.wait(timeout=10)


@contextmanager
def running_app(
    log_file: Path, environment: Mapping[str, str] | None = None, timeout_s: float = 300.0
) -> Iterator[str]:
    """The app on a free loopback port while the block runs; its URL."""
    port = free_port()
    app = start_app(port, log_file, environment, timeout_s)
    try:
        yield f"http://{LOOPBACK}:{port}/"
    finally:
        stop_app(app)
