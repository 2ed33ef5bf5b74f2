"""The lecture's verdicts as measured here: one row per shipped scenario, kept in bench/verdicts.json.

Each row is recorded from a full `eval --json` run by scripts/record_verdict.py: the lever whose lane
scored best on the scenario's primary metric, its paired 95% interval against the runner-up (the next
best lane of another lever), the models and the hardware. The lecture's expectation is stated beside
it; a verdict against the lecture stays in the table and says so. Baselines without a language model
are reported beside the levers, never as a lever.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VERDICTS_FILE = Path(__file__).resolve().parents[2] / "bench" / "verdicts.json"
LEVERS = {  # lane -> the lever it stands for
    "prompting": "prompting",
    "chain": "prompting",
    "tools": "prompting",
    "rag": "RAG",
    "finetuned": "fine-tuning",
    "rag_finetuned": "RAG + fine-tuning",
}


@dataclass(frozen=True)
class LaneScore:
    """One lane's mean on the primary metric, with its 95% interval."""

    lane: str
    value: float
    ci95: tuple[float, float] | None

    def text(self) -> str:
        interval = f" [{self.ci95[0]:.3f}, {self.ci95[1]:.3f}]" if self.ci95 else ""
        return f"{self.lane} {self.value:.3f}{interval}"


@dataclass(frozen=True)
class Verdict:
    """A shipped scenario's measured verdict."""

    scenario: str
    metric: str
    higher_is_better: bool
    questions: int
    split: str
    winner: LaneScore
    runner_up: LaneScore
    difference: float  # winner minus runner-up, paired over the questions
    difference_ci95: tuple[float, float] | None
    lecture_expects: str  # the lever the lecture says should win here
    models: str
    hardware: str
    measured_on: str
    command: str
    baseline: LaneScore | None = None  # the best estimate without a language model, where one applies
    paired: tuple[int, int, int] | None = None  # the winner's wins, losses and ties against the runner-up
    baseline_margin: tuple[float, float] | None = None  # how much better the baseline is: its paired 95% CI

    @property
    def clear(self) -> bool:
        """Whether the paired interval excludes zero (the winner is clearly ahead)."""
        return self.difference_ci95 is not None and (self.difference_ci95[0] > 0 or self.difference_ci95[1] < 0)

    @property
    def lever(self) -> str:
        return LEVERS.get(self.winner.lane, self.winner.lane)

    def against_lecture(self) -> str:
        """How the measurement stands against the lecture, in a few words."""
        if not self.clear:
            verdict = f"no clear winner (the lecture expects {self.lecture_expects})"
        elif self.lever == self.lecture_expects:
            verdict = "as the lecture expects"
        else:
            verdict = f"against the lecture, which expects {self.lecture_expects}"
        if self.baseline is not None and self.baseline_margin and self.baseline_margin[0] > 0:
            verdict += "; but the no-LLM baseline beats it, against the lecture"
        return verdict

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Verdict:
        def score(entry: dict[str, Any] | None) -> LaneScore | None:
            if entry is None:
                return None
            ci = entry.get("ci95")
            return LaneScore(str(entry["lane"]), float(entry["value"]), tuple(ci) if ci else None)

        ci = data.get("difference_ci95")
        return cls(
            scenario=str(data["scenario"]),
            metric=str(data["metric"]),
            higher_is_better=bool(data["higher_is_better"]),
            questions=int(data["questions"]),
            split=str(data["split"]),
            winner=score(data["winner"]),
            runner_up=score(data["runner_up"]),
            difference=float(data["difference"]),
            difference_ci95=tuple(ci) if ci else None,
            lecture_expects=str(data["lecture_expects"]),
            models=str(data["models"]),
            hardware=str(data["hardware"]),
            measured_on=str(data["measured_on"]),
            command=str(data["command"]),
            baseline=score(data.get("baseline")),
            paired=tuple(data["wins_losses_ties"]) if data.get("wins_losses_ties") else None,
            baseline_margin=tuple((data.get("baseline") or {}).get("ci95_of_that") or ()) or None,
        )


def load_verdicts(path: Path = VERDICTS_FILE) -> list[Verdict]:
    """The recorded verdicts, in the file's order (none when the file is missing)."""
    if not path.exists():
        return []
    return [Verdict.from_json(entry) for entry in json.loads(path.read_text(encoding="utf-8"))]


def verdicts_markdown(verdicts: list[Verdict]) -> str:
    """The verdicts as one Markdown table (the README and the Brief show exactly this)."""
    if not verdicts:
        return "*No verdicts are recorded yet (bench/verdicts.json).*"
    lines = [
        "| scenario | metric, questions | lever that won | runner-up | paired difference [95% CI] | "
        "against the lecture | no-LLM baseline | model · hardware |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for v in verdicts:
        interval = f" [{v.difference_ci95[0]:+.3f}, {v.difference_ci95[1]:+.3f}]" if v.difference_ci95 else ""
        direction = "" if v.higher_is_better else " (lower is better)"
        if v.paired:
            interval += f", n = {sum(v.paired)} ({v.paired[0]} better, {v.paired[1]} worse)"
        lines.append(
            f"| {v.scenario} | {v.metric}{direction}, {v.questions} {v.split} | **{v.lever}**: {v.winner.text()} | "
            f"{v.runner_up.text()} | {v.difference:+.3f}{interval} | {v.against_lecture()} | "
            f"{_baseline_text(v)} | {v.models} · {v.hardware}, {v.measured_on} |"
        )
    return "\n".join(lines)


def _baseline_text(verdict: Verdict) -> str:
    if verdict.baseline is None:
        return "n/a"
    text = verdict.baseline.text()
    if verdict.baseline_margin:
        low, high = verdict.baseline_margin
        text += f"; against the winner [{low:+.3f}, {high:+.3f}]"
    return text
