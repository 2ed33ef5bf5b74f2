"""The lane registry: lanes register themselves, the way simonw/llm's plugins do, minus the machinery.

A lane module decorates its class with `@register`. Every module in `playground/lanes/builtin/`
is imported on first use, so adding a lane is adding a module there (or, in a test, decorating a
class): nothing else lists the lanes.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading

from playground.errors import UsageError
from playground.lanes.base import Lane

_LANES: dict[str, Lane] = {}
_loaded = False
_lock = threading.Lock()


class UnknownLaneError(UsageError, KeyError):
    """No lane of that name is registered (a usage error: exit code 2)."""

    def __str__(self) -> str:
        return str(self.args[0])


def register(lane_class: type[Lane]) -> type[Lane]:
    """Class decorator: make this lane available under its name (a later one replaces it)."""
    _LANES[lane_class.name] = lane_class()
    return lane_class


def unregister(name: str) -> None:
    """Remove a lane (tests that register a lane of their own clean up with this)."""
    _LANES.pop(name, None)


def _load_builtin() -> None:
    global _loaded
    with _lock:
        if _loaded:
            return
        from playground.lanes import builtin

        for module in sorted(pkgutil.iter_modules(builtin.__path__), key=lambda m: m.name):
            importlib.import_module(f"{builtin.__name__}.{module.name}")
        _loaded = True


def all_lanes() -> list[Lane]:
    """Registered lanes in display order (each lane's `order`, then its name)."""
    _load_builtin()
    return sorted(_LANES.values(), key=lambda lane: (lane.order, lane.name))


def lane_names() -> list[str]:
    """Registered lane names, in display order."""
    return [lane.name for lane in all_lanes()]


def default_lanes() -> list[str]:
    """The lanes that run when none are chosen (the classic three; the others are opt-in)."""
    return [lane.name for lane in all_lanes() if lane.on_by_default]


def get_lane(name: str) -> Lane:
    """The named lane; the error lists the known names."""
    _load_builtin()
    if name not in _LANES:
        raise UnknownLaneError(f"unknown lane '{name}'; known: {', '.join(lane_names())}")
    return _LANES[name]
