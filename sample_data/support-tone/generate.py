"""Generate the "Support tone" scenario: customer messages to Tallowmere Systems and house-style replies.

Tallowmere Systems is the fictional industrial-sensor company of the "Company knowledge" scenario
(Kestrel VS-400 vibration sensor, Heron AC-90 acoustic sensor, Wren TG-7 gateway, Plover PX-2 edge
unit, Lens monitoring software). Every reply follows the Tallowmere Care house style:

1. The first line is exactly "Hi <first name>," (the first name from the customer's signature), or
   "Hi there," when the message gives no first name; then a blank line.
2. The first sentence after the greeting names the customer's feeling and situation. It starts with
   "I can imagine how" (problems and complaints), "It truly made our day" (praise) or
   "What a thoughtful idea" (feature requests).
3. Whenever there is something to do, a line "Here's the plan:" follows, then 2 to 4 numbered
   steps ("1. ", "2. ", ...), one per line. Praise gets no steps.
4. One short closing sentence that says what happens next.
5. The last line is exactly "— The Tallowmere Care Team 🛠️", after a blank line.
6. Never "sorry for the inconvenience", "apologise for any inconvenience", "valued customer",
   "unfortunately", "Dear" or "Kind regards"; British spelling throughout (organise, colour,
   licence, prioritise, analyse, metres).

The data lives in files next to this one, so a ticket or a name is edited as data:
``generator/cases.yaml`` (the kinds of ticket: messages and reply parts, by issue type),
``generator/vocabulary.yaml`` (names, sites, products, the customer's phrasing and signatures) and
``generator/style.yaml`` (the house style's fixed lines and banned words, the scenario text). This
module is the logic: the slots, the few slot rules a case names, assembly and the style checks. The
helpers both generators share are in ``sample_data/generator_common.py``.

The output is deterministic (``random.Random(20261127)``) and written next to this file, or into
``--out DIR``:

- ``train.jsonl``: 300 chat-format items (neutral system prompt, customer message, styled reply)
- ``eval.jsonl``: 60 other items in the playground's evaluation format (``kind: text``)
- ``scenario.yaml``: the scenario pack, with few-shot examples from train and example questions
  from eval. The shipped one also has a hand-written ``chain`` below a marker line; regenerating keeps
  everything below the marker.

Run: ``python sample_data/support-tone/generate.py [--out DIR]`` (standard library and PyYAML).
"""

from __future__ import annotations

import random
import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from string import Formatter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # generator_common.py: a script has no package
from generator_common import (
    SEED,
    chat_item,
    eval_item,
    load_yaml,
    output_dir,
    write_jsonl,
    write_scenario,
    yaml_block,
)

HERE = Path(__file__).resolve().parent
DATA = HERE / "generator"
TRAIN_PER_ISSUE = 25
EVAL_PER_ISSUE = 5

STYLE: dict = load_yaml(DATA / "style.yaml")
WORDS: dict = load_yaml(DATA / "vocabulary.yaml")
SYSTEM_PROMPT: str = STYLE["system_prompt"]
SIGN_OFF: str = STYLE["sign_off"]
PLAN_LINE: str = STYLE["plan_line"]
ACK_OPENERS: tuple[str, ...] = tuple(STYLE["ack_openers"])
PRODUCTS: dict[str, dict] = WORDS["products"]

Slots = dict[str, str]


def number(rng: random.Random, digits: int) -> str:
    return str(rng.randint(10 ** (digits - 1), 10**digits - 1))


def common_slots(rng: random.Random) -> Slots:
    """Every generic value a template may use; a case's slot rule adds its own on top."""
    n = rng.randint(4, 24)
    hour = rng.randint(0, 20)
    product = rng.choice(tuple(PRODUCTS))
    return {
        "site": rng.choice(WORDS["sites"]),
        "asset": rng.choice(WORDS["assets"]),
        "n": str(n),
        "m": str(rng.randint(1, n - 2)),
        "serial": f"KV4-{number(rng, 5)}",
        "so": f"SO-{number(rng, 5)}",
        "inv": f"INV-26-{number(rng, 5)}",
        "po": f"PO {number(rng, 6)}",
        "ticket": f"TC-{number(rng, 6)}",
        "rma": f"RMA-{number(rng, 5)}",
        "amount": f"{rng.randint(900, 24000):,}.00",
        "days": str(rng.randint(3, 9)),
        "weeks": str(rng.randint(2, 5)),
        "months": str(rng.randint(3, 10)),
        "pct": str(rng.randint(12, 96)),
        "hours": str(rng.randint(3, 30)),
        "code": str(rng.randint(200, 249)),
        "t1": f"{hour:02d}:{rng.choice(('00', '15', '30', '45'))}",
        "t2": f"{hour + rng.randint(2, 3):02d}:{rng.choice(('00', '10', '20', '40'))}",
        "day": rng.choice(WORDS["weekdays"]),
        "turbine": f"T{rng.randint(1, 48)}",
        "agent": rng.choice(WORDS["agents"]),
        "colleague": rng.choice(WORDS["first_names"]),
        "country": rng.choice(WORDS["countries"]),
        "product": product,
        "product_serial": f"{PRODUCTS[product]['serial_prefix']}-{number(rng, 5)}",
        "plover_serial": f"PP2-{number(rng, 5)}",
        "symptom": rng.choice(PRODUCTS[product]["symptoms"]),
        "warranty": str(PRODUCTS[product]["warranty_years"]),
        "work": PRODUCTS[product]["work"],
    }


# --- slot rules: the few cases that need values computed from others ("slots: NAME" in cases.yaml) ---

SlotRule = Callable[[random.Random, Slots], Slots]


def _licence_total(rng: random.Random, s: Slots) -> Slots:
    return {"total": f"{240 * int(s['n']):,}"}


def _calibration_plan(rng: random.Random, s: Slots) -> Slots:
    n = rng.randint(30, 240)
    return {"n": str(n), "per_month": str(max(1, round(n / 24)))}


def _within_tolerance(rng: random.Random, s: Slots) -> Slots:
    return {"dev": f"{rng.uniform(1.0, 4.6):.1f}"}


def _out_of_tolerance(rng: random.Random, s: Slots) -> Slots:
    return {"dev": f"{rng.uniform(5.6, 14.0):.1f}"}


def _wrong_item(rng: random.Random, s: Slots) -> Slots:
    wrong, right = rng.choice(WORDS["wrong_items"])
    return {"wrong": wrong, "right": right}


def _damaged(rng: random.Random, s: Slots) -> Slots:
    return {"part": rng.choice(WORDS["damaged_parts"])}


SLOT_RULES: dict[str, SlotRule] = {
    "licence_total": _licence_total,
    "calibration_plan": _calibration_plan,
    "within_tolerance": _within_tolerance,
    "out_of_tolerance": _out_of_tolerance,
    "wrong_item": _wrong_item,
    "damaged": _damaged,
}


# --- cases: what the customer writes and how the house style answers -----------------------------


@dataclass(frozen=True)
class Case:
    """One kind of ticket. Templates use the slots; plans empty means no plan (praise)."""

    issue: str
    messages: tuple[str, ...]
    acks: tuple[str, ...]
    contexts: tuple[str, ...]
    plans: tuple[tuple[str, ...], ...]
    closings: tuple[str, ...]
    details: tuple[str, ...] = ()
    extra: SlotRule | None = None


def load_cases(path: Path) -> tuple[Case, ...]:
    """cases.yaml as Cases; an unknown slot rule name fails here, listing the known ones."""
    cases = []
    for issue, entries in load_yaml(path).items():
        for entry in entries:
            rule = entry.get("slots")
            if rule is not None and rule not in SLOT_RULES:
                raise KeyError(f"{path.name}: unknown slot rule {rule!r}; known: {', '.join(SLOT_RULES)}")
            cases.append(
                Case(
                    issue=issue,
                    messages=tuple(entry["messages"]),
                    acks=tuple(entry["acks"]),
                    contexts=tuple(entry["contexts"]),
                    plans=tuple(tuple(plan) for plan in entry["plans"]),
                    closings=tuple(entry["closings"]),
                    details=tuple(entry.get("details", ())),
                    extra=SLOT_RULES[rule] if rule else None,
                )
            )
    return tuple(cases)


CASES: tuple[Case, ...] = load_cases(DATA / "cases.yaml")

# --- customer voice -----------------------------------------------------------------------------

SALUTATIONS: tuple[str, ...] = tuple(WORDS["salutations"])
PRESSURE: dict[str, list[str]] = WORDS["pressure"]
ASKS, ANGRY_ASKS = tuple(WORDS["asks"]), tuple(WORDS["angry_asks"])


@dataclass(frozen=True)
class Signature:
    text: str
    first_name: str | None


def signature(rng: random.Random) -> Signature:
    first, last = rng.choice(WORDS["first_names"]), rng.choice(WORDS["last_names"])
    roll = rng.random()
    if roll < 0.25:
        return Signature("", None)
    if roll < 0.31:  # surname only: the reply cannot use a first name
        return Signature(rng.choice(WORDS["surname_signatures"]).format(last=last), None)
    title, company = (
        rng.choice(WORDS["titles"]),
        rng.choice(WORDS["companies"]),
    )  # drawn whatever the form: keeps the draws fixed
    form = rng.choice(WORDS["signatures"])
    return Signature(form.format(first=first, last=last, title=title, company=company), first)


def customer_message(case: Case, slots: Slots, sign: Signature, rng: random.Random) -> str:
    angry = case.issue == "angry_complaint"
    parts = [rng.choice(case.messages).format(**slots)]
    if case.details and rng.random() < 0.65:
        parts.append(rng.choice(case.details).format(**slots))
    if case.issue in PRESSURE and rng.random() < 0.3:
        parts.append(rng.choice(PRESSURE[case.issue]))
    if case.issue not in ("praise", "feature_request") and rng.random() < 0.6:
        parts.append(rng.choice(ANGRY_ASKS if angry else ASKS))
    body = " ".join(p for p in parts if p)
    if not angry and rng.random() < 0.1:
        body = body.lower()
    lines = []
    if not angry and rng.random() < 0.55:
        lines += [rng.choice(SALUTATIONS), ""]
    lines.append(body)
    if sign.text:
        lines += ["", sign.text]
    return "\n".join(lines)


def styled_reply(case: Case, slots: Slots, sign: Signature, rng: random.Random) -> tuple[str, set[str]]:
    """The house-style reply, and the names of the slots its templates used."""
    greeting = f"Hi {sign.first_name}," if sign.first_name else "Hi there,"
    opening = f"{rng.choice(case.acks)} {rng.choice(case.contexts)}"
    steps = rng.choice(case.plans) if case.plans else ()
    closing = rng.choice(case.closings)
    lines = [greeting, "", opening.format(**slots), ""]
    if steps:
        lines.append(PLAN_LINE)
        lines += [f"{i}. {step.format(**slots)}" for i, step in enumerate(steps, start=1)]
        lines.append("")
    lines += [closing.format(**slots), "", SIGN_OFF]
    used = {name for text in (opening, closing, *steps) for _, name, _, _ in Formatter().parse(text) if name}
    return "\n".join(lines), used


# --- checks: the style rules, as code -------------------------------------------------------------


def style_problems(reply: str, first_name: str | None, issue: str) -> list[str]:
    """Every house-style rule the reply breaks (empty when it follows them all)."""
    problems = []
    lines = reply.split("\n")
    expected = f"Hi {first_name}," if first_name else "Hi there,"
    if lines[0] != expected:
        problems.append(f"greeting {lines[0]!r} != {expected!r}")
    if len(lines) < 3 or not lines[2].startswith(ACK_OPENERS):
        problems.append("no acknowledgement opener")
    if lines[-1] != SIGN_OFF or lines[-2] != "":
        problems.append("sign-off line")
    numbered = [line for line in lines if re.match(r"\d+\. ", line)]
    if issue == "praise":
        if numbered or PLAN_LINE in lines:
            problems.append("praise should have no steps")
    elif PLAN_LINE not in lines or not 2 <= len(numbered) <= 4:
        problems.append("plan line and 2-4 numbered steps")
    elif [int(line.split(".")[0]) for line in numbered] != list(range(1, len(numbered) + 1)):
        problems.append("steps not numbered 1..n")
    lowered = reply.lower()
    problems += [f"banned phrase {b!r}" for b in STYLE["banned"] if b in lowered]
    problems += [f"American spelling {a!r}" for a in STYLE["american"] if a in lowered]
    problems += ["unfilled slot"] if "{" in reply or "}" in reply else []
    return problems


SPECIFIC_SLOTS: dict[str, str] = STYLE["specific_slots"]  # how each such value appears in text


def invented_details(message: str, slots: Slots, used: set[str]) -> list[str]:
    """Slots the reply used whose values the customer never wrote (the reply would be making them up)."""
    found = []
    for key in sorted(used & SPECIFIC_SLOTS.keys()):
        pattern = rf"(?<![\w-]){re.escape(SPECIFIC_SLOTS[key].format(slots[key]))}(?![\w-])"
        if not re.search(pattern, message, re.IGNORECASE):
            found.append(f"{key}={slots[key]!r}")
    return found


# --- assembly -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    issue: str
    message: str
    reply: str


def generate(rng: random.Random) -> tuple[list[Pair], list[Pair]]:
    """Return (train, eval) with TRAIN_PER_ISSUE and EVAL_PER_ISSUE distinct messages per issue type."""
    issues = list(dict.fromkeys(case.issue for case in CASES))
    per_issue = TRAIN_PER_ISSUE + EVAL_PER_ISSUE
    train: list[Pair] = []
    held_out: list[Pair] = []
    seen: set[str] = set()
    for issue in issues:
        cases = [c for c in CASES if c.issue == issue]
        pairs: list[Pair] = []
        attempts = 0
        while len(pairs) < per_issue:
            attempts += 1
            if attempts > 10_000:
                raise RuntimeError(f"cannot make {per_issue} distinct messages for {issue}")
            case = cases[len(pairs) % len(cases)] if rng.random() < 0.7 else rng.choice(cases)
            slots = common_slots(rng)
            if case.extra:
                slots.update(case.extra(rng, slots))
            sign = signature(rng)
            message = customer_message(case, slots, sign, rng)
            reply, used = styled_reply(case, slots, sign, rng)
            if message in seen or reply in seen:
                continue
            problems = style_problems(reply, sign.first_name, issue) + invented_details(message, slots, used)
            if problems:
                raise AssertionError(f"{issue}: {problems}\n{reply}")
            seen.update((message, reply))
            pairs.append(Pair(issue, message, reply))
        held_out.extend(pairs[:EVAL_PER_ISSUE])
        train.extend(pairs[EVAL_PER_ISSUE:])
    rng.shuffle(train)
    rng.shuffle(held_out)
    return train, held_out


def scenario_yaml(train: list[Pair], held_out: list[Pair]) -> str:
    named = next(p for p in train if p.issue == "data_gaps" and not p.reply.startswith("Hi there,"))
    unnamed = next(
        p for p in train if p.issue == "billing" and p.reply.startswith("Hi there,") and p.message != p.message.lower()
    )
    # The example questions follow the playground's fixed rule (playground/scenarios.py): the first
    # held-out message of each issue, in eval.jsonl's order, at most five. Never chosen by results.
    firsts: dict[str, Pair] = {}
    for pair in held_out:
        firsts.setdefault(pair.issue, pair)
    examples = list(firsts.values())[:5]
    lines = [
        "title: Support tone",
        "description: " + yaml_block(STYLE["scenario_description"], 2, ">-"),
        "order: 3",
        "system_prompt: |",
        f"  {SYSTEM_PROMPT}",
        "few_shot:",
    ]
    for pair in (named, unnamed):
        lines.append("  - question: " + yaml_block(pair.message, 6))
        lines.append("    answer: " + yaml_block(pair.reply, 6))
    lines.append("example_questions:")
    for pair in examples:
        lines.append("  - " + yaml_block(pair.message, 4))
    lines += ["knowledge_base: ../company-knowledge/kb", "eval_set: eval.jsonl", "train_set: train.jsonl"]
    lines += ["adapter: support-tone", ""]
    return "\n".join(lines)


def main() -> None:
    out = output_dir("Generate the Support tone scenario's data.", HERE)
    rng = random.Random(SEED)
    train, held_out = generate(rng)
    write_jsonl(out / "train.jsonl", [chat_item(SYSTEM_PROMPT, p.message, p.reply) for p in train])
    write_jsonl(out / "eval.jsonl", [eval_item(p.message, p.reply, "text", p.issue) for p in held_out])
    write_scenario(out / "scenario.yaml", scenario_yaml(train, held_out))
    counts = Counter(p.issue for p in train)
    eval_counts = Counter(p.issue for p in held_out)
    print(f"train: {len(train)} pairs, eval: {len(held_out)} pairs, all following the house style")
    for issue in dict.fromkeys(case.issue for case in CASES):
        print(f"  {issue:<16} train {counts[issue]:>3}  eval {eval_counts[issue]:>2}")
    unnamed = sum(p.reply.startswith("Hi there,") for p in train + held_out)
    print(f"replies opening 'Hi there,' (no first name given): {unnamed}")
    print(f"distinct replies: {len({p.reply for p in train + held_out})} of {len(train) + len(held_out)}")


if __name__ == "__main__":
    main()
