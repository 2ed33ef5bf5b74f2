"""Prompt templates live here as text files, not as strings buried in code."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def load_prompt(name: str) -> str:
    """The template `name`.txt from this folder."""
    return (Path(__file__).parent / f"{name}.txt").read_text(encoding="utf-8")
