"""Quiet the chatty libraries, so stdout carries results and stderr carries real problems."""

from __future__ import annotations

import logging
import os
import warnings

from playground.provider_keys import install_redacting_records

NOISY_LOGGERS = (
    "torch",
    "torch.utils._pytree",
    "huggingface_hub",
    "transformers",
    "sentence_transformers",
    "LiteLLM",
    "httpx",
    "urllib3",
    "pypdf",
)


def configure_logging(level: int = logging.WARNING) -> None:
    """Log our own messages at level; other libraries' only at ERROR; no progress bars."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("LANCEDB_LOG", "error")  # lance's Rust side warns about column projection
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_redacting_records()  # a provider may echo a key in its error, to any logger's handler
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    # Import-time warnings of dependencies (pydantic on litellm's types, deprecations) say nothing
    # a user of this tool can act on.
    warnings.filterwarnings("ignore", category=UserWarning, module="pydantic")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
