"""Strategy Playground: compare prompting, RAG and fine-tuning on the same question."""

__version__ = "0.1.0"
