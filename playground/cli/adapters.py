"""The `adapters` command: take an adapter away as a zip, bring a zip back in, or push one to the Hub.

`adapters export NAME --out FILE.zip`, `adapters import FILE.zip [--name NEW]` (into the adapters
folder, PLAYGROUND_ADAPTERS) and `adapters push NAME --repo OWNER/NAME` (token from HF_TOKEN).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from playground.errors import UsageError
from playground.training.archive import export_adapter, import_adapter
from playground.training.hub import push_adapter

if TYPE_CHECKING:
    from playground.services import Services


def add_command(commands: argparse._SubParsersAction) -> None:
    adapters = commands.add_parser("adapters", help="export, import or push a LoRA adapter")
    actions = adapters.add_subparsers(dest="action", required=True, parser_class=type(adapters))

    export = actions.add_parser("export", help="write an adapter (PEFT files, GGUF LoRA, card) as one zip")
    export.add_argument("name", metavar="NAME")
    export.add_argument("--out", required=True, type=Path, help="the zip file to write, e.g. my-adapter.zip")
    export.add_argument("--json", action="store_true")
    export.set_defaults(handler=cmd_export)

    imported = actions.add_parser("import", help="add an adapter from a zip made by `adapters export`")
    imported.add_argument("archive", type=Path, metavar="FILE.zip")
    imported.add_argument("--name", help="the adapter's name here (default: from the zip's file name)")
    imported.add_argument("--json", action="store_true")
    imported.set_defaults(handler=cmd_import)

    push = actions.add_parser("push", help="push an adapter to a Hugging Face Hub model repository (HF_TOKEN)")
    push.add_argument("name", metavar="NAME")
    push.add_argument("--repo", required=True, help="the Hub repository, OWNER/NAME (created if missing)")
    push.add_argument("--private", action="store_true", help="create the repository as private")
    push.add_argument("--json", action="store_true")
    push.set_defaults(handler=cmd_push)


def cmd_export(args: argparse.Namespace, services: Services) -> int:
    adapter = services.adapters().get(args.name)
    out = export_adapter(adapter, args.out, services.settings.lora_cache_dir)
    _report(args, {"adapter": adapter.name, "zip": str(out), "bytes": out.stat().st_size}, f"wrote {out}")
    return 0


def cmd_import(args: argparse.Namespace, services: Services) -> int:
    if not args.archive.is_file():
        raise UsageError(f"{args.archive}: no such file")
    folder = import_adapter(args.archive, services.settings.adapters_dir, args.name, taken=services.adapters().names())
    _report(args, {"adapter": folder.name, "path": str(folder)}, f"imported adapter {folder.name} into {folder}")
    return 0


def cmd_push(args: argparse.Namespace, services: Services) -> int:
    adapter = services.adapters().get(args.name)
    url = push_adapter(
        adapter, args.repo, os.environ.get("HF_TOKEN"), services.settings.lora_cache_dir, private=args.private
    )
    _report(args, {"adapter": adapter.name, "repo": args.repo, "commit_url": url}, f"pushed {adapter.name}: {url}")
    return 0


def _report(args: argparse.Namespace, result: dict, line: str) -> None:
    print(json.dumps(result) if args.json else line)
