"""What several commands share: the user-facing CommandError, lane lists and argparse types."""

from __future__ import annotations

import argparse

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
