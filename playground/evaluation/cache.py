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
from pathlib import Path
from typing import Any

from playground.model_ref import ModelRef


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
