"""The lanes' tests search the same toy knowledge base as the knowledge tests."""

from tests.knowledge.conftest import embedder, kb, kb_folder, store  # noqa: F401 - fixtures
