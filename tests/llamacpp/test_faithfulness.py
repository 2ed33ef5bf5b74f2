"""The served copy of the embedded model answers like the shipped file; a broken conversion does not.

The tolerance, measured on this file's question set (20 questions, 24 tokens, this machine):

| candidate against the shipped Q4_1 | same answers | mean abs log-prob change per token |
|---|---|---|
| F16 of the same weights (lossless: only the arithmetic path changes) | 0.65 | 0.026 |
| Q8_0 (the default) | 0.50 | 0.028 |
| Q8_0 with every block scale 2% off | 0.60 | 0.047 |
| Q8_0 with every block scale 5% off | 0.15 | 0.095 |
| Q4_0 | 0.20 | 0.188 |

MAX_MEAN_ABS_LOGPROB_DELTA = 0.05 nats is about twice the floor that no conversion can beat (F16 of
the very same weights), and a 5% scale error or Q4_0 lands well past it. Shared answers get only a
loose floor (0.25): SmolLM2-135M's greedy decoding flips at near-ties, so even the lossless F16 copy
changes a third of the answers after a few tokens.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import gguf
import numpy as np
import pytest

from playground.config import Settings
from playground.llamacpp.faithfulness import compare_answers, greedy_answers, question_set
from playground.llamacpp.quantize import DEFAULT_QUANT, served_gguf
from playground.local_models import embedded_gguf_file

pytestmark = pytest.mark.integration

MAX_MEAN_ABS_LOGPROB_DELTA = 0.05  # nats per token
MIN_SAME_ANSWER_SHARE = 0.25


@pytest.fixture(scope="module")
def questions() -> list[list[dict[str, str]]]:
    return question_set(Settings().sample_data_dir, general=4)


@pytest.fixture(scope="module")
def reference(questions):
    return greedy_answers(embedded_gguf_file(), questions, max_tokens=24)


@pytest.fixture(scope="module")
def served() -> Path:
    settings = Settings()
    return served_gguf(embedded_gguf_file(), DEFAULT_QUANT, settings.served_gguf_dir)


def test_the_default_served_copy_answers_like_the_shipped_file(questions, reference, served: Path) -> None:
    assert served != embedded_gguf_file(), "the default serves a converted copy"
    report = compare_answers(questions, reference, greedy_answers(served, questions, max_tokens=24))
    assert report.mean_abs_logprob_delta <= MAX_MEAN_ABS_LOGPROB_DELTA, report.as_dict()
    assert report.same_answer_share >= MIN_SAME_ANSWER_SHARE, report.as_dict()


def test_a_conversion_with_wrong_block_scales_fails_the_check(questions, reference, served: Path, tmp_path) -> None:
    broken = tmp_path / "broken.gguf"
    shutil.copyfile(served, broken)
    scale_q8_0_blocks(broken, factor=1.15)
    report = compare_answers(questions, reference, greedy_answers(broken, questions, max_tokens=24))
    assert report.mean_abs_logprob_delta > MAX_MEAN_ABS_LOGPROB_DELTA, report.as_dict()


def test_q4_0_changes_answers_beyond_the_tolerance_so_it_is_not_the_default(questions, reference) -> None:
    q4_0 = served_gguf(embedded_gguf_file(), "q4_0", Settings().served_gguf_dir)
    report = compare_answers(questions, reference, greedy_answers(q4_0, questions, max_tokens=24))
    assert report.mean_abs_logprob_delta > MAX_MEAN_ABS_LOGPROB_DELTA, report.as_dict()
    assert DEFAULT_QUANT != "q4_0"


def scale_q8_0_blocks(path: Path, factor: float) -> None:
    """Multiply the float16 scale of every Q8_0 block of the linear weights (a wrong-scale conversion)."""
    reader = gguf.GGUFReader(path, "r+")
    for tensor in reader.tensors:
        if tensor.tensor_type.name == "Q8_0" and tensor.name.startswith("blk."):
            blocks = tensor.data.reshape(-1, 34)  # Q8_0: a float16 scale, then 32 int8 values
            scales = blocks[:, :2].copy().view(np.float16)
            blocks[:, :2] = (scales * np.float16(factor)).view(np.uint8)
    reader.data.flush()
