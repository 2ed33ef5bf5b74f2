"""Turn Answer records into what the Compare tab shows: metric tiles and the summary table."""

from __future__ import annotations

import html
import json

import pandas as pd

from playground.lanes.repeats import RepeatStats
from playground.model_ref import ModelRef
from playground.records import Answer

SUMMARY_COLUMNS = [
    "lane",
    "model",
    "model calls",
    "prompt tokens",
    "completion tokens",
    "cost (USD)",
    "TTFT (s)",
    "latency (s)",
    "tokens/s",
    "status",
]


def format_cost(cost_usd: float | None) -> str:
    """A price, or "unknown" where none is known (never a silent $0)."""
    if cost_usd is None:
        return "unknown"
    return f"${cost_usd:.6f}" if cost_usd < 0.01 else f"${cost_usd:.4f}"


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


def metric_values(answer: Answer) -> dict[str, str]:
    """Each metric of one lane as display text; "…" while it is still being measured."""
    if not answer.done:
        pending = "…"
        return {
            "prompt tokens": pending,
            "completion tokens": pending,
            "cost": pending,
            "TTFT": _seconds(answer.ttft_s) if answer.ttft_s else pending,
            "latency": pending,
            "tokens/s": pending,
        }
    tps = answer.tokens_per_second
    return {
        "prompt tokens": str(answer.usage.prompt_tokens),
        "completion tokens": str(answer.usage.completion_tokens),
        "cost": format_cost(answer.cost_usd),
        "TTFT": _seconds(answer.ttft_s),
        "latency": _seconds(answer.latency_s),
        "tokens/s": "—" if tps is None else f"{tps:.1f}",
    }


TIMING_LABELS = {"embed_s": "embedding", "retrieval_s": "retrieval"}


def timing_values(answer: Answer) -> dict[str, str]:
    """Extra timings a lane measured (RAG: query embedding and search), apart from generation."""
    return {TIMING_LABELS.get(k, k): f"{v * 1000:.0f} ms" for k, v in answer.timings.items()}


def answer_html(text: str, streaming: bool = False) -> str:
    """A model's answer exactly as written: never read as Markdown or HTML, long ones scroll."""
    cursor = '<span class="answer-cursor"> ▌</span>' if streaming else ""
    return f'<div class="answer-text">{html.escape(text)}{cursor}</div>'


def passages_html(answer: Answer | None) -> str:
    """The passages a lane used: source, section and score, with the text behind a fold."""
    if answer is None or not answer.passages:
        return ""
    items = "".join(
        f'<details class="passage" data-source="{html.escape(p.source)}"><summary>'
        f'<span class="passage-rank">[{i}]</span> <b>{html.escape(p.source)}</b>'
        f"{' · ' + html.escape(p.section) if p.section else ''} "
        f'<span class="passage-score">score {p.score:.3f}</span></summary>'
        f'<div class="passage-text">{html.escape(p.text)}</div></details>'
        for i, p in enumerate(answer.passages, start=1)
    )
    return f'<div class="lane-passages"><div class="passages-title">Sources used</div>{items}</div>'


def steps_html(answer: Answer | None) -> str:
    """Every call the lane made: kind, name, tokens, time, and its input and output behind a fold."""
    if answer is None or not answer.steps:
        return ""
    rows = []
    for number, step in enumerate(answer.steps, start=1):
        shown_input = (
            step.input if isinstance(step.input, str) else json.dumps(step.input, ensure_ascii=False, indent=1)
        )
        figures = f"{step.usage.prompt_tokens} + {step.usage.completion_tokens} tokens · " if step.kind == "llm" else ""
        status = f' <span class="step-error">⚠ {html.escape(step.error)}</span>' if step.error else ""
        rows.append(
            f'<details class="lane-step" data-kind="{html.escape(step.kind)}" data-name="{html.escape(step.name)}">'
            f"<summary>{number}. <b>{html.escape(step.kind)}</b> {html.escape(step.name)} · {figures}"
            f"{step.latency_s:.2f}s{' · cached' if step.cached else ''}{status}</summary>"
            f'<div class="step-io"><div class="step-label">input</div><pre>{html.escape(shown_input)}</pre>'
            f'<div class="step-label">output</div><pre>{html.escape(step.output)}</pre></div></details>'
        )
    calls = sum(1 for step in answer.steps if step.kind == "llm")
    title = f'<div class="steps-title">Steps: {len(answer.steps)} ({calls} model call{"s" if calls != 1 else ""})</div>'
    return f'<div class="lane-steps">{title}{"".join(rows)}</div>'


def metrics_html(answer: Answer | None) -> str:
    """The metrics row of one lane as small labelled tiles (data-metric attributes for tests)."""
    if answer is None:
        return '<div class="lane-metrics lane-idle">Ask a question to see this lane\'s figures.</div>'
    if answer.error:
        return f'<div class="lane-metrics lane-error" role="alert">⚠ {html.escape(answer.error)}</div>'
    tiles = "".join(
        f'<div class="metric" data-metric="{html.escape(name)}">'
        f'<span class="metric-value">{html.escape(value)}</span>'
        f'<span class="metric-label">{html.escape(name)}</span></div>'
        for name, value in (metric_values(answer) | timing_values(answer)).items()
    )
    return f'<div class="lane-metrics">{tiles}</div>'


def summary_table(answers: list[Answer]) -> pd.DataFrame:
    """One row per lane lining up the figures of the finished answers."""
    rows = []
    for a in answers:
        tps = a.tokens_per_second
        rows.append(
            {
                "lane": a.lane,
                "model": str(ModelRef.parse(a.model)),  # an adapter by name, never its folder
                "model calls": sum(1 for s in a.steps if s.kind == "llm"),
                "prompt tokens": a.usage.prompt_tokens if a.done and not a.error else None,
                "completion tokens": a.usage.completion_tokens if a.done and not a.error else None,
                "cost (USD)": format_cost(a.cost_usd) if a.done and not a.error else "",
                "TTFT (s)": round(a.ttft_s, 3) if a.ttft_s is not None else None,
                "latency (s)": round(a.latency_s, 3) if a.latency_s is not None else None,
                "tokens/s": round(tps, 1) if tps is not None else None,
                "status": f"error: {a.error}" if a.error else ("done" if a.done else "running"),
            }
        )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def cost_html(answer: Answer | None) -> str:
    """The lane's cost stage by stage, each with its basis, and the hardware that priced local work."""
    if answer is None or answer.cost is None:
        return ""
    rows = "".join(
        f'<tr class="cost-stage" data-stage="{html.escape(stage.stage)}" data-cost="{stage.cost_usd}">'
        f"<td>{html.escape(stage.stage)}{' (cached)' if stage.cached else ''}</td>"
        f"<td>{stage.prompt_tokens + stage.completion_tokens}</td><td>{stage.seconds:.3f} s</td>"
        f'<td>{format_cost(stage.cost_usd)}</td><td class="cost-basis">{html.escape(stage.basis)}</td></tr>'
        for stage in answer.cost.stages
    )
    total = answer.cost.total_usd
    return (
        f'<details class="lane-cost" data-total="{total}"><summary>Cost: <b>{format_cost(total)}</b> · '
        f'<span class="cost-hardware">{html.escape(answer.cost.hardware.assumption)}</span></summary>'
        "<table><thead><tr><th>stage</th><th>tokens</th><th>time</th><th>cost</th><th>basis</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></details>"
    )


REPEAT_COLUMNS = [
    "lane",
    "runs",
    "cached (left out)",
    "median (s)",
    "p95 (s)",
    "min (s)",
    "max (s)",
    "median cost",
    "distinct answers",
]


def repeats_frame(stats: dict[str, RepeatStats]) -> pd.DataFrame:
    """One row per lane: its repeated runs' latency median, p95 and range, and how often the answer changed."""
    rows = [
        {
            "lane": lane,
            "runs": s.runs,
            "cached (left out)": s.cached,
            "median (s)": _rounded(s.latency_median_s),
            "p95 (s)": _rounded(s.latency_p95_s),
            "min (s)": _rounded(s.latency_min_s),
            "max (s)": _rounded(s.latency_max_s),
            "median cost": format_cost(s.cost_median_usd),
            "distinct answers": s.distinct_answers,
        }
        for lane, s in stats.items()
    ]
    return pd.DataFrame(rows, columns=REPEAT_COLUMNS)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
