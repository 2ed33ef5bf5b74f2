"""Building a brief: run what it needs (answers, an optional evaluation, context growth) and put it together.

The command line's `brief` and the Brief tab both call `build_brief`, so the file a workshop takes
home is the same whichever way it was made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import mean
from typing import TYPE_CHECKING, Any

from playground.brief.criteria import Criteria
from playground.brief.document import Brief
from playground.brief.recommend import LaneFigures, recommend
from playground.brief.verdicts import load_verdicts, verdicts_markdown
from playground.costs.charts import break_even_figure, context_growth_figure
from playground.costs.context_growth import ContextGrowth, measure_context_growth
from playground.costs.hardware import Hardware
from playground.costs.one_off import OneOffCost, index_cost, training_cost
from playground.costs.projection import LaneCostLine, break_evens
from playground.lanes import LaneContext, LaneJob, get_lane, run_lanes
from playground.model_ref import ModelRef
from playground.records import Answer
from playground.scenarios import Scenario

if TYPE_CHECKING:
    from playground.evaluation.report import EvalResults
    from playground.services import Services
    from playground.workspace import Workspace

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class BriefRequest:
    """What to put in the brief: the questions, the volume, the hardware and the room's criteria."""

    questions: tuple[str, ...] = ()
    lanes: tuple[str, ...] = ("prompting", "rag", "finetuned")
    volume: float = 10_000
    criteria: Criteria = field(default_factory=Criteria)
    eval_limit: int = 10  # evaluation questions (0: no evaluation; quality is then "not measured")
    max_tokens: int | None = None
    model: str | None = None
    growth: bool = True


def build_brief(
    services: Services,
    workspace: Workspace,
    scenario: Scenario,
    request: BriefRequest,
    hardware: Hardware,
    progress: Progress | None = None,
) -> Brief:
    """Ask the questions, evaluate (if asked), measure context growth, price it all and recommend."""
    report = progress or (lambda fraction, message: None)
    limits = services.limits  # checked before any lane runs: a refused brief costs nothing
    limits.check("brief_questions", len(request.questions))
    limits.check("eval_questions", request.eval_limit)
    questions = [limits.question(q) for q in request.questions] or list(scenario.example_questions[:1])
    model = request.model or services.settings.default_model
    context = services.lane_context(workspace, hardware)
    jobs = [  # a lane with variants (the baseline's three methods) is one row per variant throughout
        job
        for lane in request.lanes
        for job in services.lane_jobs(lane, model, max_tokens=request.max_tokens, system_prompt=None)
    ]
    limits.check_lane_runs(len(questions), len(jobs))
    answers: list[dict[str, Answer]] = []
    for number, question in enumerate(questions, start=1):
        report(0.05 + 0.3 * (number - 1) / len(questions), f"asking question {number} of {len(questions)}")
        # One lane at a time: each answer's time (and so its cost on the hardware) is that lane's own,
        # not a share of a machine busy with the others, as in a batch evaluation.
        asked: dict[str, Answer] = {}
        for job in jobs:
            *_, final = run_lanes(
                services.gateway, question, scenario, [job], context, timeout_s=services.settings.lane_timeout_s
            )
            asked[job.key] = final[job.key]
        answers.append(asked)
    results = _evaluate(services, workspace, scenario, request, hardware, model, report)
    growth = None
    if request.growth and scenario.knowledge_base is not None:
        report(0.7, "measuring context growth on slices of the knowledge base")
        growth = _growth(services, scenario, context, questions[0], model, hardware, request.max_tokens)
    report(0.95, "pricing and recommending")
    lines = [_cost_line(services, workspace, scenario, job, answers, hardware) for job in jobs]
    board = _board(results)
    figures = [
        _figures(services, workspace, job, answers, board, results, line, request)
        for job, line in zip(jobs, lines, strict=True)
    ]
    charts = {"break-even": break_even_figure(lines, request.volume)}
    if growth is not None:
        charts["context-growth"] = context_growth_figure(growth)
    return Brief(
        scenario=scenario.title,
        description=scenario.description,
        questions=questions,
        answers=answers,
        hardware=hardware,
        volume=request.volume,
        criteria=request.criteria,
        cost_lines=lines,
        break_evens=break_evens(lines),
        recommendation=recommend(figures, request.criteria, request.volume),
        scoreboard=_board_rows(board),
        verdict=results.verdict if results is not None else "",
        growth=growth,
        charts=charts,
        verdicts=verdicts_markdown(load_verdicts()),
    )


def _evaluate(
    services: Services,
    workspace: Workspace,
    scenario: Scenario,
    request: BriefRequest,
    hardware: Hardware,
    model: str,
    report: Progress,
) -> EvalResults | None:
    if request.eval_limit <= 0 or scenario.eval_set is None:
        return None
    from playground.evaluation.report import EvalResults
    from playground.evaluation.sets import load_eval_set, sample_items

    items = sample_items(load_eval_set(scenario.eval_set), request.eval_limit)
    jobs = [
        job
        for lane in request.lanes
        for job in services.lane_jobs(lane, model, max_tokens=request.max_tokens, system_prompt=None)
    ]
    total = len(items) * len(jobs)
    run = services.evaluate(
        workspace,
        scenario,
        items,
        jobs,
        set_name=scenario.eval_set.name,
        progress=lambda done, _total, what: report(0.35 + 0.35 * done / max(total, 1), f"evaluating: {what}"),
        hardware=hardware,
    )
    return EvalResults.from_run(run, scenario.extra.get("primary_metric"))


def _growth(
    services: Services,
    scenario: Scenario,
    context: LaneContext,
    question: str,
    model: str,
    hardware: Hardware,
    max_tokens: int | None,
) -> ContextGrowth:
    return measure_context_growth(
        services.gateway, services.gateway, scenario, context, question, model, hardware, max_tokens=max_tokens or 64
    )


def _adapter_card(
    services: Services, workspace: Workspace, lane: str, answers: list[dict[str, Answer]]
) -> tuple[str, dict[str, Any]] | None:
    """The adapter a lane answered with (by the model it reported) and its card; None if none answered."""
    name = next((ModelRef.parse(a[lane].model).adapter_name for a in answers if lane in a), None)
    return (name, services.adapters(workspace).get(name).card) if name else None


def _one_off(
    services: Services,
    workspace: Workspace,
    scenario: Scenario,
    job: LaneJob,
    answers: list[dict[str, Answer]],
    hardware: Hardware,
) -> tuple[OneOffCost, ...]:
    items: list[OneOffCost] = []
    lane = job.key
    needs = get_lane(job.lane).one_off
    if "index" in needs and scenario.knowledge_base is not None:
        stats = services.knowledge(workspace, scenario).stats()
        items.append(index_cost(stats.build_seconds, stats.embedder, hardware))
    if "adapter" in needs:
        adapter = _adapter_card(services, workspace, lane, answers)
        if adapter:
            items.append(training_cost(adapter[1], adapter[0]))
        else:
            items.append(OneOffCost("training", None, "no adapter answered"))
    return tuple(items)


def _cost_line(
    services: Services,
    workspace: Workspace,
    scenario: Scenario,
    job: LaneJob,
    answers: list[dict[str, Answer]],
    hardware: Hardware,
) -> LaneCostLine:
    lane = (
        job.key
    )  # cost per answer from the questions asked one lane at a time (an evaluation's batches share the machine)
    costs = [a[lane].cost_usd for a in answers if lane in a and a[lane].error is None]
    per_answer = mean(costs) if costs and all(c is not None for c in costs) else None  # type: ignore[type-var]
    return LaneCostLine(lane, per_answer, _one_off(services, workspace, scenario, job, answers, hardware))


def _board(results: EvalResults | None) -> dict[str, dict[str, Any]]:
    if results is None or results.board.empty:
        return {}
    return {str(row["lane"]): row for row in results.board.to_dict("records")}


def _board_rows(board: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The scoreboard's rows, without the metrics no lane has (a text set has no MAE)."""
    rows = [_board_row(row) for row in board.values()]
    measured = {key for row in rows for key, value in row.items() if value is not None and value == value}
    return [{key: value for key, value in row.items() if key in measured} for row in rows]


def _board_row(row: dict[str, Any]) -> dict[str, Any]:
    keep = ("lane", "questions", "errors", "cost_per_question_usd", "latency_p50_s", "latency_p95_s")
    metrics = {
        k: v
        for k, v in row.items()
        if k not in keep
        and k not in ("model", "cached", "total_cost_usd", "tokens_per_question", "model_calls_per_question")
        and not str(k).startswith("style: ")
    }
    return {k: row.get(k) for k in keep} | metrics


def _figures(
    services: Services,
    workspace: Workspace,
    job: LaneJob,
    answers: list[dict[str, Answer]],
    board: dict[str, dict[str, Any]],
    results: EvalResults | None,
    line: LaneCostLine,
    request: BriefRequest,
) -> LaneFigures:
    lane = job.key
    row = board.get(lane, {})
    primary = results.primary if results is not None else None
    quality = row.get(primary.label) if primary is not None else None
    latencies = [
        a[lane].latency_s for a in answers if lane in a and a[lane].latency_s is not None and a[lane].error is None
    ]
    if latencies:  # asked one lane at a time; an evaluation's latency includes waiting in its batch
        latency, basis = mean(latencies), f"mean of {len(latencies)} answer(s), one lane at a time"  # type: ignore[type-var]
    else:
        latency, basis = None, ""
    needs = get_lane(job.lane).one_off
    adapter_examples = None
    if "adapter" in needs:
        adapter = _adapter_card(services, workspace, lane, answers)
        if adapter:
            adapter_examples = adapter[1].get("examples")
    style = row.get("style compliance")
    return LaneFigures(
        lane=lane,
        quality=None if quality is None or quality != quality else float(quality),
        quality_metric=primary.label if primary is not None else None,
        higher_is_better=primary.higher_is_better if primary is not None else True,
        quality_n=int(row["questions"]) if row.get("questions") else None,
        style_compliance=None if style is None or style != style else float(style),
        latency_s=latency,
        latency_basis=basis,
        monthly_usd=line.monthly(request.volume),
        first_month_usd=line.total(request.volume),
        stays_current=True if "index" in needs else (False if "adapter" in needs else None),
        adapter_examples=adapter_examples,
    )
