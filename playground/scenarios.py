"""Scenario packs: a scenario.yaml per folder under sample_data/ (title, prompts, data paths).

A scenario states its task as a person would (`instructions`: house rules, an answer format, where
answers come from). The prompting, chain, tools and RAG lanes send the system prompt followed by those
instructions (`instructed_system_prompt`); the adapter lanes send exactly the system message their
training data used (`training_system_prompt`), because that is what the adapter learned to follow.

Example questions follow one fixed rule, never a choice of the ones some lane gets right: the first
evaluation item of each category, in file order, categories in the order they first appear, at most
`MAX_EXAMPLES`. They are derived from the evaluation set when the scenario loads; the yaml's
`example_questions` are used only by a scenario without a readable evaluation set.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from playground.errors import PlaygroundError
from playground.evaluation.sets import EvalItem, EvalSetError, load_eval_set
from playground.text_utils import one_line

MAX_EXAMPLES = 5
MAX_INSTRUCTIONS_CHARS = 4000


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
    instructions: str = ""  # the task as a person would state it; added to the instructed lanes' system prompt
    few_shot: tuple[FewShotExample, ...] = ()
    example_questions: tuple[str, ...] = ()
    order: int = 100
    knowledge_base: Path | None = None
    eval_set: Path | None = None
    train_set: Path | None = None
    extra: dict = field(default_factory=dict)

    @property
    def instructed_system_prompt(self) -> str:
        """The system prompt the prompting, chain, tools and RAG lanes send by default: the scenario's
        system prompt, then its instructions (once, when the system prompt does not already hold them)."""
        if not self.instructions or self.instructions in self.system_prompt:
            return self.system_prompt
        return f"{self.system_prompt}\n\n{self.instructions}".strip()


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


def example_items(items: list[EvalItem], limit: int = MAX_EXAMPLES) -> list[EvalItem]:
    """The rule for example questions: the first item of each category, in file order, categories in
    the order they first appear, at most `limit`. A set with no categories gives its first `limit` items."""
    if not any(item.category for item in items):
        return items[:limit]
    firsts: dict[str | None, EvalItem] = {}
    for item in items:
        firsts.setdefault(item.category, item)
    return list(firsts.values())[:limit]


@lru_cache(maxsize=64)
def _examples_from(path: Path, _mtime_ns: int, _size: int) -> tuple[str, ...]:
    return tuple(item.question for item in example_items(load_eval_set(path)))


def derived_example_questions(eval_set: Path | None) -> tuple[str, ...] | None:
    """The evaluation set's example questions by the rule, or None when there is no readable set."""
    if eval_set is None or not eval_set.is_file():
        return None
    try:
        stat = eval_set.stat()
        return _examples_from(eval_set, stat.st_mtime_ns, stat.st_size)
    except (OSError, EvalSetError) as exc:
        log.warning("example questions not derived from %s: %s", eval_set, exc)
        return None


def training_system_prompt(scenario: Scenario) -> str:
    """The system message the scenario's training data used (what its adapter learned to follow).

    The first training example's system message ("" when it has none: the adapter saw none); the
    scenario's system prompt when there is no readable training set.
    """
    path = scenario.train_set
    if path is None or not path.is_file():
        return scenario.system_prompt
    try:
        stat = path.stat()
        return _first_system_message(path, stat.st_mtime_ns, stat.st_size)
    except (OSError, ValueError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        log.warning("training system prompt not read from %s: %s", path, exc)
        return scenario.system_prompt


@lru_cache(maxsize=64)
def _first_system_message(path: Path, _mtime_ns: int, _size: int) -> str:
    with path.open(encoding="utf-8") as handle:
        first = next((line for line in handle if line.strip()), "")
    record = json.loads(first) if first else {}
    messages = record.get("messages") if isinstance(record, dict) else None
    if not isinstance(messages, list):
        raise ValueError("the first training example has no messages")
    system = [m for m in messages if isinstance(m, dict) and m.get("role") == "system"]
    return str(system[0].get("content") or "") if system else ""


def _instructions(spec: dict, spec_file: Path) -> str:
    value = spec.get("instructions")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ScenarioError(f"{spec_file}: instructions must be text (the task as a person would state it)")
    if len(value) > MAX_INSTRUCTIONS_CHARS:
        raise ScenarioError(f"{spec_file}: instructions are {len(value)} characters; at most {MAX_INSTRUCTIONS_CHARS}")
    return value.strip()


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
        "instructions",
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
    eval_set = _optional_path(folder, spec.get("eval_set"), "eval_set")
    derived = derived_example_questions(eval_set)
    listed = tuple(str(q) for q in spec.get("example_questions") or [])
    return Scenario(
        name=folder.name,
        folder=folder,
        title=str(spec["title"]),
        description=str(spec.get("description", "")).strip(),
        system_prompt=str(spec["system_prompt"]).strip(),
        instructions=_instructions(spec, spec_file),
        few_shot=shots,
        example_questions=derived if derived is not None else listed,
        order=order,
        knowledge_base=_optional_path(folder, spec.get("knowledge_base"), "knowledge_base"),
        eval_set=eval_set,
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
