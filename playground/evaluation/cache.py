"""A cache of answers keyed by exactly what the model was sent, so a rerun reuses them.

The key is the model, the messages (system prompt, examples, retrieved passages, question) and
the generation settings: change any of them, edit a document that RAG retrieves, or switch or
retrain an adapter, and the key changes with it. Stored in SQLite in the workspace; safe across
threads.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from playground.llm import ChatGateway, Completion, ToolCall
from playground.model_ref import ModelRef
from playground.records import Usage


def cache_key(model: str | ModelRef, messages: list[dict[str, str]], max_tokens: int, temperature: float) -> str:
    """A digest of everything that determines the answer.

    An adapter counts by its name and content hash, not its folder: a moved checkout keeps its
    cache, retrained weights get new keys.
    """
    model_id = ModelRef.parse(model).cache_id
    payload = json.dumps([model_id, messages, max_tokens, temperature], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


class AnswerCache:
    """Key -> a JSON record of a finished answer (text, usage, cost, timings)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, record TEXT NOT NULL)")
        self._db.commit()

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT record FROM answers WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, record: dict[str, Any]) -> None:
        with self._lock:
            text = json.dumps(record, ensure_ascii=False)
            self._db.execute("INSERT OR REPLACE INTO answers (key, record) VALUES (?, ?)", (key, text))
            self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM answers").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()


class AnswerCaches:
    """One AnswerCache per file in this process (SQLite connections are shared across threads)."""

    def __init__(self) -> None:
        self._open: dict[Path, AnswerCache] = {}
        self._lock = threading.Lock()

    def get(self, path: Path) -> AnswerCache:
        with self._lock:
            if path not in self._open:
                self._open[path] = AnswerCache(path)
            return self._open[path]

    def close_under(self, folder: Path) -> None:
        """Close the caches kept in this folder (a workspace being removed)."""
        with self._lock:
            for path in [p for p in self._open if p.is_relative_to(folder)]:
                self._open.pop(path).close()


def cacheable(model: str | ModelRef) -> bool:
    """False for an adapter whose content could not be hashed: a retrained one would hit stale answers."""
    ref = ModelRef.parse(model)
    return ref.adapter_name is None or bool(ref.adapter_digest)


def to_record(completion: Completion) -> dict[str, Any]:
    """What the cache keeps of a completion (the one place a record is built)."""
    usage = [completion.usage.prompt_tokens, completion.usage.completion_tokens]
    return {
        "text": completion.text,
        "usage": usage,
        "cost_usd": completion.cost_usd,
        "ttft_s": completion.ttft_s,
        "latency_s": completion.latency_s,
        "tool_calls": [[c.id, c.name, c.arguments] for c in completion.tool_calls],
    }


def from_record(record: dict[str, Any]) -> Completion:
    """A cached completion, marked cached (records from before timings were kept read as 0 s)."""
    ttft, latency = record.get("ttft_s") or 0.0, record.get("latency_s") or 0.0
    calls = tuple(ToolCall(*call) for call in record.get("tool_calls") or [])
    usage = Usage(*record["usage"])
    return Completion(record["text"], usage, ttft, latency, record["cost_usd"], cached=True, tool_calls=calls)


class CachingGateway:
    """The gateway as an evaluation uses it: whole answers (a batch is not streamed), cached per call.

    Every model call a lane makes is keyed by exactly what the model was sent, so a multi-call lane
    (a chain, tools) reuses each of its calls on a rerun, and a changed step misses only from there.
    """

    def __init__(self, gateway: ChatGateway, cache: AnswerCache | None) -> None:
        self.gateway = gateway
        self.cache = cache

    def complete(
        self,
        model: str | ModelRef,
        messages: list[dict[str, str]],
        max_tokens: int = 256,
        temperature: float = 0.0,
        **params: Any,
    ) -> Completion:
        key = None
        ref = self._resolve(model) if self.cache is not None else None  # the policy refuses before any key
        if self.cache is not None and ref is not None and cacheable(ref):
            sent = messages + (
                [{"role": "parameters", "content": json.dumps(params, sort_keys=True, default=str)}] if params else []
            )
            key = cache_key(ref, sent, max_tokens, temperature)
            record = self.cache.get(key)
            if record is not None:
                return from_record(record)
        self.gateway.check_fits(model, messages, max_tokens)  # only what is generated needs to fit
        completion = self.gateway.complete(model, messages, max_tokens, temperature, **params)
        if self.cache is not None and key is not None:
            self.cache.put(key, to_record(completion))
        return completion

    def _resolve(self, model: str | ModelRef) -> ModelRef:
        """The model through the gateway's own check (public mode's policy) before it is keyed.

        Keying parses the string and hashes an adapter folder's files: for a model the policy would
        refuse (a path, `<base>::/any/folder`) nothing on disk may be read first. A gateway without
        `resolve` (a test fake) has no policy, so parsing it here is what the gateway would do.
        """
        resolve = getattr(self.gateway, "resolve", None)
        return resolve(model) if resolve is not None else ModelRef.parse(model)

    def stream(
        self,
        model: str | ModelRef,
        messages: list[dict[str, str]],
        max_tokens: int = 256,
        temperature: float = 0.0,
        **params: Any,
    ) -> Iterator[str | Completion]:
        yield self.complete(model, messages, max_tokens, temperature, **params)

    def check_fits(self, model: str | ModelRef, messages: list[dict[str, str]], max_tokens: int) -> int:
        """Checked in `complete`, on a miss: a fully cached rerun loads and tokenizes nothing."""
        return 0

    def runs_one_at_a_time(self, model: str | ModelRef) -> bool:
        return self.gateway.runs_one_at_a_time(model)

    def supports_tools(self, model: str | ModelRef) -> bool:
        return self.gateway.supports_tools(model)
