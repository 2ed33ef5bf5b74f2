"""One-off costs: building a knowledge base's index and training an adapter, each paid once per strategy.

The index costs the time every ingest into it took (the store records it) at the hardware's price;
an index embedded by an API model is priced by its provider per token, which the store does not
track, so its cost is unknown rather than $0. An adapter costs its card's training seconds at the
price of the hardware it was trained on (`cpu` this machine, `cuda` a rented GPU).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playground.costs.hardware import Hardware, training_hardware
from playground.knowledge.embedding import is_local_embedder


@dataclass(frozen=True)
class OneOffCost:
    """A cost paid once (not per answer), with what it is and how it was priced."""

    item: str
    cost_usd: float | None
    basis: str

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item, "cost_usd": self.cost_usd, "basis": self.basis}


def index_cost(build_seconds: float | None, embedder: str | None, hardware: Hardware) -> OneOffCost:
    """The knowledge base index: its recorded build time on `hardware` (the app's machine embeds it)."""
    if embedder and not is_local_embedder(embedder):
        return OneOffCost("index", None, f"embedded by {embedder}: priced per token by its provider, not tracked")
    if build_seconds is None:
        return OneOffCost("index", None, "the index's build time was not recorded (re-ingest to measure it)")
    basis = f"built in {build_seconds:.1f} s at ${hardware.usd_per_hour:.3f}/hour ({hardware.name})"
    return OneOffCost("index", hardware.cost_of(build_seconds), basis)


def training_cost(card: dict[str, Any], name: str) -> OneOffCost:
    """An adapter's training run, from its card: seconds times the training device's hourly price."""
    seconds = card.get("seconds")
    if not isinstance(seconds, int | float):
        return OneOffCost(f"training {name}", None, "the card records no training time")
    hardware = training_hardware(str(card.get("device", "cpu")))
    basis = f"{seconds / 60:.1f} min on {card.get('device', 'cpu')} at {hardware.assumption}"
    return OneOffCost(f"training {name}", hardware.cost_of(float(seconds)), basis)
