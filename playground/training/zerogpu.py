"""ZeroGPU: on a Hugging Face Space with ZeroGPU hardware, run training under `spaces.GPU`.

A ZeroGPU Space holds no GPU until a function decorated with `spaces.GPU` is called; the platform
marks such a Space with SPACES_ZERO_GPU=true and ships the `spaces` package. Anywhere else (a laptop,
CI, a Space with a dedicated GPU, which torch sees as cuda by itself) the function is returned as it is.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable, Mapping
from typing import TypeVar

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., object])

DEFAULT_DURATION_S = 600  # longest a training run may hold the GPU; ZeroGPU's own default is 60 s


def zero_gpu_space(environ: Mapping[str, str] | None = None) -> bool:
    """True on a ZeroGPU Space (the platform sets SPACES_ZERO_GPU, as the `spaces` package reads it)."""
    env = os.environ if environ is None else environ
    return env.get("SPACES_ZERO_GPU", "").strip().lower() in ("1", "t", "true")


def on_zero_gpu(function: F, duration_s: int = DEFAULT_DURATION_S, environ: Mapping[str, str] | None = None) -> F:
    """`function` wrapped with `spaces.GPU(duration=duration_s)` on a ZeroGPU Space, else unchanged."""
    if not zero_gpu_space(environ):
        return function
    try:
        spaces = importlib.import_module("spaces")
    except ImportError:
        log.warning("SPACES_ZERO_GPU is set but the `spaces` package is missing: training runs without a GPU")
        return function
    return spaces.GPU(duration=duration_s)(function)
