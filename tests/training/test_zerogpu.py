"""ZeroGPU: training is wrapped with spaces.GPU only on a ZeroGPU Space where `spaces` imports."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from playground.training.zerogpu import DEFAULT_DURATION_S, on_zero_gpu, zero_gpu_space


def _train(x: int) -> int:
    return x * 2


@dataclass
class FakeSpaces:
    """A stand-in `spaces` package: records what GPU(duration=...) wraps and what it hands back."""

    wrapped: list[tuple[object, int]] = field(default_factory=list)  # (function, duration) per decoration
    returned: list[object] = field(default_factory=list)  # the callables GPU(...)(function) returned
    calls: list[tuple] = field(default_factory=list)  # the arguments each returned callable was called with
    result: object = None  # what a call answers (the GPU worker's result); None: the function's own

    def GPU(self, duration: int = 60):  # the real package's name
        def decorate(function):
            def on_gpu(*args, **kwargs):
                self.calls.append(args)
                return function(*args, **kwargs) if self.result is None else self.result

            self.wrapped.append((function, duration))
            self.returned.append(on_gpu)
            return on_gpu

        return decorate


@pytest.fixture
def fake_spaces(monkeypatch: pytest.MonkeyPatch) -> FakeSpaces:
    spaces = FakeSpaces()
    monkeypatch.setitem(sys.modules, "spaces", spaces)
    return spaces


def test_wrapped_on_a_zero_gpu_space(fake_spaces: FakeSpaces) -> None:
    wrapped = on_zero_gpu(_train, environ={"SPACES_ZERO_GPU": "true"})
    assert fake_spaces.wrapped == [(_train, DEFAULT_DURATION_S)]  # the function itself, for 600 s
    assert fake_spaces.returned == [wrapped]  # and what is called is what spaces.GPU gave back


def test_duration_is_passed_to_the_decorator(fake_spaces: FakeSpaces) -> None:
    on_zero_gpu(_train, duration_s=120, environ={"SPACES_ZERO_GPU": "1"})
    assert fake_spaces.wrapped == [(_train, 120)]


def test_the_train_command_calls_the_real_trainer_through_spaces_gpu(
    fake_spaces: FakeSpaces, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    from playground.cli import main
    from playground.training import trainer

    card = {"steps": 3, "train_loss": 1.25, "seconds": 4.0, "device": "cuda", "backend": "unsloth"}
    card |= {"tokens_per_s": 10}
    fake_spaces.result = card  # the GPU worker's answer: the real trainer is not run here
    monkeypatch.setenv("SPACES_ZERO_GPU", "true")
    monkeypatch.setenv("PLAYGROUND_CACHE", str(tmp_path / "cache"))
    data = tmp_path / "train.jsonl"
    data.write_text('{"prompt": "Capital of France?", "completion": "Paris."}\n')
    out = tmp_path / "adapters" / "on-gpu"
    assert main(["train", str(data), "--out", str(out), "--base", "no-gguf-base", "--json"]) == 0
    assert fake_spaces.wrapped == [(trainer.train, DEFAULT_DURATION_S)]
    ((config, models_dir, progress),) = fake_spaces.calls  # the command called the wrapped trainer, once
    assert (config.data, config.out, config.base) == (data, out, "no-gguf-base")
    assert models_dir == tmp_path / "cache" / "models" and callable(progress)
    assert json.loads(capsys.readouterr().out)["steps"] == 3


@pytest.mark.parametrize("environ", [{}, {"SPACES_ZERO_GPU": "false"}, {"SPACE_ID": "team/playground"}])
def test_unchanged_without_zero_gpu_even_when_spaces_imports(fake_spaces: FakeSpaces, environ: dict) -> None:
    assert on_zero_gpu(_train, environ=environ) is _train
    assert fake_spaces.wrapped == []


def test_unchanged_when_the_spaces_package_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "spaces", None)  # `import spaces` raises ImportError
    assert on_zero_gpu(_train, environ={"SPACES_ZERO_GPU": "true"}) is _train


def test_zero_gpu_space_reads_the_platform_flag() -> None:
    assert zero_gpu_space({"SPACES_ZERO_GPU": "True"})
    assert not zero_gpu_space({"SPACES_ZERO_GPU": ""})
