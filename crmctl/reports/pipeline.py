"""``report pipeline``: the open deals by stage, owner, pipeline or team — now or as of a day.

Per group and currency: count, value, weighted value (value × probability / 100, summed
in hellers and rounded once), average age in whole days since creation, average whole
days in the current stage, and how many are idle over 10 days (``idle_days > 10``: no
change, activity or stage move for more than 10 days). ``--from/--to`` narrow to deals
expected to close in the period. Stages come in pipeline order.

``--as-of DAY`` rebuilds the pipeline as it stood at the end of that local day: the
deals created by then and not yet closed or deleted, each in the stage its stage
history shows then, with the value it had then (the "before" of its first value change
after that moment, else its value now), weighted by that stage's probability (the
deal's own when it is still in that stage, so an override counts). Age and days in stage
count to that moment; idle means no event on the deal in the 11 days before it and in
its stage for over 10 days. The owner is today's owner.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Numeric,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
)

from crmctl.dates import parse_day
from crmctl.db import tables
from crmctl.db.functions import unindexed
from crmctl.db.tables import UtcDateTime
from crmctl.errors import UsageError
from crmctl.query.dates import start_of_day
from crmctl.reports import common
from crmctl.reports.common import ReportOptions, deals
from crmctl.reports.result import (
    ChartSpec,
    Column,
    ColumnKind,
    ReportResult,
    by_currency,
    currency_totals,
)
from crmctl.reports.sql import change_before, whole_days
from crmctl.services.context import Context
from crmctl.services.pipelines import configured_pipelines

GROUPINGS = ("stage", "owner", "pipeline", "team")
DAY_SECONDS = 86400
IDLE_DAYS = 10
NOTE = (
    "Open deals; weighted = value × probability / 100; age and days in stage in whole days; "
    "idle = no change for over 10 days; currencies are not converted."
)
history = tables.deal_stage_history.c
events = tables.events.c


@dataclass(frozen=True)
class PipelineOptions(ReportOptions):
    by: str = "stage"
    as_of: str | None = None

    def params(self) -> dict[str, Any]:
        return {**super().params(), "by": self.by, "as_of": self.as_of}


def parse_grouping(text: str) -> str:
    value = text.strip().lower()
    if value not in GROUPINGS:
        raise UsageError(f"--by {text!r}: group by one of {'|'.join(GROUPINGS)}")
    return value


def as_of_moment(text: str | None, ctx: Context) -> datetime | None:
    """The first instant after the ``--as-of`` local day, or ``None`` for now."""
    if text is None or not text.strip():
        return None
    day = parse_day(text)
    if day is None:
        raise UsageError(f"--as-of {text!r}: give a day such as 2027-03-31 or 31. 3. 2027")
    moment = start_of_day(day + timedelta(days=1), ctx.tz)
    if moment > ctx.now + timedelta(days=1):
        raise UsageError(f"--as-of {text}: that day has not ended yet; give a past day")
    return moment


# --- the query ---------------------------------------------------------------------------


def _days(since: ColumnElement[Any], moment: datetime) -> ColumnElement[int]:
    """Whole days from ``since`` to ``moment``."""
    return whole_days(since, literal(moment, UtcDateTime()))


def _common_where(
    ctx: Context, options: PipelineOptions, *, live: bool = True
) -> list[ColumnElement[bool]]:
    conditions = common.deal_conditions(ctx, options.where, live=live)
    period = options.period
    if period.start:
        conditions.append(deals.expected_close >= period.start)
    if period.end:
        conditions.append(deals.expected_close <= period.end)
    return conditions


def current_groups(ctx: Context, options: PipelineOptions) -> list[dict[str, Any]]:
    """Sums per pipeline, stage, owner and currency of the open deals now.

    Without ``--from/--to`` they are kept for the rest of the command (``ctx.cache``):
    the dashboard's attainment section then takes each salesperson's open pipeline from
    them (``cached_open_groups``) instead of reading the open deals a second time."""
    period = options.period
    if period.start or period.end:
        return _current_groups(ctx, options)
    key = (OPEN_GROUPS, options.where)
    if key not in ctx.cache:
        ctx.cache[key] = _current_groups(ctx, options)
    return list(ctx.cache[key])


OPEN_GROUPS = "reports.pipeline.open_groups"


def cached_open_groups(ctx: Context, where: str | None) -> list[dict[str, Any]] | None:
    """The open deals' groups (``current_groups``, no period) if this command has read
    them already, else ``None``; read only, shared with the pipeline."""
    groups = ctx.cache.get((OPEN_GROUPS, where))
    return None if groups is None else list(groups)


def _current_groups(ctx: Context, options: PipelineOptions) -> list[dict[str, Any]]:
    idle_before = ctx.now - timedelta(days=IDLE_DAYS + 1)
    statement = _grouped(
        value=common.cents(),
        probability=deals.probability,
        age=_days(deals.created_at, ctx.now),
        in_stage=_days(deals.stage_entered_at, ctx.now),
        idle=deals.last_touched_at <= idle_before,
        stage=deals.stage,
    ).where(*common.open_live(), *_common_where(ctx, options))
    return [dict(row._mapping) for row in ctx.session.execute(statement)]


def _grouped(
    *,
    value: ColumnElement[Any],
    probability: ColumnElement[Any],
    age: ColumnElement[Any],
    in_stage: ColumnElement[Any],
    idle: ColumnElement[bool],
    stage: ColumnElement[Any],
) -> Any:
    keys = (deals.pipeline, stage.label("stage"), deals.owner_id, deals.currency)
    return select(
        *keys,
        func.count().label("deals"),
        cast(func.sum(value), BigInteger).label("cents"),
        cast(func.sum(value * probability), BigInteger).label("weighted_units"),
        cast(func.sum(age), BigInteger).label("age_days"),
        cast(func.sum(in_stage), BigInteger).label("stage_days"),
        cast(func.sum(case((idle, 1), else_=0)), BigInteger).label("idle"),
    ).group_by(*keys)


def as_of_groups(ctx: Context, options: PipelineOptions, moment: datetime) -> list[dict[str, Any]]:
    """The same sums over the deals open at ``moment``, from stage history and events."""
    then = tables.deal_stage_history.alias("stage_then")
    first, change = _value_changes(moment)
    before = cast(change_before(change.c.payload, "value"), Numeric(14, 2))
    value_then = func.coalesce(before, deals.value)
    probability_then = case(
        (then.c.stage == deals.stage, deals.probability), else_=_stage_probability(ctx, then)
    )
    recent = (
        select(events.entity_id)
        .where(
            events.entity_type == "deal",
            events.at >= moment - timedelta(days=IDLE_DAYS + 1),
            events.at < moment,
        )
        .scalar_subquery()
    )
    idle = and_(
        then.c.entered_at <= moment - timedelta(days=IDLE_DAYS + 1), deals.id.not_in(recent)
    )
    statement = (
        _grouped(
            value=common.cents(value_then),
            probability=probability_then,
            age=_days(deals.created_at, moment),
            in_stage=_days(then.c.entered_at, moment),
            idle=idle,
            stage=then.c.stage,
        )
        .select_from(
            tables.deals.join(
                then,
                and_(
                    then.c.deal_id == deals.id,
                    then.c.entered_at < moment,
                    or_(then.c.left_at.is_(None), then.c.left_at >= moment),
                ),
            )
            .outerjoin(first, first.c.deal_id == deals.id)
            .outerjoin(change, change.c.id == first.c.event_id)
        )
        .where(
            # Most deals were created before the day: read the table, not the index.
            unindexed(deals.created_at) < moment,
            or_(deals.closed_at.is_(None), deals.closed_at >= moment),
            *_common_where_as_of(ctx, options, moment),
        )
    )
    return [dict(row._mapping) for row in ctx.session.execute(statement)]


def _common_where_as_of(
    ctx: Context, options: PipelineOptions, moment: datetime
) -> list[ColumnElement[bool]]:
    # A deal deleted after the day still stood in the pipeline that day.
    conditions = _common_where(ctx, options, live=False)
    conditions.append(or_(deals.deleted_at.is_(None), deals.deleted_at >= moment))
    return conditions


def _value_changes(moment: datetime) -> tuple[Any, Any]:
    """Each deal's first value change after ``moment`` (a range of the time index), and
    that event (its "before" is the value the deal had at ``moment``)."""
    before = change_before(events.payload, "value")
    first = (
        select(events.entity_id.label("deal_id"), func.min(events.id).label("event_id"))
        .where(
            events.at >= moment,
            # `unindexed`: the (kind, at) range is narrow; walking ix_events_entity over
            # every deal event in the log was minutes on 5,000,000 events.
            unindexed(events.entity_type) == "deal",
            events.kind == "deal.updated",
            before.is_not(None),
        )
        .group_by(unindexed(events.entity_id))
        .subquery("first_value_change")
    )
    return first, tables.events.alias("value_change")


def _stage_probability(ctx: Context, then: Any) -> ColumnElement[Any]:
    """The configured probability of the stage a deal was in (by pipeline and stage)."""
    whens = [
        (and_(deals.pipeline == pipeline.key, then.c.stage == stage.key), stage.probability)
        for pipeline in configured_pipelines(ctx).values()
        for stage in pipeline.stages
    ]
    return case(*whens, else_=0) if whens else literal(0)


# --- folding into the requested groups ---------------------------------------------------


def fold(
    ctx: Context, groups: Sequence[Mapping[str, Any]], by: str
) -> tuple[list[dict[str, Any]], dict[str, dict[Any, str]]]:
    """Fold the fine groups into ``by`` groups; returns rows and their display labels."""
    found = common.people(ctx, (g["owner_id"] for g in groups))
    display: dict[str, dict[Any, str]] = {}
    if by == "stage":
        display["stage"] = common.stage_labels(ctx)
    elif by == "pipeline":
        display["pipeline"] = common.pipeline_labels(ctx)
    elif by == "owner":
        display["owner"] = common.name_labels(found)
    folded: dict[tuple[Any, str], dict[str, Any]] = {}
    for group in groups:
        key = _group_key(group, by, found)
        row = folded.setdefault(
            (key, group["currency"]),
            {by: key, "currency": group["currency"], "deals": 0, "cents": 0, "weighted_units": 0,
             "age_days": 0, "stage_days": 0, "idle": 0},
        )  # fmt: skip
        for name in ("deals", *SUMS):
            row[name] += int(group[name] or 0)
    return [_finish(row) for row in folded.values()], display


def _group_key(group: Mapping[str, Any], by: str, found: Mapping[int, common.Person]) -> Any:
    if by in ("stage", "pipeline"):
        return group[by]
    person = found.get(group["owner_id"])
    if by == "owner":
        return person.login if person else None
    return person.team if person else None


SUMS = ("cents", "weighted_units", "age_days", "stage_days", "idle")


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    count = row["deals"]
    return {
        **{key: value for key, value in row.items() if key not in SUMS},
        "value": common.money(row["cents"]),
        "weighted": common.weighted_money(row["weighted_units"]),
        "avg_age_days": common.average(row["age_days"], count),
        "avg_days_in_stage": common.average(row["stage_days"], count),
        "idle_over_10": row["idle"],
        # Kept for the totals' averages, not shown.
        "_age_days": row["age_days"],
        "_stage_days": row["stage_days"],
    }


def columns_for(by: str) -> tuple[Column, ...]:
    labels = {"stage": "Stage", "owner": "Owner", "pipeline": "Pipeline", "team": "Team"}
    return (
        Column(by, labels[by]),
        Column("currency", "Currency"),
        Column("deals", "Deals", ColumnKind.int),
        Column("value", "Value", ColumnKind.money),
        Column("weighted", "Weighted", ColumnKind.money),
        Column("avg_age_days", "Avg age (days)", ColumnKind.number),
        Column("avg_days_in_stage", "Avg days in stage", ColumnKind.number),
        Column("idle_over_10", "Idle > 10 days", ColumnKind.int),
    )


def sort_key(ctx: Context, by: str) -> Any:
    order = common.stage_order(ctx) if by == "stage" else {}
    if by == "pipeline":
        order = {key: i for i, key in enumerate(common.pipeline_labels(ctx))}

    def key(row: Mapping[str, Any]) -> tuple[Any, ...]:
        value = row[by]
        if value is None:
            return (2, 0, "")
        return (0, order[value], "") if value in order else (1, 0, str(value))

    return by_currency(key)


def _finish_total(total: dict[str, Any], rows: Sequence[Mapping[str, Any]]) -> None:
    count = total["deals"]
    total["avg_age_days"] = common.average(sum(r["_age_days"] for r in rows), count)
    total["avg_days_in_stage"] = common.average(sum(r["_stage_days"] for r in rows), count)


def pipeline(ctx: Context, options: PipelineOptions) -> ReportResult:
    by = parse_grouping(options.by)
    moment = as_of_moment(options.as_of, ctx)
    groups = as_of_groups(ctx, options, moment) if moment else current_groups(ctx, options)
    rows, display = fold(ctx, groups, by)
    rows.sort(key=sort_key(ctx, by))
    columns = columns_for(by)
    totals = currency_totals(rows, columns, by, "Total", _finish_total)
    for row in rows:
        row.pop("_age_days"), row.pop("_stage_days")
    common.total_label(display, by, common.lang(ctx))
    title = f"Pipeline as of {parse_day(options.as_of or '')}" if moment else "Pipeline"
    return ReportResult(
        name="pipeline",
        title=title,
        columns=columns,
        rows=rows,
        totals=totals,
        chart=ChartSpec("Pipeline: value and weighted", (by,), ("value", "weighted"), True),
        params=options.params(),
        notes=(NOTE,),
        lang=common.lang(ctx),
        display=display,
    )
