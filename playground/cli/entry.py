"""The command line's entry point: the parser of every command, and main() that runs one.

Errors end with exit code 1 or 2 and one clear line on stderr, never a traceback: every error a
user can act on is a PlaygroundError, which carries its message and exit code.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import NoReturn

from playground.cli import adapters, ask, brief, evaluate, forgetting, freshness, knowledge, serve_model, train
from playground.config import Settings
from playground.errors import PlaygroundError, UsageError
from playground.logs import configure_logging
from playground.provider_keys import redact
from playground.services import Services
from playground.text_utils import one_line


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not argparse's usage block: main() prints it
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="playground", description="Compare prompting, RAG and fine-tuning from the shell.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    ask.add_command(commands)
    knowledge.add_commands(commands)
    train.add_command(commands)
    evaluate.add_command(commands)
    freshness.add_command(commands)
    forgetting.add_command(commands)
    serve_model.add_command(commands)
    brief.add_command(commands)
    adapters.add_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    configure_logging()
    try:
        args = build_parser().parse_args(argv)
        # The command line is one local user: free model text, whatever public mode the app would be in.
        services = Services.from_settings(replace(Settings.from_env(), public=False))
        return args.handler(args, services)
    except PlaygroundError as exc:
        return _fail(exc.message, exc.exit_code)
    except KeyboardInterrupt:
        print("playground: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the last net: still one line, the traceback only in debug logs
        logging.getLogger(__name__).debug("unexpected error", exc_info=True)
        print(f"playground: unexpected error: {type(exc).__name__}: {redact(one_line(str(exc)))}", file=sys.stderr)
        return 1


def _fail(message: str, exit_code: int) -> int:
    print(f"playground: error: {message}", file=sys.stderr)  # PlaygroundError.message is already redacted
    return exit_code
