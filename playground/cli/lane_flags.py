"""Command-line flags for lane settings, built from the lanes' controls (no lane is named here)."""

from __future__ import annotations

import argparse
from pathlib import Path

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
            elif control.kind == "yaml":
                kwargs["type"], kwargs["metavar"] = yaml_file, "FILE.yaml"
            parser.add_argument(control.flag, **kwargs)


def yaml_file(path: str) -> str:
    """An argparse type: the text of a YAML file (the lane parses and checks it)."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise argparse.ArgumentTypeError(f"cannot read {path}: {exc.__class__.__name__}") from None


def lane_settings(args: argparse.Namespace) -> dict[str, object]:
    """Every lane setting given on the command line, by field name (each lane takes its own)."""
    fields = {c.field for lane in all_lanes() for c in lane.controls if c.flag}
    return {name: getattr(args, name) for name in fields if getattr(args, name, None) is not None}
