"""Strategy Playground: compare prompting, RAG and fine-tuning on the same question."""

__version__ = "0.1.0"

import os as _os

# LanceDB's Rust logger reads this once, when lancedb is first imported (before logging is set up):
# without it every search warns about column projection on stderr.
_os.environ.setdefault("LANCEDB_LOG", "error")
