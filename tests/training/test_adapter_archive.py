"""Adapter zips brought in as hostile input: only a LoRA adapter's files, at the top, under the cap, or nothing."""

from __future__ import annotations

import json
import stat
import struct
import zipfile
from pathlib import Path

import pytest

from playground.training import archive
from playground.training.archive import AdapterArchiveError, check_archive, import_adapter, name_from_file

CONFIG = json.dumps({"peft_type": "LORA", "r": 8, "lora_alpha": 16, "target_modules": ["q_proj"]})
CARD = json.dumps({"base_model": "smollm2-135m-instruct", "steps": 1})
GGUF = "lora-80d864-e89bff884b40.gguf"


def safetensors(keys: tuple[str, ...] = ("base_model.model.layers.0.q_proj.lora_A.weight",)) -> bytes:
    header = json.dumps({key: {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]} for key in keys}).encode()
    return struct.pack("<Q", len(header)) + header + b"\0" * 4


def members(**changes: bytes | str | None) -> dict[str, bytes | str]:
    """A valid adapter's files, with some replaced (or, given None, left out)."""
    files: dict[str, bytes | str | None] = {
        "adapter_config.json": CONFIG,
        "adapter_model.safetensors": safetensors(),
        "card.json": CARD,
        "README.md": "# tiny\n",
        GGUF: b"GGUF not really",
    }
    files.update(changes)
    return {name: data for name, data in files.items() if data is not None}


def write_zip(path: Path, files: dict[str, bytes | str], extra: list[zipfile.ZipInfo | tuple] = ()) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for name, data in files.items():
            out.writestr(name, data)
        for info, data in extra:
            out.writestr(info, data)
    return path


def symlink_entry(name: str, target: str) -> tuple[zipfile.ZipInfo, str]:
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # Unix: the mode in external_attr counts
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target


def test_a_valid_zip_becomes_an_adapter_folder_and_its_gguf_is_not_taken_in(tmp_path: Path) -> None:
    adapters = tmp_path / "adapters"
    folder = import_adapter(write_zip(tmp_path / "My Adapter (1).zip", members()), adapters)
    assert folder == adapters / "my-adapter-1"
    assert sorted(p.name for p in folder.iterdir()) == [
        "README.md",
        "adapter_config.json",
        "adapter_model.safetensors",
        "card.json",
    ]  # the GGUF LoRA is converted here from the weights, never served as handed in
    assert (folder / "adapter_model.safetensors").read_bytes() == safetensors()
    assert sorted(p.name for p in adapters.iterdir()) == ["my-adapter-1"], "no staging folder left behind"


def test_the_name_can_be_given_and_readme_is_optional(tmp_path: Path) -> None:
    zip_file = write_zip(tmp_path / "x.zip", members(**{"README.md": None, GGUF: None}))
    assert import_adapter(zip_file, tmp_path / "adapters", "renamed").name == "renamed"


@pytest.mark.parametrize(
    ("files", "extra", "says"),
    [
        (members(), [("../escape.json", "{}")], "climbs out"),
        (members(), [("sub/../../escape.json", "{}")], "climbs out"),
        (members(), [("/etc/cron.d/evil", "x")], "absolute path"),
        (members(), [("C:/evil.json", "x")], "absolute path"),
        (members(), [("dir\\evil.json", "x")], "absolute path"),
        (members(**{"card.json": None}), [symlink_entry("card.json", "/etc/passwd")], "symbolic link"),
        (members(), [("nested/card.json", "{}")], "not a file at its top level"),
        (members(), [(zipfile.ZipInfo("folder/"), "")], "not a file at its top level"),
        (members(), [("run.sh", "rm -rf /")], "unexpected file"),
        (members(), [("lora-evil.gguf", "x")], "unexpected file"),
        pytest.param(
            members(), [("card.json", CARD)], "twice", marks=pytest.mark.filterwarnings("ignore:Duplicate name")
        ),
        (members(**{"adapter_config.json": None}), [], "has no adapter_config.json"),
        (members(**{"adapter_model.safetensors": None}), [], "has no adapter_model.safetensors"),
        (members(**{"card.json": None}), [], "has no card.json"),
    ],
)
def test_a_hostile_or_incomplete_zip_is_refused_before_anything_is_written(
    tmp_path: Path, files: dict, extra: list, says: str
) -> None:
    zip_file = write_zip(tmp_path / "evil.zip", files, extra)
    adapters = tmp_path / "adapters"
    with pytest.raises(AdapterArchiveError, match=says):
        import_adapter(zip_file, adapters, "evil")
    assert not adapters.exists() or not list(adapters.iterdir())
    assert not (tmp_path / "escape.json").exists()


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"adapter_config.json": "{not json"}, "adapter_config.json is not valid JSON"),
        ({"adapter_config.json": json.dumps({"peft_type": "IA3"})}, "'IA3' adapter, not a LoRA"),
        ({"adapter_config.json": json.dumps({"r": 8})}, "not a LoRA"),
        ({"adapter_config.json": "[1, 2]"}, "not a JSON object"),
        ({"card.json": "\xff\xfe not json"}, "card.json is not valid JSON"),
        ({"adapter_model.safetensors": b"PK\x03\x04 a zip, not weights"}, "not a safetensors file"),
        ({"adapter_model.safetensors": safetensors(("model.embed.weight",))}, "not a safetensors file of LoRA"),
    ],
)
def test_contents_that_are_not_a_lora_adapter_are_refused_and_the_staging_folder_removed(
    tmp_path: Path, changes: dict, says: str
) -> None:
    adapters = tmp_path / "adapters"
    with pytest.raises(AdapterArchiveError, match=says):
        import_adapter(write_zip(tmp_path / "bad.zip", members(**changes)), adapters, "bad")
    assert list(adapters.iterdir()) == [], "neither the adapter nor its staging folder is left"


def test_an_existing_adapter_is_never_replaced(tmp_path: Path) -> None:
    adapters = tmp_path / "adapters"
    (adapters / "kept").mkdir(parents=True)
    (adapters / "kept" / "card.json").write_text('{"mine": true}')
    zip_file = write_zip(tmp_path / "kept.zip", members())
    with pytest.raises(AdapterArchiveError, match="already exists"):
        import_adapter(zip_file, adapters)
    assert (adapters / "kept" / "card.json").read_text() == '{"mine": true}'
    with pytest.raises(AdapterArchiveError, match="already exists"):
        import_adapter(zip_file, adapters, "support-tone", taken=["support-tone"])  # a shipped adapter's name
    assert sorted(p.name for p in adapters.iterdir()) == ["kept"]


def test_a_zip_that_unpacks_past_the_cap_is_refused_from_its_directory(tmp_path: Path) -> None:
    # 201 MB of zeros deflates to ~200 KB: a zip bomb in miniature, refused before anything unpacks.
    zip_file = tmp_path / "bomb.zip"
    with zipfile.ZipFile(zip_file, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for name, data in members(**{"README.md": None}).items():
            out.writestr(name, data)
        with out.open("README.md", "w", force_zip64=True) as big:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(201):
                big.write(chunk)
    assert zip_file.stat().st_size < 2 * 1024 * 1024
    with pytest.raises(AdapterArchiveError, match="unpacks to 201 MB, over the 200 MB"):
        import_adapter(zip_file, tmp_path / "adapters", "bomb")
    assert not (tmp_path / "adapters").exists()


def test_too_many_entries_and_files_that_are_not_zips_are_refused(tmp_path: Path) -> None:
    many = write_zip(tmp_path / "many.zip", members(), [(f"lora-{i:012x}.gguf", "x") for i in range(20)])
    with pytest.raises(AdapterArchiveError, match="at most 16"):
        check_archive(many)
    not_zip = tmp_path / "adapter.zip"
    not_zip.write_text("just text")
    with pytest.raises(AdapterArchiveError, match="not a readable zip"):
        check_archive(not_zip)


def test_a_bad_name_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(AdapterArchiveError, match="invalid adapter name") as refused:
        import_adapter(write_zip(tmp_path / "x.zip", members()), tmp_path / "adapters", "../Up")
    assert refused.value.exit_code == 2 and not (tmp_path / "adapters").exists()


def test_a_file_name_with_no_usable_name_asks_for_one() -> None:
    assert name_from_file(Path("/x/Support_Tone.zip")) == "support_tone"
    with pytest.raises(AdapterArchiveError, match="--name"):
        name_from_file(Path("/x/(((.zip"))
    assert archive.MAX_TOTAL_BYTES == 200 * 1024 * 1024
