#!/usr/bin/env bash
# Create .venv/ in the repo root and install the exact pinned environment into it.
# Idempotent: does nothing when .venv already matches the lock files. Pass --dev for test tools.
set -euo pipefail
cd "$(dirname "$0")/.."

locks=(requirements.txt)
[[ "${1:-}" == "--dev" ]] && locks+=(requirements-dev.txt)

python=${PYTHON:-}
if [[ -z "$python" ]]; then
  for candidate in python3.11 python3.12 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] not in [(3, 11), (3, 12)])'; then
      python=$candidate; break
    fi
  done
fi
[[ -n "$python" ]] || { echo "setup: Python 3.11 (or 3.12) is needed; install it and run again" >&2; exit 1; }

if [[ ! -x .venv/bin/python ]]; then
  echo "setup: creating .venv with $($python --version)"
  "$python" -m venv .venv
fi

stamp=".venv/.installed-$(cat "${locks[@]}" | sha256sum | cut -c1-16)"
if [[ ! -f "$stamp" ]]; then
  echo "setup: installing the pinned environment (first time: several minutes, ~7.5 GB with CUDA torch)"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  for lock in "${locks[@]}"; do
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r "$lock"
  done
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# The embedded model is served from a copy in a weight type with fast CPU kernels: make it once now
# (~15 s the first time), not while the first visitor waits. PLAYGROUND_LOCAL_QUANT=keep skips it.
.venv/bin/python -m playground.llamacpp.quantize
# The embedder runs on ONNX Runtime (it loads in under a second; sentence-transformers took 11-18 s):
# export it once now (~20 s the first time).
.venv/bin/python -m playground.knowledge.onnx_embedder
