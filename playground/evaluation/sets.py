"""Evaluation sets: JSONL lines of question, reference, kind (text, number, choice) and optional source.

Uploaded sets are checked line by line; every problem names its line, so a user can fix the file.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from playground.errors import PlaygroundError
from playground.limits import Limits, check_file_size, over_limit
from playground.text_utils import NotUtf8Error, decode_utf8

KINDS = ("text", "number", "choice")
MAX_REPORTED_PROBLEMS = 5


class EvalSetError(PlaygroundError, ValueError):
    """An evaluation set cannot be read; the message names the offending lines."""


@dataclass(frozen=True)
class EvalItem:
    """One question of an evaluation set, with the answer a lane should give."""

    number: int  # 1-based line number in the file: a stable id for caching and reports
    question: str
    reference: str
    kind: str = "text"
    source: str | None = None  # the knowledge-base file holding the answer (retrieval metrics)
    category: str | None = None


def _parse_line(number: int, line: str) -> EvalItem:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise EvalSetError(f"line {number}: not valid JSON ({exc.msg})") from exc
    if not isinstance(record, dict):
        raise EvalSetError(f"line {number}: expected an object with question and reference")
    missing = [key for key in ("question", "reference") if not str(record.get(key) or "").strip()]
    if missing:
        raise EvalSetError(f"line {number}: missing {' and '.join(missing)}")
    kind = str(record.get("kind") or "text")
    if kind not in KINDS:
        raise EvalSetError(f"line {number}: kind '{kind}' is not one of {', '.join(KINDS)}")
    source, category = record.get("source"), record.get("category")
    return EvalItem(
        number=number,
        question=str(record["question"]).strip(),
        reference=str(record["reference"]).strip(),
        kind=kind,
        source=str(source) if source else None,
        category=str(category) if category else None,
    )


def parse_eval_set(text: str, name: str = "evaluation set", max_rows: int | None = None) -> list[EvalItem]:
    """Every item of a JSONL evaluation set; EvalSetError listing the first bad lines otherwise.

    With `max_rows`, a set of more (non-blank) lines is refused before any line is parsed.
    """
    if max_rows is not None:
        rows = sum(1 for line in text.splitlines() if line.strip())
        if rows > max_rows:
            raise over_limit(f"{name}: the number of rows", rows, max_rows, Limits.setting("eval_rows"))
    items, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(_parse_line(number, line))
        except EvalSetError as exc:
            problems.append(str(exc))
    if problems:
        more = len(problems) - MAX_REPORTED_PROBLEMS
        shown = "; ".join(problems[:MAX_REPORTED_PROBLEMS]) + (f"; and {more} more" if more > 0 else "")
        raise EvalSetError(f"{name}: {shown}")
    if not items:
        raise EvalSetError(f"{name}: no questions in it (expected JSON lines with question and reference)")
    return items


def load_eval_set(path: Path, max_rows: int | None = None, max_bytes: int | None = None) -> list[EvalItem]:
    """Read and check an evaluation set file; an upload's size is checked before it is read."""
    if max_bytes is not None:
        check_file_size(path, max_bytes, "the evaluation set")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise EvalSetError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    try:
        text = decode_utf8(data)
    except NotUtf8Error as exc:
        raise EvalSetError(f"{path.name}: not UTF-8 text (byte {exc.position})") from exc
    return parse_eval_set(text, path.name, max_rows)


def sample_items(items: list[EvalItem], limit: int | None, seed: int = 0) -> list[EvalItem]:
    """All items, or a seeded random sample of `limit` of them kept in file order."""
    if limit is None or limit >= len(items):
        return list(items)
    if limit < 1:
        raise EvalSetError("the sample size must be at least 1")
    chosen = random.Random(seed).sample(range(len(items)), limit)
    return [items[i] for i in sorted(chosen)]
