"""ZeroGPU: training is wrapped with spaces.GPU only on a ZeroGPU Space where `spaces` imports."""

from __future__ import annotations

import sys
import types

import pytest

from playground.training.zerogpu import DEFAULT_DURATION_S, on_zero_gpu, zero_gpu_space


def _train(x: int) -> int:
    return x * 2


@pytest.fixture
def fake_spaces(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A stand-in `spaces` module whose GPU(duration=...) marks what it wraps; returns the durations asked."""
    durations: list[int] = []

    def gpu(duration: int = 60):
        durations.append(duration)

        def decorate(function):
            def wrapped(*args, **kwargs):
                return ("on-gpu", function(*args, **kwargs))

            wrapped.zero_gpu = True
            return wrapped

        return decorate

    monkeypatch.setitem(sys.modules, "spaces", types.SimpleNamespace(GPU=gpu))
    return durations


def test_wrapped_on_a_zero_gpu_space(fake_spaces: list[int]) -> None:
    wrapped = on_zero_gpu(_train, environ={"SPACES_ZERO_GPU": "true"})
    assert wrapped is not _train
    assert wrapped(3) == ("on-gpu", 6)
    assert fake_spaces == [DEFAULT_DURATION_S]


def test_duration_is_passed_to_the_decorator(fake_spaces: list[int]) -> None:
    on_zero_gpu(_train, duration_s=120, environ={"SPACES_ZERO_GPU": "1"})
    assert fake_spaces == [120]


@pytest.mark.parametrize("environ", [{}, {"SPACES_ZERO_GPU": "false"}, {"SPACE_ID": "team/playground"}])
def test_unchanged_without_zero_gpu_even_when_spaces_imports(fake_spaces: list[int], environ: dict) -> None:
    assert on_zero_gpu(_train, environ=environ) is _train
    assert fake_spaces == []


def test_unchanged_when_the_spaces_package_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "spaces", None)  # `import spaces` raises ImportError
    assert on_zero_gpu(_train, environ={"SPACES_ZERO_GPU": "true"}) is _train


def test_zero_gpu_space_reads_the_platform_flag() -> None:
    assert zero_gpu_space({"SPACES_ZERO_GPU": "True"})
    assert not zero_gpu_space({"SPACES_ZERO_GPU": ""})
