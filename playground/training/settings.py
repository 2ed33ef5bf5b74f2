"""Training settings, declared once: each with its default, limits, help and label, plus named presets.

The `train` command's flags, the Train tab's fields, the training job's child-process arguments
and the card's `hyperparameters` are all derived from `TrainSettings`, so a new setting is one
field here (and its use in the trainer), not six edits.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from playground.errors import UsageError


class SettingsError(UsageError, ValueError):
    """A training setting is out of its limits, or a preset is unknown (a usage error)."""


@dataclass(frozen=True)
class Spec:
    """One setting as the command line and the Train tab see it."""

    name: str
    kind: Callable[[str], Any]  # int, float or str: parses a flag's text
    default: Any
    help: str
    label: str
    minimum: float | None = None
    maximum: float | None = None
    elem_id: str | None = None  # shown in the Train tab under this id; None: command line only

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def optional(self) -> bool:
        """None is allowed: the setting is off unless given (the Train tab shows it as 0)."""
        return self.default is None

    def problem(self, value: Any) -> str | None:
        """Why a value is out of limits (e.g. 'must be at least 1'), or None when it is fine."""
        if value is None:
            return None if self.optional else "is required"
        if self.minimum is not None and value < self.minimum:
            return f"must be at least {self.minimum:g}"
        if self.maximum is not None and value > self.maximum:
            return f"must be at most {self.maximum:g}"
        return None


def _setting(
    default: Any,
    kind: Callable[[str], Any],
    help: str,
    label: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    elem_id: str | None = None,
) -> Any:
    spec = {"kind": kind, "help": help, "label": label, "minimum": minimum, "maximum": maximum, "elem_id": elem_id}
    return field(default=default, metadata={"spec": spec})


@dataclass(frozen=True)
class TrainSettings:
    """Everything about a training run except its data, output and base model. The card records it."""

    max_steps: int | None = _setting(
        None,
        int,
        "stop after N optimizer steps (default: the epochs decide)",
        "Max steps (0 = epochs decide)",
        minimum=1,
        maximum=1_000_000,
        elem_id="train-max-steps",
    )
    epochs: float = _setting(
        1.0, float, "passes over the data", "Epochs", minimum=0.01, maximum=100, elem_id="train-epochs"
    )
    rank: int = _setting(16, int, "LoRA rank", "LoRA rank", minimum=1, maximum=512, elem_id="train-rank")
    alpha: int = _setting(16, int, "LoRA alpha (scale)", "LoRA alpha", minimum=1, maximum=4096, elem_id="train-alpha")
    learning_rate: float = _setting(
        2e-4, float, "peak learning rate", "Learning rate", minimum=1e-8, maximum=1.0, elem_id="train-lr"
    )
    batch_size: int = _setting(
        8, int, "examples per step", "Batch size", minimum=1, maximum=4096, elem_id="train-batch"
    )
    max_seq_length: int = _setting(
        512,
        int,
        "longest example, in tokens",
        "Max sequence length",
        minimum=1,
        maximum=131_072,
        elem_id="train-seq-len",
    )
    seed: int = _setting(3407, int, "random seed", "Seed", minimum=0)
    system_prompt: str | None = _setting(None, str, "system message for examples that have none", "System prompt")
    max_examples: int | None = _setting(None, int, "use only the first N examples", "Max examples", minimum=1)
    validation_fraction: float = _setting(
        0.1,
        float,
        "share of the examples held out for validation, stratified by category (0: none)",
        "Validation share",
        minimum=0.0,
        maximum=0.5,
        elem_id="train-val-fraction",
    )
    validation_generate: int = _setting(
        32,
        int,
        "held-out examples answered and scored on the metric at each evaluation (0: loss only)",
        "Validation answers",
        minimum=0,
        maximum=256,
        elem_id="train-val-generate",
    )
    validation_new_tokens: int | None = _setting(
        None,
        int,
        "tokens generated per validation answer (default: the longest reference's, plus 8, at most 256)",
        "Validation answer tokens",
        minimum=1,
        maximum=1024,
    )

    def __post_init__(self) -> None:
        for spec in SPECS:  # defined below the class, before any instance exists
            problem = spec.problem(getattr(self, spec.name))
            if problem:
                raise SettingsError(f"{spec.label} {problem}")

    @classmethod
    def from_preset(cls, preset: str | None = None, **overrides: Any) -> TrainSettings:
        """The defaults, then the preset's values, then the given ones (None in overrides is skipped)."""
        if preset is not None and preset not in PRESETS:
            raise SettingsError(f"unknown preset '{preset}'; known: {', '.join(sorted(PRESETS))}")
        values = dict(PRESETS[preset]) if preset else {}
        values.update({name: value for name, value in overrides.items() if value is not None})
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """The card's `hyperparameters` (without what the trainer adds)."""
        return asdict(self)

    def argv(self) -> list[str]:
        """These settings as `train` command-line flags (unset optional ones left out)."""
        args: list[str] = []
        for spec in SPECS:
            value = getattr(self, spec.name)
            if value is not None:
                args += [spec.flag, str(value)]
        return args


SPECS: tuple[Spec, ...] = tuple(
    Spec(name=f.name, default=f.default, **f.metadata["spec"]) for f in fields(TrainSettings)
)
SPEC_BY_NAME = {spec.name: spec for spec in SPECS}
TAB_SPECS: tuple[Spec, ...] = tuple(spec for spec in SPECS if spec.elem_id)

PRESETS: dict[str, dict[str, Any]] = {
    "quick CPU demo": {
        "rank": 8,
        "alpha": 16,
        "learning_rate": 3e-4,
        "batch_size": 8,
        "max_steps": 30,
        "epochs": 1.0,
        "max_seq_length": 256,
        "validation_generate": 8,  # 4 evaluation points of 32 long replies would outlast its 30 steps
    },
    "GPU": {
        "rank": 16,
        "alpha": 32,
        "learning_rate": 2e-4,
        "batch_size": 16,
        "max_steps": None,
        "epochs": 2.0,
        "max_seq_length": 1024,
    },
}
DEFAULT_PRESET = "quick CPU demo"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per setting, checked against its limits (an out-of-range value is a usage error)."""
    parser.add_argument("--preset", choices=sorted(PRESETS), help="start from a preset (flags override it)")
    for spec in SPECS:
        parser.add_argument(spec.flag, type=_parser_for(spec), help=spec.help)


def from_arguments(args: argparse.Namespace) -> TrainSettings:
    """The settings a parsed `train` command line asks for: the preset, then the given flags."""
    return TrainSettings.from_preset(args.preset, **{spec.name: getattr(args, spec.name) for spec in SPECS})


def _parser_for(spec: Spec) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = spec.kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid {spec.kind.__name__} value: '{text}'") from None
        problem = spec.problem(value)
        if problem:
            raise argparse.ArgumentTypeError(problem)
        return value

    parse.__name__ = spec.kind.__name__  # argparse names the type in its messages
    return parse
