"""Hardware price presets: what an hour of a machine costs, with where the figure comes from.

A local lane's cost is the time it measured times its hardware's hourly price; an adapter's training
cost is its card's seconds times the training hardware's price. Every preset names its source and
the date it was read, and the preset in use is shown next to every local cost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from playground.errors import UsageError

SPACES_PRICES = "huggingface.co/docs/hub/spaces-gpus (Spaces hardware table)"
ENDPOINT_PRICES = "huggingface.co/docs/inference-endpoints/pricing (CPU instances)"
RUNPOD_PRICES = "runpod.io/pricing (Secure Cloud, on demand)"


class HardwareError(UsageError):
    """An unknown preset or an impossible hourly price (a usage error: exit code 2)."""


@dataclass(frozen=True)
class Hardware:
    """A machine and its price per hour, with the source of that price."""

    name: str
    usd_per_hour: float
    description: str
    source: str
    read_on: str

    @property
    def assumption(self) -> str:
        """The one line shown next to a cost that this hardware priced."""
        return f"${self.usd_per_hour:.3f}/hour on {self.name} ({self.source}, {self.read_on})"

    def cost_of(self, seconds: float) -> float:
        """What `seconds` of this machine cost."""
        return self.usd_per_hour * max(seconds, 0.0) / 3600.0

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "usd_per_hour": self.usd_per_hour,
            "description": self.description,
            "source": self.source,
            "read_on": self.read_on,
        }


PRESETS: dict[str, Hardware] = {
    preset.name: preset
    for preset in (
        Hardware(
            "this machine",
            0.067,
            "2 vCPU, no GPU: the machine the shipped figures were measured on, priced as a rented 2-vCPU instance",
            f"{ENDPOINT_PRICES}: aws intel-spr x2",
            "2026-11-29",
        ),
        Hardware("Spaces CPU", 0.03, "Hugging Face Spaces CPU Upgrade, 8 vCPU", SPACES_PRICES, "2026-11-29"),
        Hardware("T4", 0.40, "Hugging Face Spaces Nvidia T4 small, 16 GB", SPACES_PRICES, "2026-11-29"),
        Hardware("A10G", 1.00, "Hugging Face Spaces Nvidia A10G small, 24 GB", SPACES_PRICES, "2026-11-29"),
        Hardware("L4", 0.80, "Hugging Face Spaces 1x Nvidia L4, 24 GB", SPACES_PRICES, "2026-11-29"),
        Hardware("A100", 4.00, "Hugging Face Spaces Nvidia A100 large, 80 GB", SPACES_PRICES, "2026-11-29"),
        Hardware("H100", 3.99, "one H100 SXM 80 GB", RUNPOD_PRICES, "2026-11-09"),
    )
}
DEFAULT_HARDWARE = "this machine"
CUSTOM = "custom"
TRAINING_DEVICES = {"cpu": "this machine", "cuda": "H100"}  # a card's device -> the preset that prices its run


def hardware_names() -> list[str]:
    """The presets' names, then `custom`, as the UI and the command line offer them."""
    return [*PRESETS, CUSTOM]


def get_hardware(name: str | None = None, usd_per_hour: float | None = None) -> Hardware:
    """A preset by name (default: this machine), or `custom` at the given hourly price."""
    name = (name or DEFAULT_HARDWARE).strip()
    if name == CUSTOM:
        if usd_per_hour is None or not math.isfinite(usd_per_hour) or usd_per_hour < 0:
            raise HardwareError("custom hardware needs an hourly price of $0 or more (--hardware-usd-per-hour)")
        return Hardware(CUSTOM, float(usd_per_hour), "a price you entered", "entered by you", "today")
    preset = next((p for key, p in PRESETS.items() if key.lower() == name.lower()), None)
    if preset is None:
        raise HardwareError(f"unknown hardware {name!r}; choose one of: {', '.join(hardware_names())}")
    return preset


def training_hardware(device: str) -> Hardware:
    """The preset that prices a training run on `device` (`cpu` or `cuda`, as a card records it)."""
    return PRESETS[TRAINING_DEVICES.get(device, DEFAULT_HARDWARE)]
