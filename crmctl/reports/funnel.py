"""``report funnel``: how the deals created in the period moved through one pipeline.

Per stage in pipeline order (open stages, then the won stage): how many of the cohort
reached it — entered it, or any later open stage, or were won — the conversion from the
previous stage and from the first, the median days from the deal's creation to the
first time it entered that stage or a later one, and how many were lost from it (the
last open stage a lost deal was in). Totals, one row per currency: the cohort's size,
lost, won count and won value, and the win rate and sales cycle (``crmctl.reports.
winrate``) of the deals of that pipeline closed in the period.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, case, cast, func, literal, select, union_all

from crmctl.db import tables
from crmctl.errors import UsageError
from crmctl.reports import common
from crmctl.reports.common import ReportOptions, deals
from crmctl.reports.result import ChartSpec, Column, ColumnKind, ReportResult
from crmctl.reports.sql import epoch_seconds, whole_days
from crmctl.reports.winrate import overall, win_stats
from crmctl.services.context import Context
from crmctl.services.pipelines import Pipeline, Stage, configured_pipelines

history = tables.deal_stage_history.c
NOTE = (
    "Deals created in the period; reached = entered the stage, a later open stage, or won; "
    "days from creation to first reaching the stage; win rate and sales cycle over the "
    "deals closed in the period."
)
COLUMNS = (
    Column("stage", "Stage"),
    Column("currency", "Currency", total=False),
    Column("reached", "Reached", ColumnKind.int, total=False),
    Column("conversion_prev", "Conversion from previous", ColumnKind.percent),
    Column("conversion_first", "Conversion from first", ColumnKind.percent),
    Column("median_days", "Median days", ColumnKind.number),
    Column("lost", "Lost", ColumnKind.int, total=False),
    Column("won", "Won", ColumnKind.int, total=False),
    Column("won_value", "Won value", ColumnKind.money, total=False),
    Column("win_rate", "Win rate (count)", ColumnKind.percent),
    Column("win_rate_value", "Win rate (value)", ColumnKind.percent),
    Column("cycle_median", "Sales cycle median (days)", ColumnKind.number),
    Column("cycle_mean", "Sales cycle mean (days)", ColumnKind.number),
)


@dataclass(frozen=True)
class FunnelOptions(ReportOptions):
    pipeline: str | None = None

    def params(self) -> dict[str, Any]:
        return {**super().params(), "pipeline": self.pipeline}


@dataclass
class Cohort:
    """The deals of one currency created in the period."""

    size: int = 0
    won: int = 0
    won_cents: int = 0
    lost: int = 0
    highest: dict[int, int] = field(default_factory=dict)  # highest position → deals
    lost_from: dict[int, int] = field(default_factory=dict)  # position → lost deals

    def reached(self, position: int) -> int:
        return sum(count for high, count in self.highest.items() if high >= position)


def choose_pipeline(ctx: Context, key: str | None) -> Pipeline:
    pipelines = configured_pipelines(ctx)
    if key is None:
        return next(iter(pipelines.values()))
    for pipeline in pipelines.values():
        if pipeline.key == key.strip() or pipeline.label.lower() == key.strip().lower():
            return pipeline
    raise UsageError(f"--pipeline {key!r}: not a pipeline; known: {', '.join(pipelines)}")


def funnel_stages(pipeline: Pipeline) -> list[Stage]:
    """Open stages in order, then the won stage (the lost stage is no step of a funnel)."""
    stages = [stage for stage in pipeline.stages if not stage.closed]
    if pipeline.won_stage is not None:
        stages.append(pipeline.won_stage)
    return stages


def cohort_by_currency(
    ctx: Context, options: FunnelOptions, pipeline: Pipeline, stages: Sequence[Stage]
) -> tuple[dict[str, Cohort], dict[int, dict[int, int]]]:
    """The cohort's counts per currency, and per stage a histogram of whole days to reach it.

    All in SQL, two grouped passes: per deal (its highest stage, the last open stage, the
    first entry at or after each stage), then those folded into a few hundred rows, so
    the cohort's deals never travel to Python one by one.
    """
    per_deal = _per_deal(ctx, options, pipeline, stages).cte("per_deal")
    c = per_deal.c
    lost_from = (c.last_open % POSITIONS).label("lost_from")
    counts = select(
        literal(-1).label("step"), c.currency, c.status, c.highest, lost_from,
        func.count().label("deals"), cast(func.sum(c.cents), BigInteger).label("cents"),
    ).group_by(c.currency, c.status, c.highest, lost_from)  # fmt: skip
    parts = [counts]
    for step in range(len(stages)):
        days = whole_days(c.created_at, c[f"r{step}"]).label("days")
        parts.append(
            select(
                literal(step), literal(""), literal(""), days, literal(0), func.count(), literal(0)
            )
            .where(c[f"r{step}"].is_not(None))
            .group_by(days)
        )
    cohorts: dict[str, Cohort] = {}
    histograms: dict[int, dict[int, int]] = {}
    for step, currency, status, high, lost_at, count, hellers in ctx.session.execute(
        union_all(*parts)
    ):
        if step >= 0:
            histograms.setdefault(int(step), {})[int(high)] = int(count)
            continue
        _add_counts(cohorts.setdefault(currency, Cohort()), status, high, lost_at, count, hellers)
    return cohorts, histograms


POSITIONS = 16  # last_open packs (entered seconds × 16 + position) to carry the position


def _per_deal(
    ctx: Context, options: FunnelOptions, pipeline: Pipeline, stages: Sequence[Stage]
) -> Any:
    position = case(
        *((history.stage == stage.key, index) for index, stage in enumerate(stages)),
        else_=None,
    )
    entered = epoch_seconds(history.entered_at)
    won_position = len(stages) - 1 if pipeline.won_stage is not None else len(stages)
    # The first entry at or after each stage as the timestamp itself (no function per
    # history row and stage); whole days are taken once per deal in the outer query.
    firsts = [
        func.min(case((position >= step, history.entered_at), else_=None)).label(f"r{step}")
        for step in range(len(stages))
    ]
    statement = (
        select(
            deals.id,
            deals.currency,
            deals.status,
            common.cents().label("cents"),
            deals.created_at,
            func.max(position).label("highest"),
            func.max(
                case((position < won_position, entered * POSITIONS + position), else_=None)
            ).label("last_open"),
            *firsts,
        )
        .select_from(tables.deals.join(tables.deal_stage_history, history.deal_id == deals.id))
        .where(deals.pipeline == pipeline.key, *common.deal_conditions(ctx, options.where))
        .group_by(deals.id, deals.currency, deals.status, deals.value, deals.created_at)
    )
    period = options.period
    start, end = period.start_utc(ctx.tz), period.end_utc(ctx.tz)
    if start is not None:
        statement = statement.where(deals.created_at >= start)
    if end is not None:
        statement = statement.where(deals.created_at < end)
    return statement


def _add_counts(
    cohort: Cohort, status: str, high: Any, lost_at: Any, count: Any, hellers: Any
) -> None:
    count = int(count)
    cohort.size += count
    if high is not None:
        cohort.highest[int(high)] = cohort.highest.get(int(high), 0) + count
    if status == "won":
        cohort.won += count
        cohort.won_cents += int(hellers or 0)
    elif status == "lost" and lost_at is not None:
        cohort.lost += count
        cohort.lost_from[int(lost_at)] = cohort.lost_from.get(int(lost_at), 0) + count


def histogram_median(histogram: Mapping[int, int]) -> Decimal | None:
    """The median of whole days given as {days: deals} (mean of the middle two if even)."""
    total = sum(histogram.values())
    if not total:
        return None
    middle = [(total - 1) // 2, total // 2]
    found: list[int] = []
    seen = 0
    for days in sorted(histogram):
        seen += histogram[days]
        while len(found) < 2 and middle[len(found)] < seen:
            found.append(days)
    return (Decimal(found[0] + found[1]) / 2).quantize(common.TENTH)


def funnel_rows(
    stages: Sequence[Stage], cohorts: Mapping[str, Cohort], histograms: Mapping[int, dict[int, int]]
) -> list[dict[str, Any]]:
    """One row per stage over all currencies (counts do not depend on currency)."""
    rows: list[dict[str, Any]] = []
    first = previous = 0
    for index, stage in enumerate(stages):
        reached = sum(cohort.reached(index) for cohort in cohorts.values())
        rows.append({
            "stage": stage.key,
            "currency": None,
            "reached": reached,
            "conversion_prev": common.rate(reached, previous) if index else None,
            "conversion_first": common.rate(reached, first) if index else None,
            "median_days": histogram_median(histograms.get(index, {})),
            "lost": sum(cohort.lost_from.get(index, 0) for cohort in cohorts.values()),
        })  # fmt: skip
        first = reached if index == 0 else first
        previous = reached
    return rows


def funnel_totals(
    ctx: Context, options: FunnelOptions, pipeline: Pipeline, cohorts: Mapping[str, Cohort]
) -> list[dict[str, Any]]:
    stats = win_stats(
        ctx, options.period, options.where, conditions=[deals.pipeline == pipeline.key]
    )
    currencies = sorted(set(cohorts) | {s.currency for s in stats}) or [common.DEFAULT_CURRENCY]
    totals = []
    for currency in currencies:
        cohort = cohorts.get(currency, Cohort())
        closed = overall(stats, currency)
        totals.append({
            "stage": "Total", "currency": currency, "reached": cohort.size,
            "lost": cohort.lost, "won": cohort.won, "won_value": common.money(cohort.won_cents),
            "win_rate": closed.win_rate, "win_rate_value": closed.win_rate_value,
            "cycle_median": closed.cycle_median, "cycle_mean": closed.cycle_mean,
        })  # fmt: skip
    return totals


def funnel(ctx: Context, options: FunnelOptions) -> ReportResult:
    pipeline = choose_pipeline(ctx, options.pipeline)
    stages = funnel_stages(pipeline)
    cohorts, histograms = cohort_by_currency(ctx, options, pipeline, stages)
    lang = common.lang(ctx)
    display: dict[str, dict[Any, str]] = {"stage": {s.key: s.label for s in pipeline.stages}}
    common.total_label(display, "stage", lang)
    return ReportResult(
        name="funnel",
        title=f"Funnel: {pipeline.label}",
        columns=COLUMNS,
        rows=funnel_rows(stages, cohorts, histograms),
        totals=funnel_totals(ctx, options, pipeline, cohorts),
        chart=ChartSpec("Funnel: deals reaching each stage", ("stage",), ("reached",)),
        params={**options.params(), "pipeline": pipeline.key},
        notes=(NOTE,),
        lang=lang,
        display=display,
    )
