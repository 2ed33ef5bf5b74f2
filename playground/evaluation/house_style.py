"""House-style rules: does an answer follow the team's written style, rule by rule?

Token overlap with one reference reply says little about tone. A scenario can instead declare
its house rules in `scenario.yaml` under `house_rules:`, and evaluation reports
`style_compliance` (the share of answers that meet every rule) and each rule's pass rate:

    house_rules:
      opening: '^Hi (there|[A-Z][\\w-]*),$'           # the first line must match (regex)
      closing: '^— The Tallowmere Care Team 🛠️$'     # the last line must match (regex)
      required:                                      # patterns the answer must contain (regex)
        acknowledgement: '^(I can imagine how|It truly made our day)'
      like_reference: ["Here's the plan:"]           # present exactly when the reference has it
      banned: [unfortunately, kind regards]          # phrases never to use (any case)
      spelling: [color, behavior]                    # spellings never to use (any case, substrings)

Any scenario can declare rules, an uploaded one included; a scenario without rules gets no score.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from playground.errors import PlaygroundError


class HouseRulesError(PlaygroundError, ValueError):
    """A scenario's house_rules are malformed (the message names the rule)."""


@dataclass(frozen=True)
class HouseRule:
    """One rule: a name for the report, and a check of (answer, reference)."""

    name: str
    check: Callable[[str, str], bool]


def _regex(name: str, pattern: Any) -> re.Pattern[str]:
    try:
        return re.compile(str(pattern), re.MULTILINE)
    except re.error as exc:
        raise HouseRulesError(f"house rule '{name}': invalid pattern ({exc})") from exc


def _line_matches(pattern: re.Pattern[str], text: str, index: int) -> bool:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return bool(lines) and bool(pattern.search(lines[index]))


def parse_rules(spec: Any) -> list[HouseRule]:
    """The rules a scenario declares (an empty list when it declares none)."""
    if not spec:
        return []
    if not isinstance(spec, dict):
        raise HouseRulesError(
            "house_rules must be a mapping (opening, closing, required, like_reference, banned, spelling)"
        )
    known = {"opening", "closing", "required", "like_reference", "banned", "spelling"}
    unknown = set(spec) - known
    if unknown:
        raise HouseRulesError(f"unknown house rules: {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
    rules: list[HouseRule] = []
    if spec.get("opening"):
        opening = _regex("opening", spec["opening"])
        rules.append(HouseRule("opening", lambda text, _: _line_matches(opening, text, 0)))
    if spec.get("closing"):
        closing = _regex("closing", spec["closing"])
        rules.append(HouseRule("closing", lambda text, _: _line_matches(closing, text, -1)))
    required = spec.get("required") or {}
    if not isinstance(required, dict):
        raise HouseRulesError("house rule 'required' must map a name to a pattern")
    for name, pattern in required.items():
        regex = _regex(str(name), pattern)
        rules.append(HouseRule(str(name), lambda text, _, regex=regex: bool(regex.search(text.strip()))))
    for section in spec.get("like_reference") or []:
        marker = str(section)
        rules.append(
            HouseRule(f"'{marker}' as in the reference", lambda text, ref, m=marker: (m in text) == (m in ref))
        )
    banned = [str(p).lower() for p in spec.get("banned") or []]
    if banned:
        rules.append(HouseRule("no banned phrases", lambda text, _: not any(p in text.lower() for p in banned)))
    spellings = [str(p).lower() for p in spec.get("spelling") or []]
    if spellings:
        rules.append(HouseRule("house spelling", lambda text, _: not any(p in text.lower() for p in spellings)))
    return rules


def style_scores(rules: list[HouseRule], answer: str, reference: str) -> dict[str, float]:
    """Each rule's pass (1.0) or fail (0.0) as `style: <rule>`, and `style_compliance` (every rule)."""
    passed = {f"style: {rule.name}": float(rule.check(answer, reference)) for rule in rules}
    return passed | {"style_compliance": float(all(v == 1.0 for v in passed.values()))}
