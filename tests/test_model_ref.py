"""ModelRef: `local/<base>::<adapter>` parsed and formatted in one place, shown by name, cached by content."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from playground.evaluation.cache import cache_key
from playground.model_ref import ModelRef, adapter_digest
from playground.training.registry import AdapterInfo

BASE = "local/smollm2-135m-instruct"
MESSAGES = [{"role": "user", "content": "How much is a kettle?"}]


def _adapter(folder: Path, weights: bytes = b"weights-1") -> Path:
    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text(json.dumps({"r": 16}))
    (folder / "adapter_model.safetensors").write_bytes(weights)
    return folder


def test_a_plain_model_has_no_adapter() -> None:
    ref = ModelRef.parse("openai/gpt-4o-mini")
    assert ref == ModelRef("openai/gpt-4o-mini")
    assert ref.adapter is None and not ref.is_local
    assert str(ref) == ref.wire == ref.cache_id == "openai/gpt-4o-mini"
    assert ModelRef.parse(BASE).engine_name == "smollm2-135m-instruct" and ModelRef.parse(BASE).is_local


def test_an_adapter_folder_round_trips_through_the_wire_string(tmp_path: Path) -> None:
    folder = _adapter(tmp_path / "pricing")
    ref = ModelRef.parse(f"{BASE}::{folder}")
    assert (ref.model, ref.adapter_name, ref.adapter_path) == (BASE, "pricing", folder.resolve())
    assert ref.adapter_digest == adapter_digest(folder) != ""
    assert ModelRef.parse(ref.wire) == ref
    assert ref.wire == f"{BASE}::{folder.resolve()}"
    assert ref.engine_name == f"smollm2-135m-instruct::{folder.resolve()}"
    assert ModelRef.parse(ref) is ref, "a ModelRef passes through parse unchanged"


def test_an_adapter_named_without_a_folder_keeps_its_name(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # no folder called "pricing" here
    ref = ModelRef.parse(f"{BASE}::pricing")
    assert (ref.adapter_name, ref.adapter_path) == ("pricing", None)
    assert ref.adapter == Path("pricing")
    assert ref.wire == f"{BASE}::pricing" and ModelRef.parse(ref.wire) == ref
    assert ref.engine_name == "smollm2-135m-instruct::pricing", "the engine still sees the adapter, and refuses it"


def test_for_adapter_matches_parsing_its_wire_string(tmp_path: Path) -> None:
    folder = _adapter(tmp_path / "adapters" / "support-tone")
    info = AdapterInfo("support-tone", folder, {"base_model": "smollm2-135m-instruct"}, read_only=True)
    ref = ModelRef.for_adapter(info)
    assert ref.model == BASE and ref.adapter_path == folder.resolve()
    assert ModelRef.parse(ref.wire) == ref


def test_display_shows_the_name_never_the_folder(tmp_path: Path) -> None:
    folder = _adapter(tmp_path / "machine-specific" / "pricing")
    ref = ModelRef.parse(f"{BASE}::{folder}")
    assert str(ref) == f"{BASE}::pricing"
    assert "machine-specific" not in str(ref) and "machine-specific" not in ref.cache_id
    assert str(ModelRef.parse(str(ref))) == str(ref), "the display form parses back to itself"


def test_cache_id_survives_a_moved_folder(tmp_path: Path) -> None:
    first = _adapter(tmp_path / "checkout-a" / "pricing")
    moved = tmp_path / "checkout-b" / "pricing"
    shutil.copytree(first, moved)
    a, b = ModelRef.parse(f"{BASE}::{first}"), ModelRef.parse(f"{BASE}::{moved}")
    assert a.wire != b.wire
    assert a.cache_id == b.cache_id
    assert cache_key(a, MESSAGES, 64, 0.0) == cache_key(b.wire, MESSAGES, 64, 0.0)


def test_digest_changes_when_the_weights_change(tmp_path: Path) -> None:
    folder = _adapter(tmp_path / "pricing", b"weights-1")
    before = ModelRef.parse(f"{BASE}::{folder}")
    weights = folder / "adapter_model.safetensors"
    weights.write_bytes(b"weights-2")  # same size: the digest must notice anyway
    stat = weights.stat()
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # a later write, on any clock
    after = ModelRef.parse(f"{BASE}::{folder}")
    assert before.adapter_name == after.adapter_name
    assert before.adapter_digest != after.adapter_digest
    assert cache_key(before, MESSAGES, 64, 0.0) != cache_key(after, MESSAGES, 64, 0.0)


def test_a_folder_without_weights_has_an_empty_digest(tmp_path: Path) -> None:
    assert adapter_digest(tmp_path) == ""


def test_with_adapter_is_what_parse_builds(tmp_path: Path) -> None:
    folder = _adapter(tmp_path / "pricing")
    assert ModelRef(BASE).with_adapter(folder) == ModelRef.parse(f"{BASE}::{folder}")
