"""The command line is a package: one module per command, and no command imports the entry point."""

from __future__ import annotations

import ast
from pathlib import Path

import playground.cli
from playground.cli import build_parser, main

PACKAGE = Path(playground.cli.__file__).parent


def test_main_and_build_parser_come_from_the_package() -> None:
    assert callable(main) and playground.cli.main is main
    commands = build_parser()._subparsers._group_actions[0].choices
    assert {"ask", "ingest", "retrieve", "train", "eval", "serve-model"} <= set(commands)


def test_command_modules_never_import_the_entry_point() -> None:
    """The old cli.py <-> cli_evaluation.py circle: commands import `common`, never `entry` or the package."""
    for module in sorted(PACKAGE.glob("*.py")):
        if module.name in ("__init__.py", "entry.py"):
            continue
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert node.module not in ("playground.cli", "playground.cli.entry"), module.name
            elif isinstance(node, ast.Import):
                assert not {"playground.cli", "playground.cli.entry"} & {a.name for a in node.names}, module.name
