"""The freshness demonstration: edit facts in the knowledge base, ask again, see who noticed.

A scenario's `freshness_set` (YAML) lists one edit per question: a file, the exact text to replace
(it must occur once), the question, and the value before and after. The edits go to a workspace's
own copy of the documents (never the shipped ones); each lane answers the questions before and
after, and an answer counts when it contains the value (numbers compared by value). RAG reads the
edited documents; an adapter trained before the edit cannot: the lecture's "needs up-to-date data".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from playground.errors import PlaygroundError
from playground.evaluation.runner import EvalRun, Progress, run_evaluation
from playground.evaluation.sets import EvalItem
from playground.knowledge.base import KnowledgeBase
from playground.lanes import LaneContext, LaneJob
from playground.llm import ChatGateway
from playground.scenarios import Scenario

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_STOP = {"and", "the", "of", "llp"}


class FreshnessError(PlaygroundError, ValueError):
    """A freshness set is missing, malformed, or its edits no longer match the documents."""


@dataclass(frozen=True)
class FreshnessItem:
    file: str
    old: str
    new: str
    question: str
    before: str
    after: str


@dataclass(frozen=True)
class FreshnessRow:
    lane: str
    question: str
    before_answer: str
    knew_before: bool  # the answer before the edit gave the old value
    after_answer: str
    knows_after: bool  # the answer after the edit gives the new value
    stale_after: bool  # ... or still the old one


@dataclass(frozen=True)
class FreshnessResult:
    rows: list[FreshnessRow]
    seconds: float

    def summary(self) -> list[dict[str, object]]:
        """Per lane: the share right before the edits, right after them, and still stale after."""
        lanes = list(dict.fromkeys(row.lane for row in self.rows))
        out = []
        for lane in lanes:
            mine = [row for row in self.rows if row.lane == lane]
            out.append(
                {
                    "lane": lane,
                    "questions": len(mine),
                    "right_before": sum(r.knew_before for r in mine) / len(mine),
                    "right_after": sum(r.knows_after for r in mine) / len(mine),
                    "stale_after": sum(r.stale_after for r in mine) / len(mine),
                }
            )
        return out


def load_freshness(path: Path) -> list[FreshnessItem]:
    """The set's items; FreshnessError names what is wrong."""
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise FreshnessError(f"{path.name}: cannot read the freshness set ({' '.join(str(exc).split())})") from exc
    raw = spec.get("items") if isinstance(spec, dict) else None
    if not isinstance(raw, list) or not raw:
        raise FreshnessError(f"{path.name}: expected a list under 'items'")
    items = []
    for number, item in enumerate(raw, start=1):
        try:
            items.append(FreshnessItem(**{key: str(item[key]) for key in FreshnessItem.__dataclass_fields__}))
        except (KeyError, TypeError) as exc:
            fields = ", ".join(FreshnessItem.__dataclass_fields__)
            raise FreshnessError(f"{path.name}: item {number} needs {fields}") from exc
    return items


def says(answer: str, value: str) -> bool:
    """Whether the answer gives this value: a number by value, a name by its words."""
    if _NUMBER.fullmatch(value.strip()):
        wanted = float(value.replace(",", ""))
        return any(float(n.replace(",", "")) == wanted for n in _NUMBER.findall(answer))
    words = [w for w in re.findall(r"[\w&'-]+", value.lower()) if w not in _STOP and len(w) > 2]
    text = answer.lower()
    return bool(words) and all(w in text for w in words)


def apply_edits(knowledge: KnowledgeBase, items: list[FreshnessItem]) -> int:
    """Make every edit in the knowledge base's documents (re-indexed); all are checked before any is made."""
    edited: dict[str, str] = {}
    for item in items:
        try:
            text = edited.get(item.file) or knowledge.read_text(item.file)
        except PlaygroundError as exc:
            raise FreshnessError(f"freshness edit of {item.file}: {exc}") from exc
        if text.count(item.old) != 1:
            found = "is not" if item.old not in text else "occurs more than once"
            raise FreshnessError(
                f"freshness edit of {item.file}: the text '{item.old}' {found} in it (already edited?)"
            )
        edited[item.file] = text.replace(item.old, item.new)
    for name, text in edited.items():
        knowledge.save_text(name, text)
    return len(items)


def run_freshness(
    gateway: ChatGateway,
    scenario: Scenario,
    items: list[FreshnessItem],
    jobs: list[LaneJob],
    context: LaneContext,
    knowledge: KnowledgeBase,
    progress: Progress | None = None,
) -> FreshnessResult:
    """Ask before the edits, edit the workspace's documents, ask again; no answer is reused from a cache."""
    questions = [EvalItem(i, item.question, item.before, "text") for i, item in enumerate(items, start=1)]
    before = run_evaluation(gateway, scenario, questions, jobs, context, set_name="freshness", progress=progress)
    apply_edits(knowledge, items)
    after = run_evaluation(gateway, scenario, questions, jobs, context, set_name="freshness", progress=progress)
    rows = []
    for first, second in zip(_ordered(before), _ordered(after), strict=True):
        item = items[first.item.number - 1]
        old_text, new_text = _text(first), _text(second)
        rows.append(
            FreshnessRow(
                first.job.key,
                item.question,
                old_text,
                says(old_text, item.before),
                new_text,
                says(new_text, item.after),
                says(new_text, item.before) and not says(new_text, item.after),
            )
        )
    return FreshnessResult(rows, before.seconds + after.seconds)


def _ordered(run: EvalRun) -> list:
    return sorted(run.rows, key=lambda row: (row.job.key, row.item.number))


def _text(row) -> str:
    return "" if row.answer.error else row.answer.text
