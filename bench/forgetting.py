"""The forgetting check from the command line: the probe on the base model and on each adapter.

.venv/bin/python bench/forgetting.py [--adapters pricing support-tone]
"""

from __future__ import annotations

import argparse
import json

from playground.config import Settings
from playground.logs import configure_logging
from playground.model_ref import ModelRef
from playground.services import Services
from playground.training.forgetting import load_probe, run_probe


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--adapters", nargs="*")
    args = parser.parse_args()
    configure_logging()
    services = Services.from_settings(Settings.from_env())
    registry = services.adapters()
    items = load_probe()
    adapters = [registry.get(name) for name in (args.adapters or registry.names())]
    models = {"base": services.settings.default_model}
    models |= {a.name: ModelRef.for_adapter(a).wire for a in adapters}
    scores = {}
    for label, model in models.items():
        result = run_probe(services.gateway, model, items)
        scores[label] = {"score": round(result.score, 3), "correct": result.correct, "total": result.total}
    print(json.dumps(scores, indent=2))


if __name__ == "__main__":
    main()
