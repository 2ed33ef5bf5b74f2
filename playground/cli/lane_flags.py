"""Command-line flags for lane settings, built from the lanes' controls (no lane is named here)."""

from __future__ import annotations

import argparse

from playground.lanes import all_lanes


def add_lane_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per lane setting that has one, built from the lanes' controls (shared names once)."""
    added: set[str] = set()
    for lane in all_lanes():
        for control in lane.controls:
            if control.flag is None or control.flag in added:
                continue
            added.add(control.flag)
            kwargs: dict[str, object] = {"dest": control.field, "help": f"{lane.title}: {control.label}"}
            if control.kind == "choice":
                kwargs["choices"] = control.choices
            elif control.kind in ("int", "float"):
                kwargs["type"] = int if control.kind == "int" else float
            parser.add_argument(control.flag, **kwargs)


def lane_settings(args: argparse.Namespace) -> dict[str, object]:
    """Every lane setting given on the command line, by field name (each lane takes its own)."""
    fields = {c.field for lane in all_lanes() for c in lane.controls if c.flag}
    return {name: getattr(args, name) for name in fields if getattr(args, name, None) is not None}
