"""What several commands share: the user-facing CommandError, lane lists and argparse types."""

from __future__ import annotations

import argparse

from playground.costs.hardware import DEFAULT_HARDWARE, Hardware, get_hardware, hardware_names
from playground.errors import PlaygroundError
from playground.lanes import get_lane


class CommandError(PlaygroundError):
    """A problem the user can fix; printed as one line, exit code 1."""


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (anything else is a usage error)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def parse_lanes(spec: str) -> list[str]:
    """Known lane names from a comma-separated list, each once, in the given order."""
    lanes = [lane.strip() for lane in spec.split(",") if lane.strip()]
    if not lanes:
        raise CommandError("no lanes given")
    for lane in lanes:
        get_lane(lane)
    return list(dict.fromkeys(lanes))


def add_hardware_flags(parser: argparse.ArgumentParser) -> None:
    """`--hardware PRESET` and `--hardware-usd-per-hour X`: the price of local work's time."""
    parser.add_argument(
        "--hardware",
        default=DEFAULT_HARDWARE,
        metavar="PRESET",
        help=f"price local work on this hardware: {', '.join(hardware_names())} (default: {DEFAULT_HARDWARE})",
    )
    parser.add_argument(
        "--hardware-usd-per-hour", type=float, metavar="USD", help="the hourly price for --hardware custom"
    )


def hardware_of(args: argparse.Namespace) -> Hardware:
    """The hardware the flags chose (an unknown preset or a bad custom price exits 2 with one line)."""
    return get_hardware(args.hardware, args.hardware_usd_per_hour)
