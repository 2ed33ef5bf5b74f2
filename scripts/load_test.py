"""Load test: N concurrent visitors ask the RUNNING app Q questions each through the Compare tab.

    .venv/bin/python scripts/load_test.py --url http://127.0.0.1:7860/ --sessions 20 --questions 3
    .venv/bin/python scripts/load_test.py --start --sessions 20 --questions 10 --out load.json

Each session is its own gradio_client Client (its own browser session, so its own workspace) in its
own thread, asking the scenario's example questions in turn through the `/ask` endpoint with the
default lanes. A request fails when the call raises (a full queue included) or a lane reports an
error. The app's memory (RSS of its process and its children) is sampled every 0.5 s: the peak, after
the 20th completed request and after the last. Loopback only, and bounded (sessions, questions, time).
`--start` launches `python app.py` on a free loopback port with PLAYGROUND_MAX_TOKENS=32 and stops it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script from any folder: the playground package is the repo's

from playground.app_process import AppStartError, free_port, start_app, stop_app  # noqa: E402
from playground.scenarios import ScenarioCatalog, ScenarioError  # noqa: E402

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
MAX_SESSIONS = 100
MAX_QUESTIONS = 20
MAX_TIME_LIMIT_S = 3600.0
SAMPLE_EVERY_S = 0.5
MEMORY_CHECKPOINT = 20  # the "memory after 20 requests" figure
DEFAULT_SCENARIO = "company-knowledge"


class LoadTestError(ValueError):
    """The arguments ask for something this script refuses to do."""


def check_url(url: str) -> str:
    """The URL if it points at this machine over http(s); anything else is refused."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise LoadTestError(f"{url!r}: only http:// or https:// URLs")
    if parts.hostname not in LOOPBACK_HOSTS:
        raise LoadTestError(
            f"{url!r}: only a loopback address ({', '.join(LOOPBACK_HOSTS)}): never load someone's server"
        )
    return url if url.endswith("/") else url + "/"


def check_bounds(sessions: int, questions: int, time_limit_s: float) -> None:
    """Refuse a run larger than the script allows."""
    if not 1 <= sessions <= MAX_SESSIONS:
        raise LoadTestError(f"--sessions {sessions}: must be 1 to {MAX_SESSIONS}")
    if not 1 <= questions <= MAX_QUESTIONS:
        raise LoadTestError(f"--questions {questions}: must be 1 to {MAX_QUESTIONS}")
    if not 0 < time_limit_s <= MAX_TIME_LIMIT_S:
        raise LoadTestError(f"--time-limit {time_limit_s}: must be above 0 and at most {MAX_TIME_LIMIT_S:.0f} s")


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100), linear between the closest ranks (numpy's default); None if empty."""
    return float(np.percentile(values, q)) if len(values) else None


def latency_summary(latencies: Sequence[float]) -> dict[str, float | None]:
    """p50, p95 and max of the completed requests' latencies, in seconds (3 decimals)."""

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 3)

    return {
        "p50_s": rounded(percentile(latencies, 50)),
        "p95_s": rounded(percentile(latencies, 95)),
        "max_s": rounded(max(latencies) if latencies else None),
    }


def example_questions(scenario: str = DEFAULT_SCENARIO) -> list[str]:
    """The scenario's example questions, asked in turn."""
    try:
        questions = list(ScenarioCatalog(REPO / "sample_data").get(scenario).example_questions)
    except ScenarioError as exc:
        raise LoadTestError(exc.message) from exc
    if not questions:
        raise LoadTestError(f"scenario {scenario!r} has no example questions")
    return questions


def ask_arguments(parameters: Sequence[dict], scenario: str, question: str) -> list[object]:
    """Positional arguments for /ask: the scenario and question, every other input at its page default.

    `parameters` is the endpoint's list from `Client.view_api(return_format="dict")`; an input the page
    starts empty (a custom price, an adapter picker) is sent empty (None), as a browser would.
    """
    values: list[object] = []
    for parameter in parameters:
        name = parameter.get("parameter_name")
        if name == "scenario_name":
            values.append(scenario)
        elif name == "question_text":
            values.append(question)
        else:
            values.append(parameter.get("parameter_default") if parameter.get("parameter_has_default") else None)
    return values


def _summary_statuses(output: object) -> list[str] | None:
    """The "lane: status" rows of the summary table in one streamed /ask output, or None if it has none."""
    values = output if isinstance(output, list | tuple) else [output]
    for value in values:
        table = value.get("value", value) if isinstance(value, dict) else None
        if isinstance(table, dict) and "status" in (table.get("headers") or []):
            column = table["headers"].index("status")
            return [f"{row[0]}: {row[column]}" for row in table.get("data") or []]
    return None


def lane_errors(outputs: Sequence[object]) -> list[str]:
    """The lanes' errors after an /ask call, from the last summary table among its streamed outputs.

    The final output only updates the repeats table, so the summary is looked for further back
    (`Job.outputs()`). No summary at all means the app refused the question (a warning); no rows means
    no lane ran: both are errors.
    """
    for output in reversed(outputs):
        statuses = _summary_statuses(output)
        if statuses is not None:
            if not statuses:
                return ["the summary table is empty: no lane ran"]
            return [status for status in statuses if not status.endswith(": done")]
    return ["no summary table in the outputs (the app refused the question?)"]


@dataclass
class Results:
    """What the sessions report, shared between their threads."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed: int = 0
    cut_off: int = 0  # not asked or not finished when the time limit came
    max_queue_position: int | None = None  # the highest 1-based position a request saw while waiting
    lock: threading.Lock = field(default_factory=threading.Lock)
    checkpoint: threading.Event = field(default_factory=threading.Event)

    @property
    def done(self) -> int:
        return len(self.latencies) + self.failed

    def record(self, latency: float | None, error: str | None) -> None:
        with self.lock:
            if error is None and latency is not None:
                self.latencies.append(latency)
            else:
                self.failed += 1
                if len(self.errors) < 5:
                    self.errors.append(error or "unknown error")
            if self.done == MEMORY_CHECKPOINT:
                self.checkpoint.set()

    def saw_position(self, rank: int | None) -> None:
        if rank is None:
            return
        with self.lock:
            self.max_queue_position = max(self.max_queue_position or 0, rank + 1)


class MemorySampler(threading.Thread):
    """Samples the RSS (bytes) of a process and its children every SAMPLE_EVERY_S seconds."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True, name="rss-sampler")
        import psutil

        self.process = psutil.Process(pid)
        self.peak = 0
        self.stop = threading.Event()

    def rss(self) -> int:
        import psutil

        total = 0
        try:
            processes = [self.process, *self.process.children(recursive=True)]
        except psutil.Error:
            return 0
        for process in processes:
            try:
                total += process.memory_info().rss
            except psutil.Error:
                continue  # a child that just ended
        self.peak = max(self.peak, total)
        return total

    def run(self) -> None:
        while not self.stop.wait(SAMPLE_EVERY_S):
            self.rss()


def listening_pid(port: int) -> int | None:
    """The process that listens on this loopback TCP port, if it can be seen."""
    import psutil

    for connection in psutil.net_connections(kind="tcp"):
        if connection.status == psutil.CONN_LISTEN and connection.laddr and connection.laddr.port == port:
            return connection.pid
    return None


def run_session(url: str, questions: list[str], offset: int, count: int, deadline: float, results: Results) -> None:
    """One visitor: its own Client, `count` questions in turn, starting at `offset`."""
    from gradio_client import Client

    client = None
    asked = 0
    try:
        client = Client(url, verbose=False, download_files=False, analytics_enabled=False)
        parameters = client.view_api(return_format="dict", print_info=False)["named_endpoints"]["/ask"]["parameters"]
        for asked in range(count):
            if time.monotonic() >= deadline:
                with results.lock:
                    results.cut_off += count - asked
                return
            question = questions[(offset + asked) % len(questions)]
            started = time.monotonic()
            try:
                job = client.submit(*ask_arguments(parameters, DEFAULT_SCENARIO, question), api_name="/ask")
                while not job.done() and time.monotonic() < deadline:
                    results.saw_position(getattr(job.status(), "rank", None))
                    time.sleep(0.25)
                if not job.done():
                    job.cancel()
                    with results.lock:
                        results.cut_off += count - asked
                    return
                job.result()  # raises what the call raised (a full queue, an app error)
            except Exception as exc:  # noqa: BLE001 - every failure is counted and its message kept
                results.record(None, f"{type(exc).__name__}: {exc}")
                continue
            errors = lane_errors(job.outputs())
            results.record(time.monotonic() - started, "; ".join(errors) if errors else None)
    except Exception as exc:  # noqa: BLE001 - a session that cannot connect counts what it had left as failed
        for _ in range(asked, count):
            results.record(None, f"session: {type(exc).__name__}: {exc}")
    finally:
        if client is not None:
            client.close()


def run_load(
    url: str, sessions: int, questions_each: int, time_limit_s: float, pid: int | None, scenario: str
) -> dict[str, object]:
    """Drive the app and return the report (see the module docstring)."""
    questions = example_questions(scenario)
    sampler = MemorySampler(pid) if pid else None
    rss_start = sampler.rss() if sampler else None
    results = Results()
    checkpoint_rss: dict[str, int] = {}

    def watch_checkpoint() -> None:
        if sampler and results.checkpoint.wait(time_limit_s + 60):
            checkpoint_rss["rss"] = sampler.rss()

    if sampler:
        sampler.start()
        threading.Thread(target=watch_checkpoint, daemon=True, name="checkpoint").start()
    started = time.monotonic()
    deadline = started + time_limit_s
    threads = [
        threading.Thread(
            target=run_session,
            args=(url, questions, s, questions_each, deadline, results),
            name=f"session-{s}",
            daemon=True,
        )
        for s in range(sessions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()) + 30)
    wall = time.monotonic() - started
    rss_end = sampler.rss() if sampler else None
    if sampler:
        sampler.stop.set()
    mb = 1024 * 1024

    def in_mb(value: int | None) -> float | None:
        return None if value is None else round(value / mb, 1)

    after_checkpoint = checkpoint_rss.get("rss")
    return {
        "url": url,
        "sessions": sessions,
        "questions_per_session": questions_each,
        "requests": sessions * questions_each,
        "completed": len(results.latencies),
        "failed": results.failed,
        "cut_off_by_time_limit": results.cut_off,
        "unaccounted": sessions * questions_each - results.done - results.cut_off,  # sessions still hung
        "first_errors": results.errors,
        **{f"latency_{key}": value for key, value in latency_summary(results.latencies).items()},
        "wall_s": round(wall, 2),
        "max_queue_position_seen": results.max_queue_position,
        "app_pid": pid,
        "rss_start_mb": in_mb(rss_start),
        "rss_peak_mb": in_mb(sampler.peak if sampler else None),
        f"rss_after_{MEMORY_CHECKPOINT}_mb": in_mb(after_checkpoint),
        "rss_after_last_mb": in_mb(rss_end),
        "rss_growth_after_checkpoint_pct": (
            round(100 * (rss_end - after_checkpoint) / after_checkpoint, 1) if after_checkpoint and rss_end else None
        ),
    }


def table(report: dict[str, object]) -> str:
    """The report's headline figures as a short two-column table."""
    keys = [
        "requests",
        "completed",
        "failed",
        "cut_off_by_time_limit",
        "unaccounted",
        "latency_p50_s",
        "latency_p95_s",
        "wall_s",
        "max_queue_position_seen",
        "rss_peak_mb",
        f"rss_after_{MEMORY_CHECKPOINT}_mb",
        "rss_after_last_mb",
        "rss_growth_after_checkpoint_pct",
    ]
    width = max(len(key) for key in keys)
    return "\n".join(f"{key:<{width}}  {report.get(key)}" for key in keys)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="the running app, on loopback, e.g. http://127.0.0.1:7860/")
    target.add_argument("--start", action="store_true", help="start app.py on a free loopback port, then stop it")
    parser.add_argument("--sessions", type=int, default=20, help=f"concurrent visitors (at most {MAX_SESSIONS})")
    parser.add_argument("--questions", type=int, default=3, help=f"questions per visitor (at most {MAX_QUESTIONS})")
    parser.add_argument("--time-limit", type=float, default=600.0, help="stop and report after this many seconds")
    parser.add_argument("--pid", type=int, help="the app's process id (default: whoever listens on the URL's port)")
    parser.add_argument("--scenario", default=DEFAULT_SCENARIO, help="scenario whose example questions are asked")
    parser.add_argument("--out", type=Path, help="also write the JSON report here")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        check_bounds(args.sessions, args.questions, args.time_limit)
        url = check_url(args.url) if args.url else None
        example_questions(args.scenario)  # an unknown scenario is refused before any app starts
    except LoadTestError as exc:
        print(f"load_test: error: {exc}", file=sys.stderr)
        return 2
    app = None
    if args.start:
        port = free_port()
        log_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"playground-load-test-{port}.log"
        print(f"load_test: starting app.py on port {port} (log: {log_file})", file=sys.stderr)
        try:
            app = start_app(port, log_file, {"PLAYGROUND_MAX_TOKENS": os.environ.get("PLAYGROUND_MAX_TOKENS", "32")})
        except AppStartError as exc:
            print(f"load_test: error: {exc}", file=sys.stderr)
            return 1
        url = f"http://127.0.0.1:{port}/"
    try:
        port = urlsplit(url).port or (443 if url.startswith("https") else 80)
        pid = args.pid or (app.pid if app else listening_pid(port))
        if pid is None:
            print("load_test: warning: the app's process was not found; no memory figures", file=sys.stderr)
        report = run_load(url, args.sessions, args.questions, args.time_limit, pid, args.scenario)
    finally:
        if app is not None:
            stop_app(app)
    print(json.dumps(report, indent=2))
    print(table(report), file=sys.stderr)
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0 if report["completed"] == report["requests"] else 1


if __name__ == "__main__":
    sys.exit(main())
