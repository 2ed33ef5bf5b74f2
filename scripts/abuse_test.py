"""Hostile-visitor test: attack a PUBLIC app through its real Gradio endpoints and check every refusal.

    .venv/bin/python scripts/abuse_test.py --start --json      # its own public app, every attack
    .venv/bin/python scripts/abuse_test.py --start --short     # the handful the test suite runs
    .venv/bin/python scripts/abuse_test.py --url http://127.0.0.1:7860/ --pid 1234

Each attack is data (`Attack`: name, expected, function, short) and calls an endpoint with
gradio_client as a visitor could, with values no widget offers: model strings that name server paths,
hub ids or other providers, chain placeholders with format specs, work past every limit, oversize
uploads, path traversal in file and adapter names, file descriptions naming server files (plain HTTP),
and identity: a page load (sent by plain HTTP, as a browser does) with a forged, foreign, garbage or huge
stored id, pages named `local` or `anonymous`, another visitor's document and adapter by name, and a
second vote after a reload. An attack is ok when all of these hold:

- the answer is one clear line that contains `expected` (a warning, a lane's error, a job status or
  Gradio's own refusal), never Gradio's generic "upstream app raised an exception" nor a traceback;
- no file outside the visitor's workspace was read, written or removed: a listing (names, sizes,
  mtimes) of the repository (minus .venv, .git, caches) and of the app's cache (minus the workspaces
  and its log) is the same before and after, and so is the canary folder in /tmp the path attacks aim at;
- the app's resident memory (process and children) grew by less than --rss-growth-mb over its
  baseline, and it listens on no more llama.cpp servers than PLAYGROUND_MAX_SERVERS.

A legitimate visitor (its own Client) asks an example question before the attacks, after each phase
and at the end, and must get an answer every time. `--start` runs `python app.py` in public mode on a
free loopback port with its own cache (links to the shared models, GGUF and embedder caches), small
answers and a small upload limit. Exit 0 only when every attack is ok and every legitimate answer came.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import os
import queue
import re
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script from any folder: the playground package is the repo's

from playground.app_process import AppStartError, free_port, start_app, stop_app  # noqa: E402
from scripts.load_test import LoadTestError, check_url, listening_pid  # noqa: E402

DEFAULT_SCENARIO = "company-knowledge"
DEFAULT_MODEL = "local/smollm2-135m-instruct"
DEFAULT_LANES = ["prompting", "rag", "finetuned"]  # what a workshop round runs
GENERIC_ERROR = "upstream Gradio app has raised an exception"
MAX_LINE_CHARS = 4000  # a refusal longer than this is not "one clear line"
CALL_TIMEOUT_S = 120.0
START_UPLOAD_MB = 1  # the --start app's PLAYGROUND_MAX_UPLOAD_MB: oversize files stay small
START_MAX_SERVERS = 4
SKIP_DIRS = {".venv", ".git", "__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache", "workspaces"}
LEGIT_QUESTION = "How much meal allowance do we get when travelling?"
CANARY_MARK = "canary-question-never-shown"  # in the canary's data files: seen in an answer, they were read
VICTIM_DOC = "victim-secret.md"  # a document only the victim's workspace holds
VICTIM_ADAPTER = "victim-adapter"  # an adapter only the victim's workspace holds
# The --start app offers one remote model on a made-up operator key, with a budget smaller than any
# answer from it: a call that got past the budget would fail to connect (no network), never spend.
BUDGET_MODEL = "openai/gpt-4.1-mini"
BUDGET_ENVIRONMENT = {
    "PLAYGROUND_MODELS": BUDGET_MODEL,
    "OPENAI_API_KEY": "sk-abuse-test-made-up-operator-key-0000",
    "PLAYGROUND_BUDGET_USD_PER_SESSION": "0.0001",
}


class AbuseTestError(ValueError):
    """The arguments ask for something this script refuses to do."""


# ---------------------------------------------------------------- calling the app


@dataclass
class Outcome:
    """What one call produced: warnings shown, the error raised, and the streamed outputs."""

    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    outputs: list[Any] = field(default_factory=list)
    breach: str | None = None  # what the attack itself saw get through (a file read, a planted file)

    def refusal(self) -> str | None:
        """The refusal the visitor would read: the error, a warning, or an error shown in the outputs."""
        if self.error:
            return self.error
        if self.warnings:
            return self.warnings[0]
        for output in reversed(self.outputs):
            found = _shown_error(output)
            if found:
                return found
        return None


ERROR_HTML = re.compile(r'class="[^"]*(?:lane-error|step-error)[^"]*"[^>]*>(.*?)</(?:div|span)>', re.S)
REFUSED_HTML = re.compile(r'data-status="(?:refused|failed|error)"[^>]*>(.*?)</div>', re.S)


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).replace("⚠", " ").split())


def _shown_error(value: Any) -> str | None:
    """An error a lane or status box shows, found in any string of a (nested) output."""
    if isinstance(value, str):
        for pattern in (ERROR_HTML, REFUSED_HTML):
            match = pattern.search(value)
            if match and _text(match.group(1)):
                return _text(match.group(1))
        if value.lstrip().startswith("⚠"):
            return _text(value)
        return None
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list | tuple) else ()
    for item in items:
        found = _shown_error(item)
        if found:
            return found
    return None


class Visitor:
    """One browser session: its own gradio_client Client, arguments built from the endpoint's defaults."""

    def __init__(self, url: str) -> None:
        from gradio_client import Client

        self.url = url
        self.client = Client(url, verbose=False, download_files=False, analytics_enabled=False)
        self.api = self.client.view_api(return_format="dict", print_info=False)["named_endpoints"]
        self._arrive_index: int | None = None

    def arguments(self, endpoint: str, values: dict[str, Any]) -> list[Any]:
        """Positional arguments: `values` by parameter name, every other input at its page default."""
        if endpoint not in self.api:
            raise AbuseTestError(f"the app has no endpoint {endpoint} (it has {', '.join(sorted(self.api))})")
        parameters = self.api[endpoint]["parameters"]
        names = {p["parameter_name"] for p in parameters}
        unknown = set(values) - names
        if unknown:
            raise AbuseTestError(f"{endpoint} has no parameter {', '.join(sorted(unknown))}")
        return [
            values[p["parameter_name"]]
            if p["parameter_name"] in values
            else (p.get("parameter_default") if p.get("parameter_has_default") else None)
            for p in parameters
        ]

    def parameters_labelled(self, endpoint: str, label: str) -> list[str]:
        """The names (param_N) of an endpoint's inputs whose label starts with `label`, in page order."""
        parameters = self.api[endpoint]["parameters"]
        return [p["parameter_name"] for p in parameters if str(p.get("label") or "").startswith(label)]

    def call(self, endpoint: str, **values: Any) -> Outcome:
        """Call an endpoint as a visitor; the outcome, whatever it raised or warned."""
        outcome = Outcome()
        try:
            job = self.client.submit(*self.arguments(endpoint, values), api_name=endpoint)
        except Exception as exc:  # noqa: BLE001 - an upload the server refuses raises here
            outcome.error = _one_line(exc)
            return outcome
        try:
            job.result(timeout=CALL_TIMEOUT_S)
        except Exception as exc:  # noqa: BLE001 - the app's refusal (gr.Error) or a failure: both are reported
            outcome.error = _one_line(exc)
        outcome.outputs = list(job.outputs())
        updates = job.communicator.updates if job.communicator else None
        while updates is not None:
            try:
                update = updates.get_nowait()
            except (queue.Empty, asyncio.QueueEmpty):
                break
            log = getattr(update, "log", None)
            if log and log[1] in ("warning", "error"):
                outcome.warnings.append(log[0])
        return outcome

    def upload(self, path: Path, name: str | None = None) -> dict[str, Any]:
        """Upload a file by plain HTTP, its file name as the visitor chooses; the FileData to pass on."""
        import httpx

        with path.open("rb") as handle:
            response = httpx.post(
                self.url + "gradio_api/upload", files={"files": (name or path.name, handle)}, timeout=60
            )
        if response.status_code != 200:
            raise UploadRefused(f"HTTP {response.status_code}: {_one_line(response.text)}")
        stored = response.json()[0]
        return {"path": stored, "orig_name": name or path.name, "meta": {"_type": "gradio.FileData"}}

    def arrive(self, stored: object) -> str:
        """The page's load event as a browser sends it (plain HTTP): `stored` as its kept id; the id to keep.

        A browser page sends what it kept in localStorage, so a hostile one can send anything.
        """
        import httpx

        if self._arrive_index is None:
            config = httpx.get(self.url + "config", timeout=60).json()
            kinds = {c["id"]: c.get("type") for c in config["components"]}
            self._arrive_index = next(
                d["id"]
                for d in config["dependencies"]
                if any(t[1] == "load" for t in d["targets"]) and [kinds.get(i) for i in d["inputs"]] == ["browserstate"]
            )
        body = {"data": [stored], "fn_index": self._arrive_index, "session_hash": self.client.session_hash}
        response = httpx.post(self.url + "gradio_api/run/predict", json=body, timeout=60)
        response.raise_for_status()
        return response.json()["data"][0]

    def new_page(self, session_hash: str | None = None) -> None:
        """A reload, or a page that names its own session_hash: what follows is a new page."""
        self.client.session_hash = session_hash or str(uuid.uuid4())

    def close(self) -> None:
        self.client.close()


class UploadRefused(RuntimeError):
    """The server refused an upload before any handler saw it."""


def _one_line(exc_or_text: object) -> str:
    """The text of an error (kept whole: a multi-line answer fails the one-line check later)."""
    text = exc_or_text if isinstance(exc_or_text, str) else str(exc_or_text) or type(exc_or_text).__name__
    return text.strip()


# ---------------------------------------------------------------- the attacks


@dataclass
class Context:
    """What the attacks share: the attacker's session, the canary folder, the limits the app was given."""

    attacker: Visitor
    canary: Path
    upload_mb: float
    work: Path  # files the attacks upload
    cache: Path | None = None  # the app's PLAYGROUND_CACHE, when known
    visitors: list[Visitor] = field(default_factory=list)  # opened by the attacks, closed at the end
    _victim: tuple[Visitor, str] | None = None

    def visitor(self) -> Visitor:
        """Another browser (its own client, its own page)."""
        visitor = Visitor(self.attacker.url)
        self.visitors.append(visitor)
        return visitor

    def victim(self) -> tuple[Visitor, str]:
        """A visitor whose workspace holds VICTIM_DOC (and, with the cache known, an adapter): (it, its token).

        Made once. A reload of the victim (its token on a new page) must see the document, or the
        attacks that look for it would prove nothing.
        """
        if self._victim is None:
            victim = self.visitor()
            token = victim.arrive(None)
            uploaded = victim.upload(self.file(VICTIM_DOC, text="# Victim\n\nvictim-only text\n"))
            added = victim.call("/add_files", scenario_name=DEFAULT_SCENARIO, paths=[uploaded])
            victim.new_page()
            if victim.arrive(token) != token or VICTIM_DOC not in self.documents(victim):
                raise AbuseTestError(f"the victim's reload does not see its own upload ({added.refusal()})")
            if self.cache is not None:
                workspace = self.cache / "workspaces" / f"session-{token.split('.')[0]}"
                _plant_adapter(workspace / "adapters" / VICTIM_ADAPTER)
                if VICTIM_ADAPTER not in json.dumps(victim.call("/refresh_adapters").outputs):
                    raise AbuseTestError("the victim's own adapter list does not show its adapter")
            self._victim = (victim, token)
        return self._victim

    @staticmethod
    def documents(visitor: Visitor) -> list[str]:
        return _document_names(visitor.call("/refresh", scenario_name=DEFAULT_SCENARIO).outputs)

    def file(self, name: str, size: int = 0, text: str | None = None) -> Path:
        path = self.work / name
        if text is not None:
            path.write_text(text, encoding="utf-8")
        else:
            with path.open("wb") as handle:
                handle.truncate(size)  # sparse: big, but nothing written
                handle.seek(0)
                handle.write(b"# big\n")
        return path

    def oversize(self, name: str) -> Path:
        return self.file(name, int((self.upload_mb + 0.5) * 1024 * 1024))

    def ask(self, model: str | None = None, lanes: Sequence[str] = ("prompting",), **values: Any) -> Outcome:
        extra = {self.attacker.parameters_labelled("/ask", "Model")[0]: model} if model is not None else {}
        return self.attacker.call(
            "/ask",
            scenario_name=DEFAULT_SCENARIO,
            question_text=values.pop("question_text", "What is the Kestrel?"),
            chosen=list(lanes),
            **extra,
            **values,
        )

    def chain(self, prompt: str) -> Outcome:
        steps = f"- name: answer\n  prompt: {json.dumps(prompt)}\n"
        (field,) = self.attacker.parameters_labelled("/ask", "Chain steps")
        return self.ask(lanes=("chain",), **{field: steps})

    def evaluate(self, **values: Any) -> Outcome:
        values.setdefault("sample_size", 2)
        return self.attacker.call("/evaluate", scenario_name=DEFAULT_SCENARIO, **values)

    def train(self, adapter_name: str = "abuse-adapter", upload: dict | None = None, **values: Any) -> Outcome:
        upload = upload or self.attacker.upload(
            self.file("train.jsonl", text='{"prompt": "What is 2+2?", "completion": "4"}\n' * 20)
        )
        return self.attacker.call(
            "/start_job", scenario_name=DEFAULT_SCENARIO, uploaded=upload, adapter_name=adapter_name, **values
        )

    def upload_or_refusal(self, path: Path, name: str | None = None) -> dict[str, Any] | Outcome:
        try:
            return self.attacker.upload(path, name)
        except UploadRefused as exc:
            return Outcome(error=str(exc))


AttackFn = Callable[[Context], Outcome]


@dataclass(frozen=True)
class Attack:
    """One hostile request: `expected` is a piece of the one-line refusal it must get."""

    name: str
    expected: str
    run: AttackFn
    short: bool = False  # in the --short form the test suite runs
    start_only: bool = False  # needs the --start app's own settings (BUDGET_ENVIRONMENT)


NOT_OFFERED = "not offered on this public app"


def _existence_oracle(ctx: Context) -> Outcome:
    """The refusal for an existing file and for a missing one must read the same (no file oracle)."""
    present = ctx.ask(f"local/{ctx.canary}/canary.gguf").refusal() or ""
    missing = ctx.ask(f"local/{ctx.canary}/missing.gguf").refusal() or ""
    same = present.replace("canary.gguf", "X") == missing.replace("missing.gguf", "X")
    if same and NOT_OFFERED in present:
        return Outcome(warnings=[f"same refusal for a present and a missing file: {present}"])
    return Outcome(breach=f"the refusals differ: {present!r} / {missing!r}")


def _spellings(ctx: Context) -> Outcome:
    """Many spellings of one GGUF path: each refused, none starts a server (checked by the server count)."""
    c = ctx.canary
    spellings = [f"local/{c}/canary.gguf", f"local//{c}//canary.gguf", f"local/{c}/./canary.gguf"]
    spellings += [f"local/{c}/../{c.name}/canary.gguf", f"local/{c}/CANARY.GGUF"]
    refusals = [ctx.ask(spelling).refusal() or "" for spelling in spellings]
    bad = [r for r in refusals if NOT_OFFERED not in r]
    return Outcome(breach=f"not refused: {bad[0]!r}") if bad else Outcome(warnings=[refusals[0]])


def _many_lanes_models(ctx: Context) -> Outcome:
    """A path model in every lane's picker at once."""
    path = f"local/{ctx.canary}/canary.gguf"
    values = {name: path for name in ctx.attacker.parameters_labelled("/ask", "Model")}
    return ctx.ask(lanes=("prompting", "chain", "rag"), **values)


def _oversize_kb(ctx: Context) -> Outcome:
    uploaded = ctx.upload_or_refusal(ctx.oversize("big.md"))
    if isinstance(uploaded, Outcome):
        return uploaded
    return ctx.attacker.call("/add_files", scenario_name=DEFAULT_SCENARIO, paths=[uploaded])


def _oversize_eval(ctx: Context) -> Outcome:
    uploaded = ctx.upload_or_refusal(ctx.oversize("big-eval.jsonl"))
    if isinstance(uploaded, Outcome):
        return uploaded
    return ctx.evaluate(upload_path=uploaded)


def _oversize_train(ctx: Context) -> Outcome:
    uploaded = ctx.upload_or_refusal(ctx.oversize("big-train.jsonl"))
    if isinstance(uploaded, Outcome):
        return uploaded
    return ctx.train(upload=uploaded)


def _eval_rows(ctx: Context) -> Outcome:
    rows = "".join(json.dumps({"question": f"q{n}?", "answer": "a"}) + "\n" for n in range(1_100))
    return ctx.evaluate(upload_path=ctx.attacker.upload(ctx.file("rows.jsonl", text=rows)))


def _train_rows(ctx: Context) -> Outcome:
    rows = json.dumps({"prompt": "p", "completion": "c"}) + "\n"
    return ctx.train(upload=ctx.attacker.upload(ctx.file("rows-train.jsonl", text=rows * 5_100)))


def _save_text_oversize(ctx: Context) -> Outcome:
    listing = ctx.attacker.call("/refresh", scenario_name=DEFAULT_SCENARIO)
    names = _document_names(listing.outputs)
    if not names:
        return Outcome(error="no knowledge document to edit was listed")
    text = "# edit\n" + "x" * int((ctx.upload_mb + 0.5) * 1024 * 1024)
    return ctx.attacker.call("/save_document", scenario_name=DEFAULT_SCENARIO, name=names[0], text=text)


def _document_names(outputs: list[Any]) -> list[str]:
    """The document picker's choices from a listing refresh's outputs."""
    for output in reversed(outputs):
        for value in output if isinstance(output, list | tuple) else [output]:
            if isinstance(value, dict) and value.get("choices"):
                return [c[0] if isinstance(c, list | tuple) else c for c in value["choices"]]
    return []


def _traversal_upload_name(ctx: Context) -> Outcome:
    """An upload whose file name climbs out: the app must not write it there (the canary check sees it)."""
    name = f"../../../../../..{ctx.canary}/evil.md"
    uploaded = ctx.upload_or_refusal(ctx.file("evil.md", text="# Evil\n\nplanted\n"), name)
    if isinstance(uploaded, Outcome):
        return uploaded
    outcome = ctx.attacker.call("/add_files", scenario_name=DEFAULT_SCENARIO, paths=[uploaded])
    if (ctx.canary / "evil.md").exists():
        return Outcome(breach="evil.md was written into the canary folder")
    if outcome.refusal() is None:  # accepted under a safe name inside the workspace: that is fine too
        outcome.warnings.append("stored inside the workspace as evil.md (name cut to its base)")
    return outcome


def _forged_upload(endpoint: str, parameter: str, file_name: str, many: bool = False, **values: Any) -> AttackFn:
    """A FileData naming a server file (in the canary folder) that was never uploaded, sent by plain HTTP.

    Not through gradio_client: a client on the same machine uploads a local path it is given, which
    would only send the attacker's own copy of the file (the first form of this attack did that).
    """

    def attack(ctx: Context) -> Outcome:
        import httpx

        path = str(ctx.canary / file_name)
        forged = {"path": path, "orig_name": file_name, "meta": {"_type": "gradio.FileData"}}
        given = {"scenario_name": DEFAULT_SCENARIO, parameter: [forged] if many else forged, **values}
        data = ctx.attacker.arguments(endpoint, given)
        call = ctx.attacker.url + "gradio_api/call" + endpoint
        started = httpx.post(call, json={"data": data}, timeout=60)
        outcome = Outcome()
        if started.status_code != 200:
            outcome.error = f"HTTP {started.status_code}: {_one_line(started.text)}"
            return outcome
        stream = httpx.get(f"{call}/{started.json()['event_id']}", timeout=CALL_TIMEOUT_S).text
        if "event: error" in stream:
            # Gradio's own check ("not uploaded by a user") refuses it before any handler runs; its
            # message is not sent to the client, so the refusal is named here.
            outcome.error = "refused by Gradio before any handler: the file was not uploaded"
        elif "not uploaded through the page" in stream:
            outcome.error = "refused by the tab: the file was not uploaded through the page"
        elif CANARY_MARK in stream or f"added {file_name}" in stream:
            outcome.breach = f"{path} (never uploaded) was read"
        else:
            outcome.outputs = [stream]
        return outcome

    return attack


def _rooms(ctx: Context) -> Outcome:
    """One visitor opens rooms until refused."""
    last = Outcome()
    for _ in range(5):
        last = ctx.attacker.call("/open_new", url="http://127.0.0.1/")
        if last.refusal():
            return last
    return Outcome()


def _train(**values: Any) -> AttackFn:
    return lambda ctx: ctx.train(**values)


def _trained(*labels_and_values: Any) -> AttackFn:
    """A training run with settings named by their field's label, then value (their param_N moves as the tab grows)."""
    pairs = list(zip(labels_and_values[::2], labels_and_values[1::2], strict=True))

    def attack(ctx: Context) -> Outcome:
        values = {ctx.attacker.parameters_labelled("/start_job", label)[0]: value for label, value in pairs}
        return ctx.train(**values)

    return attack


def _ask_model(model: str) -> AttackFn:
    return lambda ctx: ctx.ask(model.replace("{canary}", str(ctx.canary)))


def _chain(prompt: str) -> AttackFn:
    return lambda ctx: ctx.chain(prompt)


ATTACKS: list[Attack] = [
    # Model strings that name server paths, hub ids, api_base tricks and other providers (Compare /ask).
    Attack("ask: absolute .gguf path", NOT_OFFERED, _ask_model("local/{canary}/canary.gguf"), short=True),
    Attack("ask: missing .gguf path", NOT_OFFERED, _ask_model("local//nonexistent/abuse/missing.gguf")),
    Attack("ask: no file-exists oracle", "same refusal", _existence_oracle),
    Attack("ask: relative folder", NOT_OFFERED, _ask_model("local/./sample_data")),
    Attack("ask: hub id download", NOT_OFFERED, _ask_model("local/HuggingFaceTB/SmolLM2-360M-Instruct"), short=True),
    Attack("ask: adapter as folder", "never a folder", _ask_model(DEFAULT_MODEL + "::{canary}/adapter"), short=True),
    Attack("ask: adapter traversal", "never a folder", _ask_model(DEFAULT_MODEL + "::../../adapters")),
    Attack("ask: unknown adapter name", "adapter", _ask_model(DEFAULT_MODEL + "::no-such-adapter")),
    Attack("ask: api_base query", NOT_OFFERED, _ask_model("openai/gpt-4o-mini?api_base=http://169.254.169.254/")),
    Attack("ask: api_base at-sign", NOT_OFFERED, _ask_model("ollama/llama3@http://169.254.169.254:80")),
    Attack("ask: unknown provider", NOT_OFFERED, _ask_model("evilprovider/some-model")),
    Attack("ask: remote model, no key", NOT_OFFERED, _ask_model("openai/gpt-4o-mini"), short=True),
    Attack("ask: operator-paid model past the budget", "it was not sent", _ask_model(BUDGET_MODEL), start_only=True),
    Attack(
        "evaluate: operator-paid model past the budget",
        "it was not sent",
        lambda ctx: ctx.evaluate(model_name=BUDGET_MODEL, lane_list=["prompting"]),
        start_only=True,
    ),
    Attack("ask: huge model string", NOT_OFFERED, _ask_model("local/" + "a" * 1_000_000)),
    Attack("ask: path in every lane", NOT_OFFERED, _many_lanes_models),
    Attack("ask: many spellings of one path", NOT_OFFERED, _spellings),
    # The same in Evaluate.
    Attack("evaluate: path model", NOT_OFFERED, lambda ctx: ctx.evaluate(model_name=f"local/{ctx.canary}/canary.gguf")),
    Attack("evaluate: hub id judge", NOT_OFFERED, lambda ctx: ctx.evaluate(judge_name="local/org/name")),
    Attack("evaluate: remote model", NOT_OFFERED, lambda ctx: ctx.evaluate(model_name="anthropic/claude-3-haiku")),
    # Chain step prompts: plain placeholders only.
    Attack("chain: format width 2e9", "no format spec", _chain("{question:>2000000000}"), short=True),
    Attack("chain: conversion !r", "no format spec", _chain("{question!r}")),
    Attack("chain: attribute", "no format spec", _chain("{question.__class__}")),
    Attack("chain: index", "no format spec", _chain("{question[0]}")),
    Attack("chain: nested width", "no format spec", _chain("{question:{question}}")),
    # Bounded work.
    Attack(
        "ask: question over length",
        "PLAYGROUND_MAX_QUESTION_CHARS",
        lambda ctx: ctx.ask(question_text="why? " * 1_000),
        short=True,
    ),
    Attack("ask: question of 1 MB", "characters", lambda ctx: ctx.ask(question_text="x" * 1_000_000)),
    Attack(
        "ask: Repeat x lanes past cap",
        "PLAYGROUND_MAX_LANE_RUNS",
        lambda ctx: ctx.ask(lanes=("prompting", "chain", "rag", "finetuned"), times=10),
        short=True,
    ),
    Attack("ask: Repeat 1e9", "maximum", lambda ctx: ctx.ask(times=1_000_000_000)),
    Attack("knowledge: oversize upload", "", _oversize_kb, short=True),
    Attack("evaluate: oversize upload", "", _oversize_eval),
    Attack("train: oversize upload", "", _oversize_train),
    Attack("evaluate: rows past limit", "PLAYGROUND_MAX_EVAL_ROWS", _eval_rows),
    Attack(
        "evaluate: questions past limit",
        "PLAYGROUND_MAX_EVAL_QUESTIONS",
        lambda ctx: ctx.evaluate(sample_size=10**6),
    ),
    Attack("train: examples past limit", "PLAYGROUND_MAX_TRAIN_EXAMPLES", _train_rows),
    Attack("knowledge: save_text oversize", "PLAYGROUND_MAX_UPLOAD_MB", _save_text_oversize),
    Attack(
        "train: steps past preset",
        "PLAYGROUND_MAX_TRAIN_STEPS",
        _trained("Max steps", 1_000_000),
        short=True,
    ),
    Attack("train: epochs past preset", "PLAYGROUND_MAX_TRAIN_EPOCHS", _trained("Max steps", 0, "Epochs", 100)),
    Attack("train: rank past preset", "PLAYGROUND_MAX_TRAIN_RANK", _trained("LoRA rank", 512)),
    Attack("train: batch past preset", "PLAYGROUND_MAX_TRAIN_BATCH", _trained("Batch size", 4_096)),
    Attack("train: seq length past preset", "PLAYGROUND_MAX_TRAIN_SEQ_LENGTH", _trained("Max sequence", 131_072)),
    Attack(
        "brief: too many questions",
        "PLAYGROUND_MAX_BRIEF_QUESTIONS",
        lambda ctx: ctx.attacker.call(
            "/run_1", scenario_name=DEFAULT_SCENARIO, question_text="\n".join(f"q{n}?" for n in range(200))
        ),
        short=True,
    ),
    Attack(
        "brief: question over length",
        "PLAYGROUND_MAX_QUESTION_CHARS",
        lambda ctx: ctx.attacker.call("/run_1", scenario_name=DEFAULT_SCENARIO, question_text="x" * 4_500),
    ),
    Attack("workshop: rooms per visitor", "PLAYGROUND_MAX_ROOMS_PER_VISITOR", _rooms),
    # Names that climb out of the workspace.
    Attack("train: adapter name traversal", "adapter", _train(adapter_name=f"../../../..{'/tmp'}/abuse-adapter")),
    Attack("knowledge: upload name traversal", "", _traversal_upload_name),
    Attack(
        "knowledge: forged server file path",
        "not uploaded",
        _forged_upload("/add_files", "paths", "secret.md", many=True),
        short=True,
    ),
    Attack(
        "evaluate: forged server file path", "not uploaded", _forged_upload("/evaluate", "upload_path", "eval.jsonl")
    ),
    Attack(
        "train: forged server file path",
        "not uploaded",
        _forged_upload("/start_job", "uploaded", "train.jsonl", adapter_name="forged-adapter"),
    ),
    Attack(
        "knowledge: save to traversal name",
        "not in the list of choices",
        lambda ctx: ctx.attacker.call(
            "/save_document", scenario_name=DEFAULT_SCENARIO, name="../../../../etc/passwd", text="x"
        ),
    ),
    Attack(
        "ask: scenario traversal",
        "not in the list of choices",
        lambda ctx: ctx.attacker.call("/ask", scenario_name="../../etc", question_text="hi", chosen=["prompting"]),
    ),
]

# ---------------------------------------------------------------- identity attacks

FRESH_ID = "a fresh id"


def _plant_adapter(folder: Path) -> None:
    """What a trained adapter leaves in its workspace (card and files), without training one."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "card.json").write_text(json.dumps({"base_model": DEFAULT_MODEL.removeprefix("local/")}), "utf-8")
    (folder / "adapter_config.json").write_text('{"r": 8}', encoding="utf-8")
    (folder / "adapter_model.safetensors").write_bytes(b"weights")


def _intrude(ctx: Context, stored: object, victim_id: str) -> str | None:
    """A page that loads with `stored` as its kept id: None when it got a fresh id and not the victim's files."""
    intruder = ctx.visitor()
    given = intruder.arrive(stored)
    if given == stored or str(given).split(".")[0] == victim_id:
        return f"the stored id was accepted ({str(stored)[:40]!r})"
    if VICTIM_DOC in ctx.documents(intruder):
        return f"{VICTIM_DOC} of the victim's workspace was listed"
    return None


def _forged_id(forge: Callable[[str, str, str], list[object]]) -> AttackFn:
    """Pages that load with ids forged from the victim's (id, signature) and a valid other token."""

    def attack(ctx: Context) -> Outcome:
        _, token = ctx.victim()
        other = ctx.visitor().arrive(None)  # a genuine id of the attacker's own, for its signature
        victim_id, signature = token.split(".")
        forged = forge(victim_id, signature, other)
        for stored in forged:
            breach = _intrude(ctx, stored, victim_id)
            if breach:
                return Outcome(breach=breach)
        return Outcome(warnings=[f"{len(forged)} forged id(s) refused: each page got {FRESH_ID}, never the victim's"])

    return attack


def _flip(text: str) -> str:
    return text[:-1] + ("A" if text[-1] != "A" else "B")


def _special_hashes(ctx: Context) -> Outcome:
    """Clients that name their page `local` or `anonymous`: no special, shared or everlasting workspace."""
    if ctx.cache is None:
        return Outcome(error="unchecked: pass --cache (the app's PLAYGROUND_CACHE) to see its workspaces")
    first, second = ctx.visitor(), ctx.visitor()
    for name in ("local", "anonymous"):
        first.new_page(name)
        first.call("/refresh", scenario_name=DEFAULT_SCENARIO)  # opens the workspace this page speaks for
    workspaces = ctx.cache / "workspaces"
    special = [n for n in ("session-local", "session-anonymous", "local", "anonymous") if (workspaces / n).exists()]
    if special:
        return Outcome(breach=f"special workspace(s) made: {', '.join(special)}")
    second.new_page("anonymous")
    if VICTIM_DOC in ctx.documents(second):
        return Outcome(breach="the page 'anonymous' sees the victim's document")
    return Outcome(warnings=[f"pages named local/anonymous got {FRESH_ID} each, an ordinary workspace that expires"])


def _guess_names(ctx: Context) -> Outcome:
    """Reach the victim's document and adapter by name from another visitor's page."""
    _, token = ctx.victim()
    intruder = ctx.visitor()
    intruder.arrive(None)
    shown = intruder.call("/show", scenario_name=DEFAULT_SCENARIO, name=VICTIM_DOC)
    if CANARY_MARK in json.dumps(shown.outputs) or "victim-only text" in json.dumps(shown.outputs):
        return Outcome(breach=f"{VICTIM_DOC} was shown to another visitor")
    if VICTIM_ADAPTER in json.dumps(intruder.call("/refresh_adapters").outputs):
        return Outcome(breach=f"{VICTIM_ADAPTER} is in another visitor's adapter list")
    victim_id = token.split(".")[0]
    refusals = [shown.refusal() or "shown nothing"]
    for model in (f"{DEFAULT_MODEL}::{VICTIM_ADAPTER}", f"{DEFAULT_MODEL}::session-{victim_id}"):
        answer = Context(intruder, ctx.canary, ctx.upload_mb, ctx.work).ask(model)
        refusal = answer.refusal() or ""
        if "unknown adapter" not in refusal and "not offered" not in refusal:
            return Outcome(breach=f"{model} was not refused: {refusal[:120]!r}")
        refusals.append(refusal)
    return Outcome(warnings=[f"unknown adapter for another visitor's names; the document: {refusals[0][:100]}"])


def _second_vote(ctx: Context) -> Outcome:
    """A participant votes, reloads (the same id on a new page) and votes again: one vote counts."""
    host, voter = ctx.visitor(), ctx.visitor()
    host.arrive(None)
    opened = host.call("/open_new", url="http://127.0.0.1/")
    code = next((o[0] for o in reversed(opened.outputs) if isinstance(o, list | tuple) and o and o[0]), None)
    if not code:
        return Outcome(error=f"could not open a room: {opened.refusal()}")
    host.call("/run_2", scenario_name=DEFAULT_SCENARIO, question_text="Which is best?")
    token = voter.arrive(None)
    voter.call("/enter", code=code)
    first = voter.call("/cast", label="A")
    voter.new_page()  # the reload
    voter.arrive(token)
    voter.call("/enter", code=code)
    second = voter.call("/cast", label="B")
    for outcome in (first, second):
        if outcome.refusal():
            return Outcome(error=f"a vote was not taken: {outcome.refusal()}")
    status = json.dumps(host.call("/facilitator_poll").outputs)
    counted = re.search(r"\*\*(\d+)\*\* vote\(s\) in from (\d+) joined", status)
    if not counted:
        return Outcome(error=f"no vote count in the facilitator's status: {status[:160]}")
    votes, joined = counted.groups()
    if votes != "1":
        return Outcome(breach=f"{votes} votes counted from {joined} joined participant(s)")
    return Outcome(warnings=[f"the second vote replaced the first: {votes} vote from {joined} joined"])


IDENTITY_ATTACKS: list[Attack] = [
    Attack(
        "identity: tampered signature",
        FRESH_ID,
        _forged_id(lambda victim, signature, other: [f"{victim}.{_flip(signature)}"]),
        short=True,
    ),
    Attack(
        "identity: victim's id, another id's signature",
        FRESH_ID,
        _forged_id(lambda victim, signature, other: [f"{victim}.{other.split('.')[1]}"]),
    ),
    Attack(
        "identity: bare id, garbage and odd types",
        FRESH_ID,
        _forged_id(
            lambda victim, signature, other: [victim, f"{victim}.", ".", "local", "anonymous", {"id": victim}, 12345]
        ),
    ),
    Attack(
        "identity: huge stored id",
        FRESH_ID,
        _forged_id(lambda victim, signature, other: [f"{victim}.{signature}" + "A" * 1_000_000]),
    ),
    Attack("identity: session_hash local / anonymous", FRESH_ID, _special_hashes),
    Attack("identity: another visitor's document and adapter by name", "unknown adapter", _guess_names),
    Attack("workshop: second vote in a round, after a reload", "replaced the first", _second_vote),
]


# ---------------------------------------------------------------- the checks around each attack

Listing = dict[str, tuple[int, int]]


def listing(root: Path, skip_names: frozenset[str] = frozenset()) -> Listing:
    """Every file under root (symlinked folders followed): relative name -> (size, mtime in ns)."""
    found: Listing = {}
    if not root.is_dir():
        return found
    for folder, dirs, files in os.walk(root, followlinks=True):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        for name in files:
            if name in skip_names:
                continue
            path = Path(folder, name)
            try:
                stat = path.stat()
            except OSError:
                continue
            found[str(path.relative_to(root))] = (stat.st_size, stat.st_mtime_ns)
    return found


def listing_changes(before: Listing, after: Listing) -> list[str]:
    """What changed between two listings, as short strings."""
    changes = [f"+{n}" for n in sorted(after.keys() - before.keys())]
    changes += [f"-{n}" for n in sorted(before.keys() - after.keys())]
    changes += [f"~{n}" for n in sorted(before.keys() & after.keys()) if before[n] != after[n]]
    return changes


@dataclass
class Watch:
    """The app's process and folders: what each attack must leave as it was."""

    pid: int | None
    port: int
    cache: Path | None
    canary: Path
    max_servers: int
    rss_growth_mb: float
    rss_baseline_mb: float = 0.0

    def snapshot(self) -> dict[str, Listing]:
        shots = {"repo": listing(REPO), "canary": listing(self.canary)}
        if self.cache is not None:
            shots["cache"] = listing(self.cache, frozenset({"app.log"}))
        return shots

    def rss_mb(self) -> float:
        import psutil

        if self.pid is None:
            return 0.0
        try:
            process = psutil.Process(self.pid)
            processes = [process, *process.children(recursive=True)]
        except psutil.Error:
            return 0.0
        total = 0
        for each in processes:
            try:
                total += each.memory_info().rss
            except psutil.Error:
                continue
        return total / 1024 / 1024

    def servers(self) -> int:
        """llama.cpp servers: the app's listening loopback ports other than its own web port."""
        import psutil

        if self.pid is None:
            return 0
        try:
            connections = psutil.Process(self.pid).net_connections(kind="tcp")
        except psutil.Error:
            return 0
        return len({c.laddr.port for c in connections if c.status == psutil.CONN_LISTEN and c.laddr.port != self.port})

    def problems(self, before: dict[str, Listing]) -> list[str]:
        after = self.snapshot()
        found = []
        for where, shot in before.items():
            changes = listing_changes(shot, after[where])
            if changes:
                found.append(f"{where} changed: {', '.join(changes[:3])}")
        rss = self.rss_mb()
        if self.pid is not None and rss > self.rss_baseline_mb + self.rss_growth_mb:
            found.append(f"memory {rss:.0f} MB, over {self.rss_baseline_mb:.0f} + {self.rss_growth_mb:.0f} MB")
        servers = self.servers()
        if servers > self.max_servers:
            found.append(f"{servers} llama.cpp servers, over {self.max_servers}")
        return found


def judge(attack: Attack, outcome: Outcome) -> tuple[str, bool]:
    """The answer as shown in the table, and whether it is a clean refusal containing `expected`."""
    if outcome.breach:
        return f"BREACH: {outcome.breach}", False
    refusal = outcome.refusal()
    if refusal is None:
        return "accepted (no refusal)", False
    if GENERIC_ERROR in refusal or "Traceback" in refusal:
        return f"generic error: {refusal[:160]}", False
    if "\n" in refusal.strip() or len(refusal) > MAX_LINE_CHARS:
        return f"not one line: {refusal[:160]!r}", False
    return refusal, attack.expected in refusal


def run_attack(attack: Attack, ctx: Context, watch: Watch) -> dict[str, object]:
    """One attack with its checks: the table's row."""
    before = watch.snapshot()
    started = time.monotonic()
    try:
        outcome = attack.run(ctx)
    except Exception as exc:  # noqa: BLE001 - an attack that breaks is a failed row, not a stopped run
        outcome = Outcome(error=f"the attack itself failed: {type(exc).__name__}: {exc}")
    got, ok = judge(attack, outcome)
    problems = watch.problems(before)
    if problems:
        got, ok = f"{got} | {'; '.join(problems)}", False
    return {
        "name": attack.name,
        "expected": attack.expected or "a one-line refusal",
        "got": got,
        "ok": ok,
        "seconds": round(time.monotonic() - started, 1),
    }


def legit_answer(visitor: Visitor) -> str | None:
    """None when the legitimate visitor got an answer from the prompting lane; else what went wrong."""
    outcome = visitor.call(
        "/ask", scenario_name=DEFAULT_SCENARIO, question_text=LEGIT_QUESTION, chosen=["prompting"], times=1
    )
    if outcome.refusal():
        return outcome.refusal()
    answered = any("answer-text" in json.dumps(o, default=str) for o in outcome.outputs)
    return None if answered else "no answer in the outputs"


def make_canary(root: Path) -> Path:
    """The folder the path attacks aim at: a fake GGUF, an adapter-looking folder, a secret file."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "canary.gguf").write_bytes(b"GGUF" + b"\0" * 1024)
    (root / "secret.md").write_text("# canary-secret\n\nnever shown to a visitor\n", encoding="utf-8")
    adapter = root / "adapter"
    adapter.mkdir(exist_ok=True)
    (adapter / "adapter_config.json").write_text('{"r": 8}', encoding="utf-8")
    (adapter / "lora-old.gguf").write_bytes(b"GGUF-old")
    (root / "eval.jsonl").write_text(
        json.dumps({"question": CANARY_MARK + "?", "answer": "x"}) + "\n", encoding="utf-8"
    )
    line = json.dumps({"prompt": CANARY_MARK, "completion": "x"}) + "\n"
    (root / "train.jsonl").write_text(line * 20, encoding="utf-8")
    return root


# ---------------------------------------------------------------- running it


def link_shared_caches(cache: Path) -> None:
    """The app's own cache, with the shared converted model, served GGUF and embedder linked in."""
    from playground.config import Settings
    from playground.knowledge.onnx_embedder import prepare_default
    from playground.llamacpp.quantize import prepare_embedded
    from playground.local_models import ensure_embedded_model

    real = Settings.from_env()
    ensure_embedded_model(real.models_cache_dir)
    prepare_embedded()
    prepare_default()
    for name, target in (
        ("models", real.models_cache_dir),
        ("gguf", real.served_gguf_dir),
        ("embedder", real.embedder_cache_dir),
    ):
        (cache / name).symlink_to(target.resolve(), target_is_directory=True)


def run_all(url: str, attacks: Sequence[Attack], watch: Watch, upload_mb: float, work: Path) -> dict[str, object]:
    """The legitimate visitor, then the attacks in phases with a legitimate answer after each phase."""
    legit = Visitor(url)
    attacker = Visitor(url)
    legit_failures: list[str] = []
    ctx: Context | None = None
    try:
        first = legit_answer(legit)  # also warms the servers and indexes the listing must not count
        if first:
            legit_failures.append(f"before: {first}")
        # Every default lane once (a workshop round runs them): the RAG index and the adapter's server
        # are a legitimate visitor's memory, so the baseline holds them and no attack is blamed for them.
        warm = legit.call("/ask", scenario_name=DEFAULT_SCENARIO, question_text=LEGIT_QUESTION, chosen=DEFAULT_LANES)
        if warm.refusal():
            legit_failures.append(f"every lane before: {warm.refusal()}")
        watch.rss_baseline_mb = watch.rss_mb()
        ctx = Context(attacker, watch.canary, upload_mb, work, watch.cache)
        rows: list[dict[str, object]] = []
        phases = [attacks[i : i + 12] for i in range(0, len(attacks), 12)]
        for number, phase in enumerate(phases, start=1):
            for attack in phase:
                row = run_attack(attack, ctx, watch)
                rows.append(row)
                print(f"abuse_test: {'ok ' if row['ok'] else 'BAD'} {attack.name}: {row['got']}", file=sys.stderr)
            problem = legit_answer(legit)
            if problem:
                legit_failures.append(f"after phase {number}: {problem}")
    finally:
        for visitor in ctx.visitors if ctx is not None else []:
            visitor.close()
        attacker.close()
        legit.close()
    return {
        "attacks": rows,
        "legitimate_visitor": "answered every time" if not legit_failures else legit_failures,
        "rss_baseline_mb": round(watch.rss_baseline_mb),
        "rss_end_mb": round(watch.rss_mb()),
        "servers_end": watch.servers(),
    }


def table(rows: Sequence[dict[str, object]]) -> str:
    """attack | expected | got | ok, as a Markdown table."""
    lines = ["| attack | expected | got | ok |", "|---|---|---|---|"]
    for row in rows:
        got = str(row["got"]).replace("|", "/")
        lines.append(f"| {row['name']} | {row['expected']} | {got[:200]} | {'ok' if row['ok'] else 'FAIL'} |")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="the running PUBLIC app, on loopback, e.g. http://127.0.0.1:7860/")
    target.add_argument("--start", action="store_true", help="start app.py in public mode, then stop it")
    parser.add_argument("--short", action="store_true", help="only the most important attacks (the test suite's)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON instead of a table")
    parser.add_argument("--pid", type=int, help="the app's process id (default: whoever listens on the port)")
    parser.add_argument("--cache", type=Path, help="with --url: the app's PLAYGROUND_CACHE, to check it too")
    parser.add_argument("--max-upload-mb", type=float, help="with --url: the app's PLAYGROUND_MAX_UPLOAD_MB")
    parser.add_argument("--max-servers", type=int, help="with --url: the app's PLAYGROUND_MAX_SERVERS")
    parser.add_argument("--rss-growth-mb", type=float, default=1500.0, help="memory an attack may add")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        url = check_url(args.url) if args.url else None
    except LoadTestError as exc:
        print(f"abuse_test: error: {exc}", file=sys.stderr)
        return 2
    attacks = [
        a for a in [*ATTACKS, *IDENTITY_ATTACKS] if (a.short or not args.short) and (args.start or not a.start_only)
    ]
    scratch = Path(tempfile.mkdtemp(prefix="playground-abuse-"))
    canary = make_canary(Path(tempfile.gettempdir()) / f"abuse-canary-{os.getpid()}")
    work = scratch / "files"
    work.mkdir()
    app = None
    cache = args.cache
    upload_mb = args.max_upload_mb or (START_UPLOAD_MB if args.start else 10.0)
    max_servers = args.max_servers or START_MAX_SERVERS
    try:
        if args.start:
            cache = scratch / "cache"
            cache.mkdir()
            link_shared_caches(cache)
            port = free_port()
            log_file = scratch / "app.log"
            print(f"abuse_test: starting a public app.py on port {port} (log: {log_file})", file=sys.stderr)
            environment = {
                "PLAYGROUND_PUBLIC": "1",
                "PLAYGROUND_CACHE": str(cache),
                "PLAYGROUND_MAX_TOKENS": os.environ.get("PLAYGROUND_MAX_TOKENS", "16"),
                "PLAYGROUND_MAX_UPLOAD_MB": str(upload_mb),
                "PLAYGROUND_MAX_SERVERS": str(max_servers),
                "PLAYGROUND_WARM_START": "0",
                **BUDGET_ENVIRONMENT,
            }
            try:
                app = start_app(port, log_file, environment)
            except AppStartError as exc:
                print(f"abuse_test: error: {exc}", file=sys.stderr)
                return 1
            url = f"http://127.0.0.1:{port}/"
        port = urlsplit(url).port or 80
        pid = args.pid or (app.pid if app else listening_pid(port))
        watch = Watch(pid, port, cache, canary, max_servers, args.rss_growth_mb)
        started = time.monotonic()
        report = run_all(url, attacks, watch, upload_mb, work)
        report["seconds"] = round(time.monotonic() - started, 1)
    finally:
        if app is not None:
            stop_app(app)
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(canary, ignore_errors=True)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(table(report["attacks"]))
        print(f"legitimate visitor: {report['legitimate_visitor']}; {report['seconds']} s")
    every_ok = all(row["ok"] for row in report["attacks"])
    return 0 if every_ok and report["legitimate_visitor"] == "answered every time" else 1


if __name__ == "__main__":
    sys.exit(main())
