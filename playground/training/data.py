"""Load and validate fine-tuning data (chat JSONL, prompt/completion JSONL or CSV) into conversations.

Every format becomes a `TrainingSet`: conversations of {"role", "content"} messages that end with the
assistant's reply, the part training learns from. Whatever is wrong with a file, loading raises
`TrainingDataError` with one line that names the file and, where there is one, the line.

Stdlib only, on purpose: the trainer's child process imports this module before Unsloth, and Unsloth
must be imported before transformers, trl or datasets.

`max_examples` keeps the first N examples and stops reading there: lines after the Nth valid example
are never validated, so a file with a bad line 900 trains fine with `max_examples=100`. The sha256 is
always of the whole file's bytes (it identifies the file, not the subset kept).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from playground.errors import PlaygroundError
from playground.limits import Limits, over_limit
from playground.text_utils import NotUtf8Error, decode_utf8, one_line

Message = dict[str, str]

ROLES: tuple[str, ...] = ("system", "user", "assistant")
SUPPORTED_SUFFIXES: tuple[str, ...] = (".jsonl", ".csv")
# Comma first: on a tie (a one-column header) it wins.
_CSV_DELIMITERS: tuple[str, ...] = (",", "\t", ";")
_FORM_NAMES = {"chat": 'a chat record ("messages")', "prompt-completion": "a prompt/completion record"}
# Python types as JSON names them, for "must be a string, not a list".
_JSON_TYPES = {
    dict: "an object",
    list: "a list",
    str: "a string",
    bool: "true/false",
    int: "a number",
    float: "a number",
}


class TrainingDataError(PlaygroundError, ValueError):
    """Training data cannot be used. str(exc) is one line: "<file>: line N: <problem>" or "<file>: <problem>"."""


@dataclass(frozen=True)
class TrainingSet:
    """The validated conversations of one training file."""

    source: str  # the file name
    conversations: tuple[tuple[Message, ...], ...]
    sha256: str  # of the raw file bytes, for the adapter card
    format: str  # "chat", "prompt-completion" or "csv"
    # Each example's "category" (a JSONL record's top-level field), None where it has none; may be
    # empty (no example has one). Validation slices are stratified by it.
    categories: tuple[str | None, ...] = ()

    def __len__(self) -> int:
        return len(self.conversations)


@dataclass(frozen=True)
class CsvMapping:
    """Which CSV columns hold the prompt, the completion and (optionally) a per-row system prompt."""

    prompt_column: str
    completion_column: str
    system_column: str | None = None


def load_training_file(
    path: Path,
    csv_mapping: CsvMapping | None = None,
    system_prompt: str | None = None,
    max_examples: int | None = None,
) -> TrainingSet:
    """Read and validate a training file from disk; see `load_training_bytes`."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _error(path.name, f"cannot be read ({exc.strerror or exc})") from exc
    return load_training_bytes(path.name, data, csv_mapping, system_prompt, max_examples)


def load_bounded(path: Path, csv_mapping: CsvMapping | None, max_examples: int | None, limits: Limits) -> TrainingSet:
    """`load_training_file`, refused with one line when training would use more examples than `limits` allow.

    Reading stops one example past the limit, so an oversized file is never parsed to its end.
    """
    limit = limits.train_examples
    keep = limit + 1 if max_examples is None else min(max_examples, limit + 1)
    training = load_training_file(path, csv_mapping, max_examples=keep)
    if len(training) > limit:
        raise over_limit(
            f"{training.source}: the number of examples", len(training), limit, limits.setting("train_examples")
        )
    return training


def load_training_bytes(
    name: str,
    data: bytes,
    csv_mapping: CsvMapping | None = None,
    system_prompt: str | None = None,
    max_examples: int | None = None,
) -> TrainingSet:
    """Validate the bytes of a file called `name` (its suffix picks the format) into a TrainingSet.

    `system_prompt` becomes the first message of every conversation that has no system message of
    its own (a blank one counts as none). `max_examples` keeps the first N examples and stops reading.
    """
    source = one_line(Path(name).name)
    suffix = Path(source).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = f"'{suffix}'" if suffix else "'' (no extension)"
        raise _error(source, f"unsupported training file type {shown}; use .jsonl (chat or prompt/completion) or .csv")
    if max_examples is not None and max_examples < 1:
        raise ValueError(f"max_examples must be at least 1, not {max_examples}")
    system = system_prompt if system_prompt and system_prompt.strip() else None
    text = _decode(source, data)
    categories: list[str | None] = []
    if suffix == ".csv":
        form, conversations = _read_csv(source, text, csv_mapping, system, max_examples)
    else:
        form, conversations = _read_jsonl(source, text, system, max_examples, categories)
    digest = hashlib.sha256(data).hexdigest()
    kept = tuple(categories) if any(c is not None for c in categories) else ()
    return TrainingSet(source, tuple(conversations), digest, form, kept)


def category_of(training: TrainingSet, index: int) -> str | None:
    """The category of example `index` (0-based), or None when it has none."""
    return training.categories[index] if training.categories else None


def preview(training: TrainingSet, render: Callable[[list[Message]], str], n: int = 3) -> list[str]:
    """The first `n` examples as the model will see them.

    `render` applies a chat template, e.g. `lambda m: tokenizer.apply_chat_template(m, tokenize=False)`.
    It gets fresh copies of the messages, so it cannot change the set. A template that refuses an
    example (some require strictly alternating roles) gives a TrainingDataError naming the example.
    """
    shown = []
    for number, conversation in enumerate(training.conversations[: max(n, 0)], start=1):
        try:
            shown.append(render([dict(message) for message in conversation]))
        except Exception as exc:  # any template engine's error must still reach the user as one line
            problem = f"example {number} cannot be rendered with this chat template ({type(exc).__name__}: {exc})"
            raise _error(training.source, problem) from exc
    return shown


# --- shared helpers ------------------------------------------------------------------------------


def _error(source: str, problem: str, line: int | None = None) -> TrainingDataError:
    # Messages quote the user's data and library errors, which can span lines: the UI and CLI show one.
    where = f"line {line}: " if line is not None else ""
    flat = one_line(f"{where}{problem}")
    return TrainingDataError(f"{source}: {flat[:300]}")


def _decode(source: str, data: bytes) -> str:
    """UTF-8 text (a BOM is allowed) with newlines normalised; anything else is a TrainingDataError."""
    try:
        text = decode_utf8(data)
    except NotUtf8Error as exc:
        raise _error(source, f"not UTF-8 text (invalid byte 0x{exc.byte:02x}); save it as UTF-8", exc.line) from exc
    if not text.strip():
        raise _error(source, "the file is empty")
    return text


def _json_type(value: object) -> str:
    return "null" if value is None else _JSON_TYPES.get(type(value), type(value).__name__)


def _shown(value: str, limit: int = 40) -> str:
    """A piece of the user's data, quoted and cut short for an error message."""
    return json.dumps(value if len(value) <= limit else value[:limit] + "...", ensure_ascii=False)


def _with_system(conversation: list[Message], system: str | None) -> tuple[Message, ...]:
    if system is not None and conversation[0]["role"] != "system":
        conversation = [{"role": "system", "content": system}, *conversation]
    return tuple(conversation)


# --- JSONL: chat or prompt/completion, one form per file -----------------------------------------


def _read_jsonl(
    source: str, text: str, system: str | None, limit: int | None, categories: list[str | None]
) -> tuple[str, list[tuple[Message, ...]]]:
    form, first_line = "", 0
    conversations: list[tuple[Message, ...]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue  # blank lines are skipped but still counted, so line numbers match an editor's
        record = _json_object(source, line, number)
        line_form = _record_form(source, record, number)
        if not form:
            form, first_line = line_form, number
        elif line_form != form:
            problem = f"{_FORM_NAMES[line_form]}, but the first record (line {first_line}) is {_FORM_NAMES[form]}"
            raise _error(source, f"{problem}; use one form per file", number)
        reader = _chat_record if form == "chat" else _prompt_completion_record
        conversations.append(_with_system(reader(source, record, number), system))
        category = record.get("category")
        categories.append(str(category) if isinstance(category, str | int) and str(category).strip() else None)
        if limit is not None and len(conversations) >= limit:
            break
    return form, conversations


def _json_object(source: str, line: str, number: int) -> dict:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _error(source, f"not valid JSON ({exc.msg})", number) from exc
    if not isinstance(record, dict):
        raise _error(source, f"not a JSON object (it is {_json_type(record)})", number)
    return record


def _record_form(source: str, record: dict, number: int) -> str:
    if "messages" in record:
        return "chat"
    if "prompt" in record and "completion" in record:
        return "prompt-completion"
    found = f"it has: {', '.join(map(str, record))}" if record else "it is an empty object"
    raise _error(source, f'needs "messages", or "prompt" and "completion" ({found})', number)


def _chat_record(source: str, record: dict, number: int) -> list[Message]:
    messages = record["messages"]
    if not isinstance(messages, list):
        problem = f'"messages" must be a list of {{"role", "content"}} objects, not {_json_type(messages)}'
        raise _error(source, problem, number)
    if not messages:
        raise _error(source, '"messages" is empty', number)
    conversation = [_message(source, item, index, number) for index, item in enumerate(messages, start=1)]
    _check_turns(source, [message["role"] for message in conversation], number)
    return conversation


def _message(source: str, item: object, index: int, number: int) -> Message:
    """One {"role", "content"} message; other keys (name, weight, ...) are dropped."""
    if not isinstance(item, dict):
        problem = f'message {index} must be an object with "role" and "content", not {_json_type(item)}'
        raise _error(source, problem, number)
    for key in ("role", "content"):
        if key not in item:
            raise _error(source, f'message {index} has no "{key}"', number)
        if not isinstance(item[key], str):
            raise _error(source, f'message {index}: "{key}" must be a string, not {_json_type(item[key])}', number)
    role, content = item["role"], item["content"]
    if role not in ROLES:
        raise _error(source, f"message {index} has unknown role {_shown(role)}; use system, user or assistant", number)
    if not content.strip():
        raise _error(source, f"message {index} ({role}) has empty content", number)
    return {"role": role, "content": content}


def _check_turns(source: str, roles: list[str], number: int) -> None:
    """A system message only first (chat templates put it there), a user turn, and the assistant last."""
    if "system" in roles[1:]:
        index = roles.index("system", 1) + 1
        raise _error(source, f"message {index} is a system message; only the first message may be one", number)
    if "user" not in roles:
        raise _error(source, "needs at least one user message", number)
    if roles[-1] != "assistant":
        last = roles[-1]
        problem = f"the last message is from the {last}; it must be from the assistant (training learns the replies)"
        raise _error(source, problem, number)


def _prompt_completion_record(source: str, record: dict, number: int) -> list[Message]:
    for key in ("prompt", "completion"):
        value = record[key]
        if not isinstance(value, str):
            raise _error(source, f'"{key}" must be a string, not {_json_type(value)}', number)
        if not value.strip():
            raise _error(source, f'"{key}" is empty', number)
    return [{"role": "user", "content": record["prompt"]}, {"role": "assistant", "content": record["completion"]}]


# --- CSV: a column mapping picks the prompt, completion and (optional) system columns -------------


def _read_csv(
    source: str, text: str, mapping: CsvMapping | None, system: str | None, limit: int | None
) -> tuple[str, list[tuple[Message, ...]]]:
    delimiter, header = _csv_header(source, text, mapping)
    listed = ", ".join(name for name in header if name) or "(none)"
    if mapping is None:
        raise _error(source, f"CSV needs a column mapping (prompt and completion columns); columns are: {listed}")
    columns = _column_indexes(source, header, mapping, listed)
    conversations: list[tuple[Message, ...]] = []
    rows = _csv_rows(source, text, delimiter)
    next(rows)  # the header
    for number, row in rows:
        conversations.append(_csv_conversation(source, row, columns, number, system))
        if limit is not None and len(conversations) >= limit:
            break
    if not conversations:
        raise _error(source, "the CSV has a header but no data rows")
    return "csv", conversations


def _csv_rows(source: str, text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line where the row starts, cells) for each non-blank row; a quoted cell may span lines."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    start = 1
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                yield start, row
            start = reader.line_num + 1
    except csv.Error as exc:
        raise _error(source, f"not readable as CSV ({exc})", start) from exc


def _csv_header(source: str, text: str, mapping: CsvMapping | None) -> tuple[str, list[str]]:
    """The delimiter whose header has the mapped columns, else the one that splits the header most."""
    headers = {}
    for delimiter in _CSV_DELIMITERS:
        _, row = next(_csv_rows(source, text, delimiter))  # the text is not blank, so a header exists
        headers[delimiter] = [name.strip() for name in row]
    if mapping is not None:
        wanted = [name for name in (mapping.prompt_column, mapping.completion_column, mapping.system_column) if name]
        for delimiter, header in headers.items():
            if all(name.strip() in header for name in wanted):
                return delimiter, header
    delimiter = max(headers, key=lambda d: len(headers[d]))
    return delimiter, headers[delimiter]


def _column_indexes(source: str, header: list[str], mapping: CsvMapping, listed: str) -> dict[str, tuple[int, str]]:
    """For "prompt", "completion" and (if mapped) "system": the column's index and name."""
    wanted = {"prompt": mapping.prompt_column, "completion": mapping.completion_column}
    if mapping.system_column:
        wanted["system"] = mapping.system_column
    if mapping.prompt_column.strip() == mapping.completion_column.strip():
        raise _error(source, f"the prompt and completion columns must differ (both are '{mapping.prompt_column}')")
    indexes = {}
    for part, name in wanted.items():
        if name.strip() not in header:
            raise _error(source, f"no column '{name}'; columns are: {listed}")
        indexes[part] = (header.index(name.strip()), name.strip())
    return indexes


def _csv_conversation(
    source: str, row: list[str], columns: dict[str, tuple[int, str]], number: int, system: str | None
) -> tuple[Message, ...]:
    # A short row (fewer cells than the header) reads as empty cells at its end.
    cells = {part: row[index] if index < len(row) else "" for part, (index, _) in columns.items()}
    for part in ("prompt", "completion"):
        if not cells[part].strip():
            raise _error(source, f"the '{columns[part][1]}' cell ({part} column) is empty", number)
    conversation = [{"role": "user", "content": cells["prompt"]}, {"role": "assistant", "content": cells["completion"]}]
    row_system = cells.get("system", "")
    return _with_system(conversation, row_system if row_system.strip() else system)
