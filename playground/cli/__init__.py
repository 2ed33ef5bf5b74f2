"""The command line: `python -m playground <command>`, headless, JSON with --json.

One module per command (ask, knowledge for ingest and retrieve, train, evaluate for eval,
serve_model); `entry` builds the parser and runs a command; `common` holds what several share.
"""

from playground.cli.entry import build_parser, main

__all__ = ["build_parser", "main"]
