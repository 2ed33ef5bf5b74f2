"""Fixtures the command tests share with the knowledge tests: the tiny knowledge base on disk."""

from tests.knowledge.conftest import kb_folder

__all__ = ["kb_folder"]
