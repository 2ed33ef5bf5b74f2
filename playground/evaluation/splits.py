"""Dev and test splits of an evaluation set, made once by a fixed rule and recorded beside the set.

Defaults (a lane's k, chunk size, prompt wording, training epochs) are chosen on the dev items
only; the figures a verdict rests on come from the test items, which no choice has looked at.

The rule: items are grouped by `category` (one group when a set has none); each group, sorted by
question id, is shuffled with `random.Random(f"{seed}:{category}")`, and the first
`round(len(group) * dev_share)` of it go to dev (at least one, and not all, when the group has two
or more items). The split is written to
`<set stem>.split.json` next to the set, naming items by a digest of their normalised question, so
it survives reordering and is checked against the set it was made from:

    python -m playground.evaluation.splits sample_data/company-knowledge/eval.jsonl
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from playground.errors import PlaygroundError
from playground.evaluation.sets import EvalItem, load_eval_set

SPLIT_SEED = 20261204
DEV_SHARE = 1 / 3
SPLITS = ("dev", "test")


class SplitError(PlaygroundError, ValueError):
    """A recorded split is missing or no longer matches its evaluation set."""


def question_id(question: str) -> str:
    """A short, stable id for a question: a digest of its text with case and spacing normalised."""
    normalised = " ".join(question.split()).casefold()
    return hashlib.sha256(normalised.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Split:
    """Which questions of an evaluation set are dev and which are test."""

    seed: int
    dev_share: float
    dev: frozenset[str]
    test: frozenset[str]

    def items(self, items: Sequence[EvalItem], part: str) -> list[EvalItem]:
        """The items of `part` ("dev" or "test"), in file order; SplitError if the set has changed."""
        if part not in SPLITS:
            raise SplitError(f"unknown split '{part}': use dev or test")
        ids = [question_id(item.question) for item in items]
        if set(ids) != self.dev | self.test:
            raise SplitError(
                "the evaluation set no longer matches its recorded split: run "
                "`python -m playground.evaluation.splits <set>` to record it again"
            )
        wanted = self.dev if part == "dev" else self.test
        return [item for item, qid in zip(items, ids, strict=True) if qid in wanted]

    def to_json(self) -> dict[str, object]:
        return {
            "seed": self.seed,
            "dev_share": self.dev_share,
            "rule": (
                "per category: sort by question id, shuffle with Random(f'{seed}:{category}'), "
                "first round(n * dev_share) are dev"
            ),
            "dev": sorted(self.dev),
            "test": sorted(self.test),
        }


def make_split(items: Sequence[EvalItem], seed: int = SPLIT_SEED, dev_share: float = DEV_SHARE) -> Split:
    """The dev/test split of these items by the fixed rule above (deterministic for a seed)."""
    if not 0 < dev_share < 1:
        raise SplitError(f"dev_share must be between 0 and 1, not {dev_share}")
    ids = [question_id(item.question) for item in items]
    if len(set(ids)) != len(ids):
        raise SplitError("the evaluation set repeats a question: a split needs each question once")
    groups: dict[str, list[str]] = {}
    for item, qid in zip(items, ids, strict=True):
        groups.setdefault(item.category or "", []).append(qid)
    dev: set[str] = set()
    for category, group in groups.items():
        shuffled = sorted(group)  # file order does not matter, only the questions
        random.Random(f"{seed}:{category}").shuffle(shuffled)
        count = round(len(shuffled) * dev_share)
        if len(shuffled) >= 2:
            count = min(max(count, 1), len(shuffled) - 1)
        dev.update(shuffled[:count])
    return Split(seed, dev_share, frozenset(dev), frozenset(ids) - frozenset(dev))


def split_path(eval_set: Path) -> Path:
    """Where the split of this evaluation set is recorded."""
    return eval_set.with_name(f"{eval_set.stem}.split.json")


def load_split(eval_set: Path) -> Split:
    """The recorded split of this evaluation set; SplitError (one line) when there is none."""
    path = split_path(eval_set)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Split(data["seed"], float(data["dev_share"]), frozenset(data["dev"]), frozenset(data["test"]))
    except FileNotFoundError:
        raise SplitError(f"{eval_set.name} has no recorded dev/test split ({path.name})") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SplitError(f"{path.name}: not a readable split ({exc})") from exc


def split_items(eval_set: Path, items: Sequence[EvalItem], part: str | None) -> list[EvalItem]:
    """All items (part None or "all"), or the recorded dev or test items of this set."""
    if part in (None, "all"):
        return list(items)
    return load_split(eval_set).items(items, part)


def write_split(eval_set: Path, seed: int = SPLIT_SEED, dev_share: float = DEV_SHARE) -> Split:
    """Make this set's split by the rule and record it beside the set."""
    split = make_split(load_eval_set(eval_set), seed, dev_share)
    split_path(eval_set).write_text(json.dumps(split.to_json(), indent=1) + "\n", encoding="utf-8")
    return split


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="record the dev/test split of evaluation sets")
    parser.add_argument("sets", nargs="+", type=Path, help="JSONL evaluation sets")
    args = parser.parse_args(argv)
    for path in args.sets:
        try:
            split = write_split(path)
        except PlaygroundError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"{split_path(path)}: {len(split.dev)} dev, {len(split.test)} test")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
