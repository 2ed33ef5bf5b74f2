"""The `serve-model` command: the local llama.cpp engine as a standalone OpenAI-compatible server.

It serves one GGUF model (the embedded SmolLM2 by default) with the shipped adapters and every
adapter trained in a workspace, each at scale 0 until a request names it. Point apps at it with
PLAYGROUND_ENGINE_URLS=http://host:port (several, comma-separated: litellm's Router balances them).
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
from pathlib import Path

from playground.llamacpp.served import SHARED, InProcessModel, served_file
from playground.llamacpp.server import LOOPBACK, ServerConfig
from playground.local_models import EMBEDDED_ALIAS
from playground.services import Services
from playground.training.registry import AdapterRegistry


def add_command(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser("serve-model", help="run the local llama.cpp engine as an OpenAI-compatible server")
    serve.add_argument("--model", default=EMBEDDED_ALIAS, help="the embedded alias or a .gguf file")
    serve.add_argument("--host", default=LOOPBACK, help="address to listen on (default: loopback only)")
    serve.add_argument("--port", type=int, default=8080, help="port (0: any free port)")
    serve.add_argument("--slots", type=int, help="requests decoded together (default PLAYGROUND_ENGINE_SLOTS)")
    serve.add_argument("--json", action="store_true", help="print where it listens as one JSON line")
    serve.set_defaults(handler=cmd_serve_model)


def served_adapters(services: Services, model: str) -> list[Path]:
    """Shipped adapters, then every workspace's, one per name (shipped win), trained on this model."""
    folders = [(services.settings.adapters_dir, True)]
    workspaces = services.settings.workspaces_dir
    if workspaces.is_dir():
        folders += [(root / "adapters", False) for root in sorted(workspaces.iterdir())]
    return AdapterRegistry(folders).trained_on(model)


def cmd_serve_model(args: argparse.Namespace, services: Services) -> int:
    settings = services.settings
    adapters = served_adapters(services, args.model)
    config = ServerConfig(
        model=Path(),
        slots=args.slots or settings.engine_slots,
        context_per_slot=settings.engine_context,
        threads=settings.engine_threads,
        host=args.host,
        port=args.port,
    )
    gguf = served_file(args.model, settings.local_quant, settings.served_gguf_dir)  # what the app serves
    served = InProcessModel(args.model, gguf, config, settings.lora_cache_dir, lambda: adapters, SHARED)
    served.load()  # converts every adapter (cached) and starts the server with each at scale 0
    address = served.server.address
    names = [folder.name for folder in adapters]
    if args.json:
        print(json.dumps({"url": address, "model": args.model, "adapters": names}), flush=True)
    else:
        print(f"serving {args.model} at {address} with adapters: {', '.join(names) or 'none'}", flush=True)
        print(f"use it with PLAYGROUND_ENGINE_URLS={address}; Ctrl-C stops it", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    served.close()
    return 0
