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

from sqlalchemy import select

from crmctl.db import tables
from crmctl.errors import UsageError
from crmctl.reports import common
from crmctl.reports.common import ReportOptions, deals
from crmctl.reports.result import ChartSpec, Column, ColumnKind, ReportResult
from crmctl.reports.sql import epoch_seconds
from crmctl.reports.winrate import DAY_SECONDS, overall, win_stats
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
    """Per deal of one currency: the highest stage position reached and when each was."""

    size: int = 0
    won: int = 0
    won_cents: int = 0
    lost: int = 0
    reached: dict[int, list[int]] = field(default_factory=dict)  # position → seconds
    lost_from: dict[int, int] = field(default_factory=dict)  # position → count


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
) -> dict[str, Cohort]:
    position = {stage.key: index for index, stage in enumerate(stages)}
    period = options.period
    statement = (
        select(
            deals.id,
            deals.currency,
            deals.status,
            common.cents(),
            epoch_seconds(deals.created_at),
            history.stage,
            epoch_seconds(history.entered_at),
        )
        .select_from(tables.deals.join(tables.deal_stage_history, history.deal_id == deals.id))
        .where(deals.pipeline == pipeline.key, *common.deal_conditions(ctx, options.where))
        .order_by(deals.id, history.entered_at, history.id)
    )
    start, end = period.start_utc(ctx.tz), period.end_utc(ctx.tz)
    if start is not None:
        statement = statement.where(deals.created_at >= start)
    if end is not None:
        statement = statement.where(deals.created_at < end)
    cohorts: dict[str, Cohort] = {}
    current: list[Any] = []
    for row in ctx.session.execute(statement):
        if current and current[0][0] != row[0]:
            _add_deal(cohorts, current, position)
            current = []
        current.append(row)
    if current:
        _add_deal(cohorts, current, position)
    return cohorts


def _add_deal(cohorts: dict[str, Cohort], rows: Sequence[Any], position: Mapping[str, int]) -> None:
    _, currency, status, hellers, created, _, _ = rows[0]
    cohort = cohorts.setdefault(currency, Cohort())
    cohort.size += 1
    first_at: dict[int, int] = {}  # position → first entry (seconds since creation)
    last_open: int | None = None
    won_position = max(position.values()) if position else 0
    for row in rows:
        stage_position = position.get(row[5])
        if stage_position is None:
            continue  # the lost stage
        first_at.setdefault(stage_position, int(row[6]) - int(created))
        if not (status == "won" and stage_position == won_position):
            last_open = stage_position
    if not first_at:
        return
    highest = max(first_at)
    for step in range(highest + 1):
        # The first time it entered this stage or any later one.
        cohort.reached.setdefault(step, []).append(
            min(at for pos, at in first_at.items() if pos >= step)
        )
    if status == "won":
        cohort.won += 1
        cohort.won_cents += int(hellers or 0)
    elif status == "lost" and last_open is not None:
        cohort.lost += 1
        cohort.lost_from[last_open] = cohort.lost_from.get(last_open, 0) + 1


def funnel_rows(stages: Sequence[Stage], cohorts: Mapping[str, Cohort]) -> list[dict[str, Any]]:
    """One row per stage over all currencies (counts do not depend on currency)."""
    rows: list[dict[str, Any]] = []
    first = previous = None
    for index, stage in enumerate(stages):
        seconds = [s for cohort in cohorts.values() for s in cohort.reached.get(index, [])]
        reached = len(seconds)
        rows.append({
            "stage": stage.key,
            "currency": None,
            "reached": reached,
            "conversion_prev": common.rate(reached, previous) if index else None,
            "conversion_first": common.rate(reached, first) if index else None,
            "median_days": common.median_of([Decimal(s) / DAY_SECONDS for s in seconds]),
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
    cohorts = cohort_by_currency(ctx, options, pipeline, stages)
    lang = common.lang(ctx)
    display: dict[str, dict[Any, str]] = {"stage": {s.key: s.label for s in pipeline.stages}}
    common.total_label(display, "stage", lang)
    return ReportResult(
        name="funnel",
        title=f"Funnel: {pipeline.label}",
        columns=COLUMNS,
        rows=funnel_rows(stages, cohorts),
        totals=funnel_totals(ctx, options, pipeline, cohorts),
        chart=ChartSpec("Funnel: deals reaching each stage", ("stage",), ("reached",)),
        params={**options.params(), "pipeline": pipeline.key},
        notes=(NOTE,),
        lang=lang,
        display=display,
    )
