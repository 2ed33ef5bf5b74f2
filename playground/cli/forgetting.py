"""The `forgetting` command: the general-knowledge probe on the base model and on each adapter.

Reports each adapter's change against its base with a 95% paired interval; `--record` writes it
into the adapter's card.json (how the shipped adapters' cards get theirs).
"""

from __future__ import annotations

import argparse
import json

from playground.model_ref import ModelRef
from playground.services import Services


def add_command(commands: argparse._SubParsersAction) -> None:
    probe = commands.add_parser("forgetting", help="general-knowledge probe: each adapter against its base model")
    probe.add_argument("--adapters", nargs="*", help="adapter names (default: every shipped adapter)")
    probe.add_argument("--record", action="store_true", help="write the result into each adapter's card.json")
    probe.add_argument("--json", action="store_true", help="print the results as JSON")
    probe.set_defaults(handler=cmd_forgetting)


def cmd_forgetting(args: argparse.Namespace, services: Services) -> int:
    from playground.training.forgetting import compare_to_base, load_probe, record_on_card, run_probe

    registry = services.adapters()
    adapters = [registry.get(name) for name in (args.adapters or registry.names())]
    items = load_probe()
    bases: dict[str, object] = {}
    results = {}
    for adapter in adapters:
        tuned = ModelRef.for_adapter(adapter)
        if tuned.base not in bases:
            bases[tuned.base] = run_probe(services.gateway, tuned.base, items)
        report = compare_to_base(bases[tuned.base], run_probe(services.gateway, tuned, items))  # type: ignore[arg-type]
        if args.record:
            record_on_card(adapter.path, report)
        results[adapter.name] = report.to_card()
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for name, card in results.items():
            print(f"{name}: base {card['base_score']:.3f}, adapter {card['adapter_score']:.3f}: {card['statement']}")
    return 0
