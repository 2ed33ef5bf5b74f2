"""Entry point for `python -m playground`."""

import os

# Lance's Rust logger reads this once, when lancedb is imported (before main() configures logging).
os.environ.setdefault("LANCE_LOG", "error")

from playground.cli import main

raise SystemExit(main())
