"""Scenario packs: a scenario.yaml per folder under sample_data/ (title, prompts, data paths)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from playground.errors import PlaygroundError
from playground.text_utils import one_line


class ScenarioError(PlaygroundError, ValueError):
    """A scenario is missing or its scenario.yaml is malformed."""


@dataclass(frozen=True)
class FewShotExample:
    question: str
    answer: str


@dataclass(frozen=True)
class Scenario:
    """One scenario: what it demonstrates, its prompts and where its data lives."""

    name: str
    folder: Path
    title: str
    description: str
    system_prompt: str
    few_shot: tuple[FewShotExample, ...] = ()
    example_questions: tuple[str, ...] = ()
    order: int = 100
    knowledge_base: Path | None = None
    eval_set: Path | None = None
    train_set: Path | None = None
    extra: dict = field(default_factory=dict)


log = logging.getLogger(__name__)


def _optional_path(folder: Path, value: object, key: str = "path") -> Path | None:
    """A file or folder the scenario names: inside the scenarios' folder (a scenario may share another's
    documents), never elsewhere on the disk."""
    if not value:
        return None
    path = folder / str(value)
    if not path.resolve().is_relative_to(folder.resolve().parent):
        raise ScenarioError(f"{folder / 'scenario.yaml'}: {key} '{value}' points outside the scenarios' folder")
    return path


def load_scenario(folder: Path) -> Scenario:
    """Read folder/scenario.yaml; raise ScenarioError with the file name on any problem."""
    spec_file = folder / "scenario.yaml"
    try:
        spec = yaml.safe_load(spec_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        detail = one_line(str(exc))  # YAML errors span several lines; keep one
        raise ScenarioError(f"{spec_file}: cannot read scenario ({detail})") from exc
    if not isinstance(spec, dict):
        raise ScenarioError(f"{spec_file}: expected a mapping at the top level")
    missing = [key for key in ("title", "system_prompt") if not spec.get(key)]
    if missing:
        raise ScenarioError(f"{spec_file}: missing {', '.join(missing)}")
    try:
        shots = tuple(FewShotExample(str(s["question"]), str(s["answer"])) for s in spec.get("few_shot") or [])
    except (KeyError, TypeError) as exc:
        raise ScenarioError(f"{spec_file}: each few_shot item needs question and answer") from exc
    known = {
        "title",
        "description",
        "system_prompt",
        "few_shot",
        "example_questions",
        "order",
        "knowledge_base",
        "eval_set",
        "train_set",
    }
    try:
        order = int(spec.get("order", 100))
    except (TypeError, ValueError) as exc:
        raise ScenarioError(f"{spec_file}: order must be a whole number, not {spec.get('order')!r}") from exc
    return Scenario(
        name=folder.name,
        folder=folder,
        title=str(spec["title"]),
        description=str(spec.get("description", "")).strip(),
        system_prompt=str(spec["system_prompt"]).strip(),
        few_shot=shots,
        example_questions=tuple(str(q) for q in spec.get("example_questions") or []),
        order=order,
        knowledge_base=_optional_path(folder, spec.get("knowledge_base"), "knowledge_base"),
        eval_set=_optional_path(folder, spec.get("eval_set"), "eval_set"),
        train_set=_optional_path(folder, spec.get("train_set"), "train_set"),
        extra={k: v for k, v in spec.items() if k not in known},
    )


class ScenarioCatalog:
    """All scenarios found under one folder, in display order."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _scan(self) -> tuple[list[Scenario], list[str]]:
        """Every scenario that loads, in display order, and one line for each scenario file that does not."""
        loaded, problems = [], []
        for folder in sorted(p.parent for p in self.root.glob("*/scenario.yaml")):
            try:
                loaded.append(load_scenario(folder))
            except ScenarioError as exc:
                log.warning("scenario left out: %s", exc.message)
                problems.append(exc.message)
        return sorted(loaded, key=lambda s: (s.order, s.name)), problems

    def all(self) -> list[Scenario]:
        """Every scenario that loads, in display order (a broken one is left out: see `problems`)."""
        return self._scan()[0]

    def problems(self) -> list[str]:
        """One line for each scenario file that does not load."""
        return self._scan()[1]

    def names(self) -> list[str]:
        return [s.name for s in self.all()]

    def get(self, name: str | None = None) -> Scenario:
        """The named scenario, or the first one when name is None."""
        scenarios, problems = self._scan()
        if not scenarios:
            raise ScenarioError(problems[0] if problems else f"no scenarios found under {self.root}")
        if name is None:
            return scenarios[0]
        for scenario in scenarios:
            if scenario.name == name:
                return scenario
        if (self.root / str(name) / "scenario.yaml").is_file() and "/" not in str(name):
            load_scenario(self.root / str(name))  # raises the reason it was left out
        raise ScenarioError(f"unknown scenario '{name}'; known: {', '.join(s.name for s in scenarios)}")
