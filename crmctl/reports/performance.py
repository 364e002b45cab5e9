"""``report performance [--by owner|team]``: each salesperson against their targets.

Per salesperson (or team) and currency, for the period (default: the current month):
won count and value, lost count, win rate (won / (won + lost) among deals closed in the
period, by count and by value), average won deal, sales cycle median (days from created
to won, for deals won in the period), calls, meetings, e-mails, first calls and first
meetings logged, new deals, open pipeline value (unweighted, now), and for each target
its actual and attainment %. A closed deal counts for its owner when it closed; activity
counts go on the salesperson's row in the default currency (CZK). Targets are prorated to
the period by working days (``crmctl.reports.targets``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Integer, case, cast, func, select

from crmctl.db import tables
from crmctl.errors import UsageError
from crmctl.reports import common
from crmctl.reports import targets as target_rows
from crmctl.reports.common import DEFAULT_CURRENCY, ReportOptions, deals
from crmctl.reports.lead_response import drawable
from crmctl.reports.outcomes import local_day, owners_after_close
from crmctl.reports.period import Period
from crmctl.reports.pipeline import cached_open_groups
from crmctl.reports.result import (
    ChartSpec,
    Column,
    ColumnKind,
    ReportResult,
    by_currency,
    currency_totals,
)
from crmctl.reports.sql import hour_key
from crmctl.services.access import policy
from crmctl.services.context import Context
from crmctl.services.targets import METRICS

GROUPINGS = ("owner", "team")
Cells = dict[tuple[Any, str], dict[str, Any]]  # (owner id, currency) → sums
activities = tables.activities.c
ACTIVITY_COUNTS = ("calls", "meetings", "emails", "first_calls", "first_meetings")
NOTE = (
    "Closed deals in the period by their owner at the close; win rate = won / (won + lost); "
    "sales cycle = days from created to won; open pipeline now, unweighted; targets "
    "prorated by working days (Czech holidays excluded)."
)


@dataclass(frozen=True)
class PerformanceOptions(ReportOptions):
    by: str = "owner"

    def params(self) -> dict[str, Any]:
        return {**super().params(), "by": self.by}


def parse_grouping(text: str) -> str:
    value = text.strip().lower()
    if value not in GROUPINGS:
        raise UsageError(f"--by {text!r}: group by one of {'|'.join(GROUPINGS)}")
    return value


# --- what each salesperson did -------------------------------------------------------------


def _empty(owner_id: int | None, currency: str) -> dict[str, Any]:
    return {"owner_id": owner_id, "currency": currency, "won_count": 0, "won_value": Decimal(0),
            "lost_count": 0, "lost_value": Decimal(0), "cycles": [], "new_deals": 0,
            "open_pipeline": Decimal(0), **dict.fromkeys(ACTIVITY_COUNTS, 0)}  # fmt: skip


def _add_closed(ctx: Context, cells: Cells, period: Period, where: str | None) -> None:
    """Deals won or lost in the period, by their owner at the close: read from the closed
    deals' covering index (no deal rows), the UTC hours localised once each."""
    statement = select(
        deals.id, deals.owner_id, deals.currency, deals.status, common.cents(),
        hour_key(deals.created_at), hour_key(deals.closed_at),
    ).where(
        common.closed(), deals.status.in_(["won", "lost"]), *common.deal_conditions(ctx, where),
        deals.closed_at >= period.start_utc(ctx.tz), deals.closed_at < period.end_utc(ctx.tz),
    )  # fmt: skip
    rows = ctx.session.execute(statement).all()
    changed = owners_after_close(ctx, {row[0] for row in rows}, period)
    days: dict[str, date] = {}
    hellers: dict[tuple[Any, str, str], int] = {}
    for deal_id, owner_id, currency, status, cents, created, closed in rows:
        owner_id = changed.get(deal_id, owner_id)
        cell = cells.get((owner_id, currency)) or cells.setdefault(
            (owner_id, currency), _empty(owner_id, currency)
        )
        key = (owner_id, currency, status)
        hellers[key] = hellers.get(key, 0) + int(cents or 0)
        if status == "won":
            cell["won_count"] += 1
            cycle = local_day(ctx, days, closed) - local_day(ctx, days, created)
            cell["cycles"].append(cycle.days)
        else:
            cell["lost_count"] += 1
    for (owner_id, currency, status), total in hellers.items():
        cells[(owner_id, currency)][f"{status}_value"] += common.money(total)


def _add_deal_sums(ctx: Context, cells: Cells, period: Period, where: str | None) -> None:
    """New deals in the period (a range of ``ix_deals_created_report``) and open pipeline
    now (the open deals' covering index), each counted in SQL per owner and currency."""
    conditions = common.deal_conditions(ctx, where)
    new = (
        select(deals.owner_id, deals.currency, func.count())
        .where(*conditions, deals.created_at >= period.start_utc(ctx.tz),
               deals.created_at < period.end_utc(ctx.tz))
        .group_by(deals.owner_id, deals.currency)
    )  # fmt: skip
    for owner_id, currency, count in ctx.session.execute(new):
        cell = cells.setdefault((owner_id, currency), _empty(owner_id, currency))
        cell["new_deals"] += int(count or 0)
    for owner_id, currency, total in _open_pipeline(ctx, where, conditions):
        cell = cells.setdefault((owner_id, currency), _empty(owner_id, currency))
        cell["open_pipeline"] += common.money(total)


def _open_pipeline(ctx: Context, where: str | None, conditions: Sequence[Any]) -> list[Any]:
    """(owner, currency, hellers) of the open deals now, per pipeline and stage: the
    pipeline report's groups when this command has them (the dashboard), else grouped in
    the open deals' covering index order (pipeline, stage, owner, currency): no sort."""
    groups = cached_open_groups(ctx, where)
    if groups is not None:
        return [(group["owner_id"], group["currency"], group["cents"]) for group in groups]
    order = (deals.pipeline, deals.stage, deals.owner_id, deals.currency)
    open_now = (
        select(*order, func.sum(common.cents()))
        .where(*common.open_live(), *conditions)
        .group_by(*order)
    )
    return [(owner_id, currency, total) for _, _, owner_id, currency, total in
            ctx.session.execute(open_now)]  # fmt: skip


def _count(condition: Any) -> Any:
    return func.sum(cast(case((condition, 1), else_=0), Integer))


def _add_activities(ctx: Context, cells: dict[tuple[Any, str], dict[str, Any]],
                    period: Period) -> None:  # fmt: skip
    statement = select(
        activities.created_by_id,
        _count(activities.kind == "call"),
        _count(activities.kind == "meeting"),
        _count(activities.kind == "email"),
        _count(activities.first_contact == "call"),
        _count(activities.first_contact == "meeting"),
    ).where(
        policy.predicate(ctx, "activity", "read"),
        activities.occurred_on >= period.start,
        activities.occurred_on <= period.end,
    ).group_by(activities.created_by_id)  # fmt: skip
    # Counted for the people in the reader's own scope only, not for a colleague who
    # logged a call about one of the reader's customers.
    scope = policy.rule_for(ctx, "activity").scope("read")
    people = policy.scope_user_ids(ctx, ctx.actor, scope)
    if people is not None:
        statement = statement.where(activities.created_by_id.in_(people))
    for owner_id, *counts in ctx.session.execute(statement):
        cell = cells.setdefault((owner_id, DEFAULT_CURRENCY), _empty(owner_id, DEFAULT_CURRENCY))
        for name, count in zip(ACTIVITY_COUNTS, counts, strict=True):
            cell[name] += int(count or 0)


# --- rows ----------------------------------------------------------------------------------


def performance(ctx: Context, options: PerformanceOptions) -> ReportResult:
    by = parse_grouping(options.by)
    period = target_rows.bounded(ctx, options.period)
    cells: dict[tuple[Any, str], dict[str, Any]] = {}
    _add_closed(ctx, cells, period, options.where)
    _add_deal_sums(ctx, cells, period, options.where)
    _add_activities(ctx, cells, period)
    found_targets = target_rows.targets_in(ctx, period)
    people = common.people(
        ctx, [key[0] for key in cells] + [t.user_id for t in found_targets if t.user_id]
    )
    if by == "owner":
        for target in found_targets:
            if target.user_id is not None:
                cells.setdefault((target.user_id, DEFAULT_CURRENCY),
                                 _empty(target.user_id, DEFAULT_CURRENCY))  # fmt: skip
    folded = _fold(cells, by, people)
    subjects = target_rows.by_subject(found_targets, teams=by == "team")
    team_ids = _team_ids(ctx) if by == "team" else {}
    rows = []
    for (key, currency), cell in folded.items():
        subject = team_ids.get(key) if by == "team" else _user_id(people, key)
        mine = subjects.get(subject, []) if subject is not None else []
        rows.append(_row(ctx, by, key, currency, cell, mine, period))
    rows.sort(key=by_currency(lambda row: (row[by] is None, str(row[by] or ""))))
    columns = columns_for(by)
    totals = currency_totals(rows, columns, by, "Total", _finish_total)
    display: dict[str, dict[Any, str]] = {}
    if by == "owner":
        display["owner"] = common.name_labels(people)
    common.total_label(display, by, common.lang(ctx))
    for row in rows:
        row.pop("_cycles"), row.pop("_lost_value")
    return ReportResult(
        name="performance",
        title="Sales performance",
        columns=columns,
        rows=rows,
        totals=totals,
        chart=ChartSpec("Won value and open pipeline", (by,), ("won_value", "open_pipeline"), True),
        params={
            **options.params(),
            "from": period.start.isoformat(),  # type: ignore[union-attr]
            "to": period.end.isoformat(),
        },
        notes=(NOTE,),
        lang=common.lang(ctx),
        display=display,
    )


def _user_id(people: Mapping[int, common.Person], login: Any) -> int | None:
    return next((person.id for person in people.values() if person.login == login), None)


def _team_ids(ctx: Context) -> dict[str, int]:
    teams = tables.teams.c
    return {name: team_id for team_id, name in ctx.session.execute(select(teams.id, teams.name))}


def _fold(cells: Cells, by: str, people: Mapping[int, common.Person]) -> Cells:
    folded: dict[tuple[Any, str], dict[str, Any]] = {}
    for (owner_id, currency), cell in cells.items():
        person = people.get(owner_id or -1)
        key = (person.login if by == "owner" else person.team) if person else None
        into = folded.setdefault((key, currency), _empty(None, currency))
        for name, value in cell.items():
            if name in ("owner_id", "currency"):
                continue
            into[name] = into[name] + value
    return folded


def _row(ctx: Context, by: str, key: Any, currency: str, cell: Mapping[str, Any],
         mine: Sequence[target_rows.TargetRow], period: Period) -> dict[str, Any]:  # fmt: skip
    won, lost = cell["won_count"], cell["lost_count"]
    row: dict[str, Any] = {
        by: key,
        "currency": currency,
        "won_count": won,
        "won_value": cell["won_value"],
        "lost_count": lost,
        "win_rate": common.rate(won, won + lost),
        "win_rate_value": common.rate(cell["won_value"], cell["won_value"] + cell["lost_value"]),
        "avg_won_deal": _avg_money(cell["won_value"], won),
        "cycle_median": common.median_of(cell["cycles"]),
        **{name: cell[name] for name in ACTIVITY_COUNTS},
        "new_deals": cell["new_deals"],
        "open_pipeline": cell["open_pipeline"],
        "_cycles": cell["cycles"],
        "_lost_value": cell["lost_value"],
    }
    for metric in METRICS:
        applies = [t for t in mine if (t.currency or DEFAULT_CURRENCY) == currency
                   or metric != "won_value"]  # fmt: skip
        target = None
        if metric != "won_value" and currency != DEFAULT_CURRENCY:
            target = None  # count targets sit on the default-currency row
        else:
            target = target_rows.prorated(ctx, applies, period, metric)
        row[f"{metric}_target"] = target
        row[f"{metric}_attainment"] = common.rate(row[metric], target) if target else None
    return row


def _avg_money(total: Decimal, count: int) -> Decimal | None:
    if not count:
        return None
    return (total / count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _finish_total(total: dict[str, Any], rows: Sequence[Mapping[str, Any]]) -> None:
    won, lost = total["won_count"], total["lost_count"]
    lost_value = sum((row["_lost_value"] for row in rows), Decimal(0))
    total["win_rate"] = common.rate(won, won + lost)
    total["win_rate_value"] = common.rate(total["won_value"], total["won_value"] + lost_value)
    total["avg_won_deal"] = _avg_money(total["won_value"], won)
    total["cycle_median"] = common.median_of([c for row in rows for c in row["_cycles"]])
    for metric in METRICS:
        with_target = [row for row in rows if row[f"{metric}_target"] is not None]
        target = sum((row[f"{metric}_target"] for row in with_target), Decimal(0))
        actual = sum((Decimal(row[metric]) for row in with_target), Decimal(0))
        total[f"{metric}_target"] = target if with_target else None
        total[f"{metric}_attainment"] = common.rate(actual, target) if target else None


def columns_for(by: str) -> tuple[Column, ...]:
    money, number, count = ColumnKind.money, ColumnKind.number, ColumnKind.int
    percent = ColumnKind.percent
    base = (
        Column(by, "Owner" if by == "owner" else "Team"),
        Column("currency", "Currency"),
        Column("won_count", "Won count", count),
        Column("won_value", "Won value", money),
        Column("lost_count", "Lost count", count),
        Column("win_rate", "Win rate (count)", percent),
        Column("win_rate_value", "Win rate (value)", percent),
        Column("avg_won_deal", "Average won deal", money, total=False),
        Column("cycle_median", "Sales cycle median (days)", number, total=False),
        Column("calls", "Calls", count),
        Column("meetings", "Meetings", count),
        Column("emails", "E-mails", count),
        Column("first_calls", "First calls", count),
        Column("first_meetings", "First meetings", count),
        Column("new_deals", "New deals", count),
        Column("open_pipeline", "Open pipeline", money),
    )
    targets: list[Column] = []
    for metric in METRICS:
        kind = money if metric == "won_value" else number
        label = metric.replace("_", " ").capitalize()
        targets.append(Column(f"{metric}_target", f"{label} target", kind, total=False))
        targets.append(Column(f"{metric}_attainment", f"{label} attainment", percent))
    return (*base, *targets)


DASHBOARD_KEYS = ("won_value", "won_value_target", "won_value_attainment", "won_count",
                  "win_rate", "open_pipeline")  # fmt: skip


def dashboard_section(ctx: Context) -> ReportResult:
    """For ``report dashboard``: each salesperson's attainment in the current quarter."""
    today = ctx.now.astimezone(ctx.tz).date()
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    result = performance(ctx, PerformanceOptions(quarter, quarter, None, "owner"))
    keep = ("owner", "currency", *DASHBOARD_KEYS)
    columns = tuple(column for column in result.columns if column.key in keep)
    chart = ChartSpec("Won value and target", ("owner",), ("won_value", "won_value_target"),
                      True)  # fmt: skip
    # Only who has something to show: a chart per currency must draw a bar.
    rows = [{key: row[key] for key in keep} for row in result.rows
            if row["won_value"] or row["won_value_target"]]  # fmt: skip
    currencies = {row["currency"] for row in rows}
    return drawable(
        replace(
            result,
            title="Attainment this quarter",
            columns=columns,
            rows=rows,
            totals=[
                {key: total[key] for key in keep}
                for total in result.totals
                if total["currency"] in currencies
            ],
            chart=chart,
        )
    )
