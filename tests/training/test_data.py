"""Loading training data: every format into conversations, and a one-line error naming the line for each bad input."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from playground.training.data import (
    CsvMapping,
    Message,
    TrainingDataError,
    TrainingSet,
    load_training_bytes,
    load_training_file,
    preview,
)

REPO = Path(__file__).resolve().parents[2]
QA = CsvMapping(prompt_column="question", completion_column="answer")


def jsonl(*records: object) -> bytes:
    return "".join(json.dumps(record) + "\n" for record in records).encode()


def chat(*turns: tuple[str, str]) -> dict:
    return {"messages": [{"role": role, "content": content} for role, content in turns]}


def user_assistant(question: str, answer: str) -> tuple[Message, ...]:
    return ({"role": "user", "content": question}, {"role": "assistant", "content": answer})


def load_error(name: str, data: bytes, **kwargs: object) -> str:
    with pytest.raises(TrainingDataError) as caught:
        load_training_bytes(name, data, **kwargs)
    message = str(caught.value)
    assert "\n" not in message
    return message


# --- valid files ---------------------------------------------------------------------------------


def test_chat_jsonl_becomes_its_conversations() -> None:
    data = jsonl(
        chat(("system", "Be brief."), ("user", "Hi"), ("assistant", "Hello.")),
        chat(("user", "2+2?"), ("assistant", "4"), ("user", "And 3+3?"), ("assistant", "6")),
    )
    training = load_training_bytes("train.jsonl", data)
    assert training.format == "chat"
    assert training.source == "train.jsonl"
    assert len(training) == 2
    assert training.conversations == (
        (
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello."},
        ),
        (*user_assistant("2+2?", "4"), *user_assistant("And 3+3?", "6")),
    )


def test_chat_messages_keep_only_role_and_content() -> None:
    record = {
        "id": 7,
        "messages": [
            {"role": "user", "content": "Hi", "name": "ann"},
            {"role": "assistant", "content": "Yo", "weight": 1},
        ],
    }
    training = load_training_bytes("train.jsonl", jsonl(record))
    assert training.conversations == (user_assistant("Hi", "Yo"),)


def test_prompt_completion_jsonl_becomes_user_then_assistant() -> None:
    data = jsonl({"prompt": "Capital of France?", "completion": "Paris."}, {"prompt": "2+2?", "completion": "4"})
    training = load_training_bytes("pc.jsonl", data)
    assert training.format == "prompt-completion"
    assert training.conversations == (user_assistant("Capital of France?", "Paris."), user_assistant("2+2?", "4"))


def test_system_prompt_is_prepended_only_where_there_is_none() -> None:
    data = jsonl(
        chat(("system", "Own prompt."), ("user", "a"), ("assistant", "b")), chat(("user", "c"), ("assistant", "d"))
    )
    training = load_training_bytes("train.jsonl", data, system_prompt="Shared prompt.")
    assert [conversation[0] for conversation in training.conversations] == [
        {"role": "system", "content": "Own prompt."},
        {"role": "system", "content": "Shared prompt."},
    ]
    assert training.conversations[1][1:] == user_assistant("c", "d")


def test_system_prompt_for_prompt_completion_and_blank_system_prompt_ignored() -> None:
    data = jsonl({"prompt": "q", "completion": "a"})
    with_system = load_training_bytes("pc.jsonl", data, system_prompt="Be terse.")
    assert with_system.conversations == (({"role": "system", "content": "Be terse."}, *user_assistant("q", "a")),)
    assert load_training_bytes("pc.jsonl", data, system_prompt="  ").conversations == (user_assistant("q", "a"),)


def test_blank_lines_crlf_and_bom_are_accepted() -> None:
    data = b"\xef\xbb\xbf\r\n" + jsonl({"prompt": "q", "completion": "a"}).replace(b"\n", b"\r\n") + b"   \r\n\r\n"
    training = load_training_bytes("pc.jsonl", data)
    assert training.conversations == (user_assistant("q", "a"),)


def test_suffix_is_case_insensitive_and_the_source_is_the_bare_file_name() -> None:
    training = load_training_bytes("uploads/deep/Train.JSONL", jsonl({"prompt": "q", "completion": "a"}))
    assert training.source == "Train.JSONL"


def test_csv_with_a_mapping_becomes_conversations() -> None:
    data = b'question,answer,notes\nWhat is 2+2?,4,easy\n"Name, please?","Ada, of course",\n'
    training = load_training_bytes("qa.csv", data, csv_mapping=QA)
    assert training.format == "csv"
    assert training.conversations == (
        user_assistant("What is 2+2?", "4"),
        user_assistant("Name, please?", "Ada, of course"),
    )


def test_csv_system_column_falls_back_to_the_system_prompt_when_empty() -> None:
    data = b"sys,question,answer\nBe formal.,Hi,Good day.\n,Hi,Hey\n"
    mapping = CsvMapping("question", "answer", system_column="sys")
    training = load_training_bytes("qa.csv", data, csv_mapping=mapping, system_prompt="Default.")
    assert [conversation[0]["content"] for conversation in training.conversations] == ["Be formal.", "Default."]
    without_default = load_training_bytes("qa.csv", data, csv_mapping=mapping)
    assert without_default.conversations[1] == user_assistant("Hi", "Hey")


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_csv_semicolon_and_tab_delimiters(delimiter: str) -> None:
    data = f"question{delimiter}answer\nPrice, roughly?{delimiter}About 5, maybe\n".encode()
    training = load_training_bytes("qa.csv", data, csv_mapping=QA)
    assert training.conversations == (user_assistant("Price, roughly?", "About 5, maybe"),)


def test_csv_multiline_cells_and_blank_rows_are_kept_whole() -> None:
    data = b'question,answer\n"Line one\nline two",Yes\n\nQ2,A2\n'
    training = load_training_bytes("qa.csv", data, csv_mapping=QA)
    assert training.conversations == (user_assistant("Line one\nline two", "Yes"), user_assistant("Q2", "A2"))


# --- max_examples, sha256, files on disk ---------------------------------------------------------


def test_max_examples_keeps_the_first_n_and_stops_reading() -> None:
    data = jsonl({"prompt": "1", "completion": "a"}, {"prompt": "2", "completion": "b"}) + b"not json\n"
    training = load_training_bytes("pc.jsonl", data, max_examples=2)
    assert training.conversations == (user_assistant("1", "a"), user_assistant("2", "b"))
    assert "line 3: not valid JSON" in load_error("pc.jsonl", data, max_examples=3)
    assert len(load_training_bytes("pc.jsonl", data[: -len(b"not json\n")], max_examples=1)) == 1


def test_max_examples_counts_valid_records_not_lines_and_applies_to_csv() -> None:
    data = b"\n\n" + jsonl({"prompt": "1", "completion": "a"}, {"prompt": "2", "completion": "b"})
    assert len(load_training_bytes("pc.jsonl", data, max_examples=1)) == 1
    csv_data = b"question,answer\nq1,a1\nq2,a2\nq3,\n"
    assert len(load_training_bytes("qa.csv", csv_data, csv_mapping=QA, max_examples=2)) == 2
    assert "line 4: the 'answer' cell" in load_error("qa.csv", csv_data, csv_mapping=QA)


@pytest.mark.parametrize("bad", [0, -1])
def test_max_examples_below_one_is_refused(bad: int) -> None:
    with pytest.raises(ValueError, match="max_examples must be at least 1"):
        load_training_bytes("pc.jsonl", jsonl({"prompt": "q", "completion": "a"}), max_examples=bad)


def test_sha256_is_of_the_raw_bytes_and_stable() -> None:
    data = jsonl({"prompt": "q", "completion": "a"}, {"prompt": "q2", "completion": "a2"})
    first = load_training_bytes("pc.jsonl", data)
    assert first.sha256 == hashlib.sha256(data).hexdigest()
    assert load_training_bytes("other-name.jsonl", data, max_examples=1, system_prompt="S").sha256 == first.sha256
    assert load_training_bytes("pc.jsonl", data + b"\n").sha256 != first.sha256


def test_load_training_file_matches_load_training_bytes(tmp_path: Path) -> None:
    data = jsonl(chat(("user", "Hi"), ("assistant", "Hello.")))
    path = tmp_path / "train.jsonl"
    path.write_bytes(data)
    assert load_training_file(path) == load_training_bytes("train.jsonl", data)
    csv_path = tmp_path / "qa.csv"
    csv_path.write_bytes(b"question,answer\nq,a\n")
    assert load_training_file(csv_path, csv_mapping=QA, max_examples=5).conversations == (user_assistant("q", "a"),)


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(TrainingDataError) as caught:
        load_training_file(tmp_path / "absent.jsonl")
    assert str(caught.value).startswith("absent.jsonl: cannot be read (")
    assert "\n" not in str(caught.value)


def test_training_set_is_frozen() -> None:
    training = load_training_bytes("pc.jsonl", jsonl({"prompt": "q", "completion": "a"}))
    assert isinstance(training, TrainingSet)
    with pytest.raises(AttributeError):
        training.format = "csv"  # type: ignore[misc]


# --- one error per bad input, each naming the line -----------------------------------------------

GOOD_CHAT = chat(("user", "Hi"), ("assistant", "Hello."))
GOOD_PC = {"prompt": "q", "completion": "a"}


def chat_with(message: object) -> dict:
    """A chat record whose second message is `message`, after a valid user turn and before the reply."""
    return {"messages": [{"role": "user", "content": "Hi"}, message, {"role": "assistant", "content": "Hello."}]}


ERRORS = [
    ("empty file", "t.jsonl", b"", "t.jsonl: the file is empty"),
    ("only blank lines", "t.jsonl", b"\n  \n\t\n\n", "t.jsonl: the file is empty"),
    ("empty csv", "t.csv", b"\n", "t.csv: the file is empty"),
    (
        "not utf-8",
        "t.jsonl",
        jsonl(GOOD_PC) + b'{"prompt": "caf\xe9", "completion": "a"}\n',
        "t.jsonl: line 2: not UTF-8 text",
    ),
    (
        "bad json",
        "t.jsonl",
        jsonl(GOOD_PC, GOOD_PC) + b'{"prompt": "q" "completion": "a"}\n',
        "t.jsonl: line 3: not valid JSON (Expecting ',' delimiter)",
    ),
    ("not an object", "t.jsonl", jsonl(GOOD_PC) + b"[1, 2]\n", "t.jsonl: line 2: not a JSON object (it is a list)"),
    ("a bare string", "t.jsonl", b'"hello"\n', "t.jsonl: line 1: not a JSON object (it is a string)"),
    (
        "missing fields",
        "t.jsonl",
        jsonl(GOOD_PC, GOOD_PC, GOOD_PC, GOOD_PC, {"question": "q", "answer": "a"}),
        't.jsonl: line 5: needs "messages", or "prompt" and "completion" (it has: question, answer)',
    ),
    ("prompt without completion", "t.jsonl", jsonl({"prompt": "q"}), 't.jsonl: line 1: needs "messages", or "prompt"'),
    ("empty object", "t.jsonl", b"{}\n", 't.jsonl: line 1: needs "messages", or "prompt" and "completion" (it is an'),
    ("messages not a list", "t.jsonl", jsonl({"messages": "Hi"}), 't.jsonl: line 1: "messages" must be a list'),
    ("messages empty", "t.jsonl", jsonl(GOOD_CHAT, {"messages": []}), 't.jsonl: line 2: "messages" is empty'),
    ("message not an object", "t.jsonl", jsonl(chat_with("Hi")), "t.jsonl: line 1: message 2 must be an object"),
    ("role missing", "t.jsonl", jsonl(chat_with({"content": "x"})), 't.jsonl: line 1: message 2 has no "role"'),
    ("content missing", "t.jsonl", jsonl(chat_with({"role": "user"})), 't.jsonl: line 1: message 2 has no "content"'),
    (
        "role not a string",
        "t.jsonl",
        jsonl(chat_with({"role": 1, "content": "x"})),
        't.jsonl: line 1: message 2: "role" must be a string, not a number',
    ),
    (
        "content not a string",
        "t.jsonl",
        jsonl(chat_with({"role": "user", "content": [{"type": "text", "text": "x"}]})),
        't.jsonl: line 1: message 2: "content" must be a string, not a list',
    ),
    (
        "unknown role",
        "t.jsonl",
        jsonl(GOOD_CHAT, chat_with({"role": "bot", "content": "x"})),
        't.jsonl: line 2: message 2 has unknown role "bot"; use system, user or assistant',
    ),
    (
        "empty content",
        "t.jsonl",
        jsonl(chat_with({"role": "user", "content": ""})),
        "t.jsonl: line 1: message 2 (user) has empty content",
    ),
    (
        "whitespace content",
        "t.jsonl",
        jsonl(chat(("user", "Hi"), ("assistant", " \n "))),
        "t.jsonl: line 1: message 2 (assistant) has empty content",
    ),
    (
        "last message not from the assistant",
        "t.jsonl",
        jsonl(GOOD_CHAT, GOOD_CHAT, chat(("user", "Hi"), ("assistant", "Hello."), ("user", "Bye"))),
        "t.jsonl: line 3: the last message is from the user; it must be from the assistant",
    ),
    (
        "no user message",
        "t.jsonl",
        jsonl(chat(("system", "S"), ("assistant", "A"))),
        "t.jsonl: line 1: needs at least one user message",
    ),
    (
        "system message not first",
        "t.jsonl",
        jsonl(chat_with({"role": "system", "content": "S"})),
        "t.jsonl: line 1: message 2 is a system message; only the first message may be one",
    ),
    (
        "prompt not a string",
        "t.jsonl",
        jsonl({"prompt": ["q"], "completion": "a"}),
        't.jsonl: line 1: "prompt" must be a string, not a list',
    ),
    (
        "completion null",
        "t.jsonl",
        jsonl({"prompt": "q", "completion": None}),
        't.jsonl: line 1: "completion" must be a string, not null',
    ),
    (
        "empty completion",
        "t.jsonl",
        jsonl(GOOD_PC, {"prompt": "q", "completion": ""}),
        't.jsonl: line 2: "completion" is empty',
    ),
    (
        "prompt/completion after chat",
        "t.jsonl",
        jsonl(GOOD_CHAT) + b"\n" + jsonl(GOOD_PC),
        't.jsonl: line 3: a prompt/completion record, but the first record (line 1) is a chat record ("messages")',
    ),
    (
        "chat after prompt/completion",
        "t.jsonl",
        jsonl(GOOD_PC, GOOD_CHAT),
        't.jsonl: line 2: a chat record ("messages"), but the first record (line 1) is a prompt/completion record',
    ),
    ("blank lines count", "t.jsonl", b"\n\n" + jsonl(GOOD_PC) + b"\n" + b"oops\n", "t.jsonl: line 5: not valid JSON"),
    (
        "txt suffix",
        "notes.txt",
        b"hello",
        "notes.txt: unsupported training file type '.txt'; use .jsonl (chat or prompt/completion) or .csv",
    ),
    ("json suffix", "data.json", b"[]", "data.json: unsupported training file type '.json'"),
    ("no suffix", "train", b"x", "train: unsupported training file type '' (no extension)"),
]


@pytest.mark.parametrize(("name", "data", "expected"), [case[1:] for case in ERRORS], ids=[case[0] for case in ERRORS])
def test_each_bad_jsonl_input_gives_one_line_naming_the_line(name: str, data: bytes, expected: str) -> None:
    assert load_error(name, data).startswith(expected)


CSV_ERRORS = [
    (
        "no mapping",
        b"a,b,c\n1,2,3\n",
        None,
        "t.csv: CSV needs a column mapping (prompt and completion columns); columns are: a, b, c",
    ),
    (
        "wrong mapping",
        b"title,cost\nx,1\n",
        CsvMapping("title", "price"),
        "t.csv: no column 'price'; columns are: title, cost",
    ),
    (
        "wrong system column",
        b"question,answer\nq,a\n",
        CsvMapping("question", "answer", "role"),
        "t.csv: no column 'role'",
    ),
    (
        "same column twice",
        b"question,answer\nq,a\n",
        CsvMapping("question", "question"),
        "t.csv: the prompt and completion columns must differ",
    ),
    (
        "empty completion cell",
        b"question,answer\nq,a\nq2,a2\nq3,  \n",
        QA,
        "t.csv: line 4: the 'answer' cell (completion column) is empty",
    ),
    ("empty prompt cell", b"question,answer\n,a\n", QA, "t.csv: line 2: the 'question' cell (prompt column) is empty"),
    (
        "short row",
        b"question,answer\nq,a\nonly a question\n",
        QA,
        "t.csv: line 3: the 'answer' cell (completion column) is empty",
    ),
    ("after a multiline cell", b'question,answer\n"two\nlines",a\nq,\n', QA, "t.csv: line 4: the 'answer' cell"),
    ("after a blank row", b"question,answer\nq,a\n\nq,\n", QA, "t.csv: line 4: the 'answer' cell"),
    ("header only", b"question,answer\n", QA, "t.csv: the CSV has a header but no data rows"),
    ("not utf-8", b"question,answer\nq,a\nq,caf\xe9\n", QA, "t.csv: line 3: not UTF-8 text"),
]


@pytest.mark.parametrize(
    ("data", "mapping", "expected"), [case[1:] for case in CSV_ERRORS], ids=[case[0] for case in CSV_ERRORS]
)
def test_each_bad_csv_input_gives_one_line_naming_the_line(
    data: bytes, mapping: CsvMapping | None, expected: str
) -> None:
    assert load_error("t.csv", data, csv_mapping=mapping).startswith(expected)


def test_a_multiline_error_is_flattened_to_one_line() -> None:
    record = chat(("user", "Hi"), ("multi\nline\nrole", "x"), ("assistant", "y"))
    message = load_error("t.jsonl", jsonl(record))
    assert message.startswith('t.jsonl: line 1: message 2 has unknown role "multi\\nline\\nrole"')


# --- preview ---------------------------------------------------------------------------------------


def fake_render(messages: list[Message]) -> str:
    return "\n".join(f"<{message['role']}> {message['content']}" for message in messages)


def test_preview_renders_the_first_n_examples() -> None:
    data = jsonl(*({"prompt": f"q{i}", "completion": f"a{i}"} for i in range(5)))
    training = load_training_bytes("pc.jsonl", data, system_prompt="S")
    assert preview(training, fake_render) == [f"<system> S\n<user> q{i}\n<assistant> a{i}" for i in range(3)]
    assert preview(training, fake_render, n=1) == ["<system> S\n<user> q0\n<assistant> a0"]
    assert len(preview(training, fake_render, n=50)) == 5
    assert preview(training, fake_render, n=0) == []


def test_preview_cannot_change_the_training_set() -> None:
    training = load_training_bytes("pc.jsonl", jsonl({"prompt": "q", "completion": "a"}))

    def vandal(messages: list[Message]) -> str:
        messages[0]["content"] = "changed"
        messages.append({"role": "user", "content": "extra"})
        return "ok"

    assert preview(training, vandal) == ["ok"]
    assert training.conversations == (user_assistant("q", "a"),)


def test_preview_turns_a_template_error_into_one_line_naming_the_example() -> None:
    training = load_training_bytes(
        "pc.jsonl", jsonl({"prompt": "q", "completion": "a"}, {"prompt": "q2", "completion": "a2"})
    )

    def picky(messages: list[Message]) -> str:
        if messages[0]["content"] == "q2":
            raise RuntimeError("Conversation roles must\nalternate")
        return "fine"

    with pytest.raises(TrainingDataError) as caught:
        preview(training, picky)
    assert str(caught.value) == (
        "pc.jsonl: example 2 cannot be rendered with this chat template "
        "(RuntimeError: Conversation roles must alternate)"
    )


# --- shipped data and imports --------------------------------------------------------------------


def test_shipped_training_files_all_load() -> None:
    files = sorted((REPO / "sample_data").glob("*/train.jsonl"))
    if not files:
        pytest.skip("no sample_data/*/train.jsonl shipped yet")
    for path in files:
        training = load_training_file(path)
        assert len(training) > 0, path


def test_loading_data_imports_no_ml_library() -> None:
    # The trainer's child process imports this first; Unsloth must be imported before any of these.
    code = (
        "import sys, playground.training.data\n"
        "heavy = ('torch', 'transformers', 'unsloth', 'trl', 'datasets', 'peft')\n"
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
