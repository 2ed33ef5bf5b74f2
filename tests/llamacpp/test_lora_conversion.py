"""PEFT LoRA adapters become GGUF LoRA files that llama.cpp applies as PEFT does.

Unit tests build tiny adapters and a tiny base GGUF in tmp_path. The integration tests convert the
shipped pricing adapter and compare llama.cpp (xllamacpp, on the embedded Q4_1 GGUF) with
transformers + PEFT (on the fp32 folder dequantized from the same GGUF), token by token.
"""

from __future__ import annotations

import json
import os
import struct
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gguf
import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from playground.llamacpp import lora_gguf
from playground.llamacpp.lora_gguf import (
    LoraConversionError,
    convert_peft_to_gguf,
    gguf_lora_for,
    read_gguf_header,
    rope_permute,
)

REPO = Path(__file__).resolve().parents[2]

# A tiny Llama: 2 blocks, hidden 16, 4 query heads and 2 KV heads of 4 dims, FFN 24, LoRA rank 2.
HIDDEN, N_HEAD, N_HEAD_KV, HEAD_DIM, FFN, BLOCKS, RANK = 16, 4, 2, 4, 24, 2, 2
MODULES = {  # PEFT module -> (GGUF name, out, in)
    "self_attn.q_proj": ("attn_q", N_HEAD * HEAD_DIM, HIDDEN),
    "self_attn.k_proj": ("attn_k", N_HEAD_KV * HEAD_DIM, HIDDEN),
    "self_attn.v_proj": ("attn_v", N_HEAD_KV * HEAD_DIM, HIDDEN),
    "self_attn.o_proj": ("attn_output", HIDDEN, N_HEAD * HEAD_DIM),
    "mlp.gate_proj": ("ffn_gate", FFN, HIDDEN),
    "mlp.up_proj": ("ffn_up", FFN, HIDDEN),
    "mlp.down_proj": ("ffn_down", HIDDEN, FFN),
}


def write_base_gguf(path: Path, architecture: str = "llama") -> Path:
    """A base GGUF with the metadata the converter reads, a tokenizer-like array and tiny weights."""
    writer = gguf.GGUFWriter(path, architecture)
    writer.add_uint32(f"{architecture}.attention.head_count", N_HEAD)
    writer.add_uint32(f"{architecture}.attention.head_count_kv", N_HEAD_KV)
    writer.add_uint32(f"{architecture}.block_count", BLOCKS)
    writer.add_array("tokenizer.ggml.tokens", ["<s>", "a", "bc"])  # arrays are skipped by the header reader
    writer.add_array("tokenizer.ggml.token_type", [1, 1, 1])
    writer.add_string("general.name", "tiny")
    for block in range(BLOCKS):
        for name, out_dim, in_dim in MODULES.values():
            writer.add_tensor(f"blk.{block}.{name}.weight", np.zeros((out_dim, in_dim), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def write_adapter(folder: Path, seed: int = 0, **config: Any) -> dict[str, np.ndarray]:
    """A PEFT adapter folder as Unsloth saves it (random weights); returns its tensors by PEFT key."""
    rng = np.random.default_rng(seed)
    weights = {}
    for block in range(BLOCKS):
        for module, (_, out_dim, in_dim) in MODULES.items():
            key = f"base_model.model.model.layers.{block}.{module}"
            weights[f"{key}.lora_A.weight"] = rng.standard_normal((RANK, in_dim), dtype=np.float32)
            weights[f"{key}.lora_B.weight"] = rng.standard_normal((out_dim, RANK), dtype=np.float32)
    folder.mkdir(parents=True, exist_ok=True)
    save_file(weights, str(folder / "adapter_model.safetensors"))
    settings = {
        "peft_type": "LORA",
        "r": RANK,
        "lora_alpha": 4,
        "target_modules": [m.split(".")[1] for m in MODULES],
        "use_dora": False,
        "use_rslora": False,
        "modules_to_save": None,
        "rank_pattern": {},
        "alpha_pattern": {},
    }
    (folder / "adapter_config.json").write_text(json.dumps(settings | config))
    return weights


def read_lora(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    reader = gguf.GGUFReader(path)
    fields = {name: field.contents() for name, field in reader.fields.items() if not name.startswith("GGUF.")}
    return fields, {t.name: np.array(t.data) for t in reader.tensors}


@pytest.fixture
def base_gguf(tmp_path: Path) -> Path:
    return write_base_gguf(tmp_path / "tiny.gguf")


@pytest.fixture
def adapter(tmp_path: Path) -> Path:
    write_adapter(tmp_path / "adapter")
    return tmp_path / "adapter"


# --- the conversion -------------------------------------------------------------------------------


def test_writes_every_lora_matrix_under_its_gguf_name_with_peft_shapes(tmp_path: Path, base_gguf: Path) -> None:
    weights = write_adapter(tmp_path / "adapter")
    out = convert_peft_to_gguf(tmp_path / "adapter", tmp_path / "out.gguf", base_gguf)
    fields, tensors = read_lora(out)
    expected = {f"blk.{b}.{n}.weight.lora_{s}" for b in range(BLOCKS) for n, _, _ in MODULES.values() for s in "ab"}
    assert set(tensors) == expected
    assert fields == {
        "general.architecture": "llama",
        "general.type": "adapter",
        "adapter.type": "lora",
        "adapter.lora.alpha": 4.0,
    }
    peft = "base_model.model.model.layers.1.mlp.down_proj"
    np.testing.assert_array_equal(tensors["blk.1.ffn_down.weight.lora_a"], weights[f"{peft}.lora_A.weight"])
    np.testing.assert_array_equal(tensors["blk.1.ffn_down.weight.lora_b"], weights[f"{peft}.lora_B.weight"])
    assert tensors["blk.0.attn_k.weight.lora_a"].shape == (RANK, HIDDEN)
    assert tensors["blk.0.attn_k.weight.lora_b"].shape == (N_HEAD_KV * HEAD_DIM, RANK)
    assert all(t.dtype == np.float32 for t in tensors.values())
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [], "no temp file left behind"
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask, "readable as any file written here (not owner-only)"


def test_rope_permute_interleaves_the_two_halves_of_each_head() -> None:
    rows = np.arange(12, dtype=np.float32).reshape(12, 1) * np.ones((1, 3), dtype=np.float32)
    # two heads of 6 rows: HF rotates pairs (i, i + 3), llama.cpp adjacent pairs: (0 1 2 3 4 5) -> (0 3 1 4 2 5)
    expected = rows[[0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11]]
    np.testing.assert_array_equal(rope_permute(rows, n_head=2), expected)


@pytest.mark.parametrize("permute_qk", [True, False])
def test_only_lora_b_of_q_and_k_is_permuted(tmp_path: Path, base_gguf: Path, permute_qk: bool) -> None:
    weights = write_adapter(tmp_path / "adapter")
    out = convert_peft_to_gguf(tmp_path / "adapter", tmp_path / "out.gguf", base_gguf, permute_qk=permute_qk)
    _, tensors = read_lora(out)
    layer = "base_model.model.model.layers.0.self_attn"
    heads = {"q": N_HEAD, "k": N_HEAD_KV}
    for proj, name in [("q", "attn_q"), ("k", "attn_k"), ("v", "attn_v"), ("o", "attn_output")]:
        lora_b = weights[f"{layer}.{proj}_proj.lora_B.weight"]
        expected_b = rope_permute(lora_b, heads[proj]) if permute_qk and proj in heads else lora_b
        np.testing.assert_array_equal(tensors[f"blk.0.{name}.weight.lora_b"], expected_b)
        lora_a = weights[f"{layer}.{proj}_proj.lora_A.weight"]
        np.testing.assert_array_equal(tensors[f"blk.0.{name}.weight.lora_a"], lora_a)
    q_lora_b = weights[f"{layer}.q_proj.lora_B.weight"]
    assert not np.array_equal(rope_permute(q_lora_b, N_HEAD), q_lora_b), "so the checks above tell the cases apart"


def test_rslora_alpha_is_scaled_for_llama_cpps_alpha_over_rank(tmp_path: Path, base_gguf: Path) -> None:
    write_adapter(tmp_path / "adapter", use_rslora=True, lora_alpha=8, r=RANK)
    fields, _ = read_lora(convert_peft_to_gguf(tmp_path / "adapter", tmp_path / "out.gguf", base_gguf))
    # rsLoRA scales by alpha / sqrt(r); llama.cpp by alpha / r
    assert fields["adapter.lora.alpha"] == pytest.approx(8 * RANK**0.5)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"use_dora": True}, "DoRA"),
        ({"modules_to_save": ["lm_head"]}, "saves whole modules"),
        ({"rank_pattern": {"q_proj": 4}}, "rank_pattern"),
        ({"alpha_pattern": {"q_proj": 8}}, "alpha_pattern"),
        ({"target_modules": ["q_proj", "embed_tokens"]}, "embed_tokens"),
        ({"peft_type": "IA3"}, "not LoRA"),
    ],
)
def test_rejects_what_a_gguf_lora_cannot_express(
    tmp_path: Path, base_gguf: Path, config: dict[str, Any], message: str
) -> None:
    write_adapter(tmp_path / "adapter", **config)
    with pytest.raises(LoraConversionError, match=message):
        convert_peft_to_gguf(tmp_path / "adapter", tmp_path / "out.gguf", base_gguf)
    assert not (tmp_path / "out.gguf").exists()


@pytest.mark.parametrize("missing", ["adapter_config.json", "adapter_model.safetensors"])
def test_a_missing_adapter_file_is_named(tmp_path: Path, base_gguf: Path, adapter: Path, missing: str) -> None:
    (adapter / missing).unlink()
    with pytest.raises(LoraConversionError, match=missing):
        convert_peft_to_gguf(adapter, tmp_path / "out.gguf", base_gguf)
    with pytest.raises(LoraConversionError, match=missing):
        gguf_lora_for(adapter, base_gguf, tmp_path / "fallback")


def test_only_llama_bases_are_supported(tmp_path: Path, adapter: Path) -> None:
    qwen = write_base_gguf(tmp_path / "qwen.gguf", architecture="qwen2")
    with pytest.raises(LoraConversionError, match="only Llama-architecture base models are supported"):
        convert_peft_to_gguf(adapter, tmp_path / "out.gguf", qwen)


def test_an_adapter_for_another_base_model_is_refused(tmp_path: Path, base_gguf: Path, adapter: Path) -> None:
    key = "base_model.model.model.layers.0.mlp.up_proj.lora_B.weight"
    tensors = load_file(adapter / "adapter_model.safetensors")
    tensors[key] = np.zeros((FFN + 8, RANK), dtype=np.float32)
    save_file(tensors, str(adapter / "adapter_model.safetensors"))
    with pytest.raises(LoraConversionError, match="another base model"):
        convert_peft_to_gguf(adapter, tmp_path / "out.gguf", base_gguf)


def save_bfloat16(weights: dict[str, np.ndarray], path: Path) -> dict[str, np.ndarray]:
    """Write weights as a bfloat16 safetensors file (by hand: numpy has no bfloat16); returns the stored values."""
    header, chunks, stored, offset = {}, [], {}, 0
    for key, array in weights.items():
        top_halves = (array.astype(np.float32).view(np.uint32) >> 16).astype("<u2")
        stored[key] = (top_halves.astype(np.uint32) << 16).view(np.float32)
        end = offset + top_halves.nbytes
        header[key] = {"dtype": "BF16", "shape": list(array.shape), "data_offsets": [offset, end]}
        chunks.append(top_halves.tobytes())
        offset = end
    encoded = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(encoded)) + encoded + b"".join(chunks))
    return stored


def test_bfloat16_weights_become_the_same_float32_values(tmp_path: Path, base_gguf: Path, adapter: Path) -> None:
    stored = save_bfloat16(load_file(adapter / "adapter_model.safetensors"), adapter / "adapter_model.safetensors")
    _, tensors = read_lora(convert_peft_to_gguf(adapter, tmp_path / "out.gguf", base_gguf))
    key = "base_model.model.model.layers.1.self_attn.v_proj.lora_A.weight"
    np.testing.assert_array_equal(tensors["blk.1.attn_v.weight.lora_a"], stored[key])


def test_all_linear_targets_are_accepted(tmp_path: Path, base_gguf: Path) -> None:
    write_adapter(tmp_path / "adapter", target_modules="all-linear")
    assert convert_peft_to_gguf(tmp_path / "adapter", tmp_path / "out.gguf", base_gguf).exists()


def test_header_reader_agrees_with_gguf_reader(base_gguf: Path) -> None:
    metadata, dims = read_gguf_header(base_gguf)
    reader = gguf.GGUFReader(base_gguf)
    assert metadata["llama.attention.head_count_kv"] == N_HEAD_KV and metadata["general.name"] == "tiny"
    assert metadata["tokenizer.ggml.tokens"] is None
    assert dims == {t.name: tuple(int(d) for d in t.shape) for t in reader.tensors}


# --- the cached conversion ------------------------------------------------------------------------


def test_converts_once_beside_the_adapter_and_reuses_it(
    tmp_path: Path, base_gguf: Path, adapter: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = gguf_lora_for(adapter, base_gguf, tmp_path / "fallback")
    assert first.parent == adapter and first.name.startswith("lora-") and len(first.stem) == len("lora-") + 6 + 1 + 12

    def no_conversion(*args: Any, **kwargs: Any) -> Path:
        raise AssertionError("converted again")

    monkeypatch.setattr(lora_gguf, "convert_peft_to_gguf", no_conversion)
    assert gguf_lora_for(adapter, base_gguf, tmp_path / "fallback") == first


def test_new_weights_give_a_new_file_and_remove_the_stale_one(tmp_path: Path, base_gguf: Path, adapter: Path) -> None:
    first = gguf_lora_for(adapter, base_gguf, tmp_path / "fallback")
    write_adapter(adapter, seed=1)  # retrained
    second = gguf_lora_for(adapter, base_gguf, tmp_path / "fallback")
    assert second != first and second.exists() and not first.exists()
    other_base = write_base_gguf(tmp_path / "other-name.gguf")
    third = gguf_lora_for(adapter, other_base, tmp_path / "fallback")
    assert third != second, "the base's name is in the digest"
    # A conversion for another base file (another process serving another PLAYGROUND_LOCAL_QUANT) never
    # removes the one a running server was started with.
    assert second.exists() and third.exists()
    write_adapter(adapter, seed=2)
    fourth = gguf_lora_for(adapter, base_gguf, tmp_path / "fallback")
    assert fourth.exists() and not second.exists() and third.exists()


def test_a_read_only_adapter_folder_converts_into_the_fallback(
    tmp_path: Path, base_gguf: Path, adapter: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # root ignores folder permissions, so stand in for a read-only shipped folder at the probe
    monkeypatch.setattr(lora_gguf, "_writable", lambda folder: folder != adapter)
    converted = gguf_lora_for(adapter, base_gguf, tmp_path / "fallback")
    assert converted.parent == tmp_path / "fallback" / adapter.name
    assert not list(adapter.glob("*.gguf"))
    assert gguf_lora_for(adapter, base_gguf, tmp_path / "fallback") == converted


def test_writable_probe(tmp_path: Path) -> None:
    assert lora_gguf._writable(tmp_path)
    assert not lora_gguf._writable(tmp_path / "missing")


def test_two_callers_at_once_convert_once(
    tmp_path: Path, base_gguf: Path, adapter: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = lora_gguf.convert_peft_to_gguf

    def slow_convert(*args: Any, **kwargs: Any) -> Path:
        calls.append(args)
        time.sleep(0.2)  # long enough for the other caller to reach the lock
        return real(*args, **kwargs)

    monkeypatch.setattr(lora_gguf, "convert_peft_to_gguf", slow_convert)
    results: list[Path] = []
    threads = [
        threading.Thread(target=lambda: results.append(gguf_lora_for(adapter, base_gguf, tmp_path / "fb")))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and len(set(results)) == 1 and results[0].exists()


# --- integration: llama.cpp with the converted adapter answers as transformers + PEFT do ----------

PROMPT_COUNT = 3
MAX_TOKENS = 24
# Mean |logprob difference| (nats) over the tokens llama.cpp ranks top-5 with p >= e^-5, at every
# position of the greedy answer both engines share. Measured on the 3 prompts: correct conversion
# 0.028, conversion without the q/k permutation 0.101 (with the same answers: the pricing adapter
# acts mostly through v, o and the MLP). No adapter on either side: 0.056, the Q4_1 GGUF against
# its fp32 dequantization on free text (0.054 on the adapter's price answers, fed token by token).
TOLERANCE = 0.05
FIRST_TOKEN_TOLERANCE = 0.1  # measured: 0.09 without the adapter; with it the first token is "$" at p ~ 1
TOP_LOGPROB_FLOOR = -5.0


@dataclass(frozen=True)
class Reference:
    """A greedy answer from transformers (+ PEFT) with the log-softmax at every generated position."""

    text: str
    token_ids: list[int]
    logprobs: list[np.ndarray]
    prompt_tokens: int


@dataclass(frozen=True)
class Report:
    """How closely llama.cpp's answers follow the transformers references, prompt by prompt."""

    answers_equal: list[bool]
    prompt_tokens_equal: list[bool]
    first_top1_agrees: list[bool]
    first_logprob_diff: float  # the first token's chosen logprob, the largest difference over prompts
    mean_top_diff: float  # over llama.cpp's top tokens at each shared position, all prompts together
    max_top_diff: float
    positions: int  # shared answer positions compared, all prompts together


def compare(references: list[Reference], responses: list[dict[str, Any]]) -> Report:
    """Compare llama.cpp chat responses (with logprobs) with transformers references on the same prompts."""
    equal, prompts_equal, top1, first_diffs, per_position = [], [], [], [], []
    for reference, response in zip(references, responses, strict=True):
        choice = response["choices"][0]
        steps = choice["logprobs"]["content"]
        equal.append(choice["message"]["content"].strip() == reference.text.strip())
        prompts_equal.append(response["usage"]["prompt_tokens"] == reference.prompt_tokens)
        top1.append(int(reference.logprobs[0].argmax()) == steps[0]["id"])
        first_diffs.append(abs(float(reference.logprobs[0][steps[0]["id"]]) - steps[0]["logprob"]))
        per_position += _shared_prefix_diffs(reference, steps)
    diffs = [diff for position in per_position for diff in position]
    return Report(equal, prompts_equal, top1, max(first_diffs), float(np.mean(diffs)), max(diffs), len(per_position))


def _shared_prefix_diffs(reference: Reference, steps: list[dict[str, Any]]) -> list[list[float]]:
    """|logprob differences| of llama.cpp's likely tokens, per position where both saw the same tokens."""
    diffs = []
    for position, step in enumerate(steps[: len(reference.logprobs)]):
        expected = reference.logprobs[position]
        diffs.append(
            [
                abs(float(expected[top["id"]]) - top["logprob"])
                for top in step["top_logprobs"]
                if top["logprob"] >= TOP_LOGPROB_FLOOR
            ]
        )
        if position >= len(reference.token_ids) or reference.token_ids[position] != step["id"]:
            break  # the answers part here: later positions see different tokens
    return diffs


# The prompts the tolerances above were measured on: the pricing system prompt and the first three
# evaluation questions the shipped adapter was trained beside (issue 20 regenerated that data). Pinned
# here, because exact greedy agreement between the Q4_1 and fp32 engines holds on answers the model is
# sure of; on the new listings the old adapter (and the base) answer in free text, where it does not.
CALIBRATION_SYSTEM_PROMPT = (
    "You estimate the retail price in US dollars of a product from its description. Answer with the price only, like"
    " $49.99."
)
CALIBRATION_QUESTIONS = (
    "Korvex Air 8 Plus: 15.6-inch notebook with 256 GB of SSD storage and 8 GB RAM.\nWhat is the price?",
    "The Packrat Co. Nomad 3X is a 25 L backpack featuring waxed canvas, a roll-top waterproof main compartment"
    " and a ventilated suspended back panel.\nWhat is the price?",
    "Designed for alpine routes, the Campwell Meadow 5 is a solo backpacking tent with twin vestibules for gear"
    " storage. Other highlights include 4-season design and an included footprint.\nWhat is the price?",
)


@pytest.fixture(scope="module")
def pricing_prompts() -> list[list[dict[str, str]]]:
    system = {"role": "system", "content": CALIBRATION_SYSTEM_PROMPT}
    return [[system, {"role": "user", "content": q}] for q in CALIBRATION_QUESTIONS[:PROMPT_COUNT]]


@pytest.fixture(scope="module")
def references(pricing_prompts: list[list[dict[str, str]]]) -> dict[str, list[Reference]]:
    """transformers greedy answers on the fp32 folder, without ("base") and with ("lora") the adapter."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from playground.config import Settings
    from playground.local_models import ensure_embedded_model

    folder = ensure_embedded_model(Settings.from_env().models_cache_dir)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder).eval()
    model = PeftModel.from_pretrained(model, str(REPO / "adapters" / "pricing")).eval()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # on shared CPUs two threads made this 10x slower (110 s against 8 s)
    try:
        with model.disable_adapter():
            base = [_generate(model, tokenizer, messages) for messages in pricing_prompts]
        return {"base": base, "lora": [_generate(model, tokenizer, messages) for messages in pricing_prompts]}
    finally:
        torch.set_num_threads(threads)


def _generate(model: Any, tokenizer: Any, messages: list[dict[str, str]]) -> Reference:
    import torch

    encoded = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    with torch.no_grad():
        output = model.generate(
            **encoded,
            max_new_tokens=MAX_TOKENS,
            do_sample=False,
            output_logits=True,
            return_dict_in_generate=True,
            pad_token_id=tokenizer.eos_token_id,
        )
    prompt_tokens = encoded["input_ids"].shape[-1]
    generated = output.sequences[0, prompt_tokens:].tolist()
    logprobs = [torch.log_softmax(step[0].float(), dim=-1).numpy() for step in output.logits]
    return Reference(tokenizer.decode(generated, skip_special_tokens=True), generated, logprobs, prompt_tokens)


CORRECT, UNPERMUTED = 0, 1  # adapter ids in the server


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """llama.cpp on the served embedded GGUF holding the correct and the unpermuted conversion, both at scale 0.

    The served file is the app's default copy (PLAYGROUND_LOCAL_QUANT's type), not the shipped Q4_1:
    the adapters, trained on the shipped weights, must still answer as PEFT does on the file served.
    """
    import xllamacpp

    from playground.config import Settings
    from playground.llamacpp.quantize import DEFAULT_QUANT, served_gguf
    from playground.local_models import embedded_gguf_file

    base = served_gguf(embedded_gguf_file(), DEFAULT_QUANT, Settings().served_gguf_dir)
    folder = tmp_path_factory.mktemp("lora")
    pricing = REPO / "adapters" / "pricing"
    files = [
        convert_peft_to_gguf(pricing, folder / "correct.gguf", base),
        convert_peft_to_gguf(pricing, folder / "unpermuted.gguf", base, permute_qk=False),
    ]
    params = xllamacpp.CommonParams()
    params.model.path = str(base)
    params.n_parallel = 1
    params.n_ctx = 4096
    params.port = 0
    # One thread: on shared CPUs two made the same requests 5-20x slower (a thread waiting for the other)
    params.cpuparams.n_threads = 1
    params.cpuparams_batch.n_threads = 1
    params.verbosity = 0
    params.lora_adapters = [xllamacpp.CommonAdapterLoraInfo(str(file), 0.0) for file in files]
    server = xllamacpp.Server(params)
    yield server
    del server


@pytest.fixture(scope="module")
def answers(llama_server: Any, pricing_prompts: list[list[dict[str, str]]]) -> Any:
    """llama.cpp's answers to the pricing prompts for one "lora" request field (None: left out), memoized."""
    memo: dict[str, list[dict[str, Any]]] = {}

    def get(lora: list[dict[str, float]] | None) -> list[dict[str, Any]]:
        key = json.dumps(lora)
        if key not in memo:
            memo[key] = [_chat(llama_server, messages, lora) for messages in pricing_prompts]
        return memo[key]

    return get


def _chat(server: Any, messages: list[dict[str, str]], lora: list[dict[str, float]] | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "messages": messages,
        "temperature": 0,
        "max_tokens": MAX_TOKENS,
        "logprobs": True,
        "top_logprobs": 5,
        # The prompt cache is not keyed by the LoRA scales (llama.cpp#26207): a request right after
        # one with the adapter on would reuse KV computed with it. Every request here starts clean.
        "cache_prompt": False,
    }
    if lora is not None:
        body["lora"] = lora
    response = server.handle_chat_completions(body)
    assert "choices" in response, response
    return response


@pytest.mark.integration
def test_converted_adapter_answers_as_peft_does(references: dict[str, list[Reference]], answers: Any) -> None:
    report = compare(references["lora"], answers([{"id": CORRECT, "scale": 1.0}]))
    assert all(report.prompt_tokens_equal), "both engines see the same chat-templated prompt"
    assert all(report.answers_equal), report
    assert all(report.first_top1_agrees), report
    assert report.first_logprob_diff < FIRST_TOKEN_TOLERANCE, report
    assert report.mean_top_diff < TOLERANCE, report


@pytest.mark.integration
def test_a_conversion_without_the_qk_permutation_is_caught(
    references: dict[str, list[Reference]], answers: Any
) -> None:
    report = compare(references["lora"], answers([{"id": UNPERMUTED, "scale": 1.0}]))
    # the q/k updates land on the wrong rotary rows: answers may still agree, the distributions do not
    assert report.mean_top_diff > TOLERANCE, report


@pytest.mark.integration
def test_without_adapters_both_engines_agree(references: dict[str, list[Reference]], answers: Any) -> None:
    """The calibration: what the served GGUF against the fp32 dequantization of the shipped Q4_1 differs by."""
    report = compare(references["base"], answers(None))
    assert all(report.first_top1_agrees), report
    assert report.first_logprob_diff < FIRST_TOKEN_TOLERANCE, report
    assert report.mean_top_diff < 2 * TOLERANCE, report


@pytest.mark.integration
def test_scale_zero_switches_the_adapter_off(references: dict[str, list[Reference]], answers: Any) -> None:
    def texts(responses: list[dict[str, Any]]) -> list[str]:
        return [r["choices"][0]["message"]["content"].strip() for r in responses]

    off = texts(answers([{"id": CORRECT, "scale": 0.0}]))
    assert off == texts(answers(None)), "a request without 'lora' uses the start-up scales (0)"
    assert off == [r.text.strip() for r in references["base"]]
    assert texts(answers([{"id": CORRECT, "scale": 1.0}])) != off, "the adapter changes the answers"
