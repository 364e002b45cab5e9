"""Targets as a report needs them: prorated to the report's period by working days.

A target for a quarter read in a report for one month counts the month's share of the
quarter's working days (Monday–Friday without Czech public holidays, the business-hours
calendar's days): ``value × working days of the overlap / working days of the target's
period``. A target whose period lies inside the report's counts in full. When a
salesperson has targets of several lengths for one metric (a year and its quarters), the
shortest are used, so nothing counts twice.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select

from crmctl import business_hours
from crmctl.db import tables
from crmctl.reports.period import Period
from crmctl.services.context import Context
from crmctl.services.targets import visible_targets

target_table = tables.targets.c
CENT = Decimal("0.01")
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class TargetRow:
    user_id: int | None
    team_id: int | None
    metric: str
    value: Decimal
    currency: str | None
    start: date
    end: date


def targets_in(ctx: Context, period: Period) -> list[TargetRow]:
    """The targets the reader may see that overlap ``period`` (both ends required)."""
    assert period.start is not None and period.end is not None
    statement = select(
        target_table.user_id, target_table.team_id, target_table.metric, target_table.value,
        target_table.currency, target_table.period_start, target_table.period_end,
    ).where(
        target_table.period_start <= period.end,
        target_table.period_end >= period.start,
        visible_targets(ctx),
    ).order_by(target_table.id)  # fmt: skip
    return [TargetRow(*row) for row in ctx.session.execute(statement)]


def prorated(
    ctx: Context, found: Sequence[TargetRow], period: Period, metric: str
) -> Decimal | None:
    """The target of ``metric`` for ``period`` from the (one subject's) ``found``."""
    assert period.start is not None and period.end is not None
    mine = [target for target in found if target.metric == metric]
    if not mine:
        return None
    shortest = min((target.end - target.start).days for target in mine)
    calendar = business_hours.from_settings(ctx.settings)
    total = Decimal(0)
    for target in mine:
        if (target.end - target.start).days != shortest:
            continue
        total += share(calendar, target, period)
    places = CENT if metric == "won_value" else TENTH
    return total.quantize(places, rounding=ROUND_HALF_UP)


def share(calendar: Any, target: TargetRow, period: Period) -> Decimal:
    assert period.start is not None and period.end is not None
    if target.start >= period.start and target.end <= period.end:
        return target.value
    overlap = calendar.working_days(max(target.start, period.start), min(target.end, period.end))
    whole = calendar.working_days(target.start, target.end)
    if not whole:
        return Decimal(0)
    return target.value * overlap / whole


def by_subject(found: Iterable[TargetRow], *, teams: bool) -> dict[int, list[TargetRow]]:
    grouped: dict[int, list[TargetRow]] = {}
    for target in found:
        key = target.team_id if teams else target.user_id
        if key is not None:
            grouped.setdefault(key, []).append(target)
    return grouped


def bounded(ctx: Context, period: Period) -> Period:
    """Both ends: a missing one is the current month's first or last day (local)."""
    today = ctx.now.astimezone(ctx.tz).date()
    first = today.replace(day=1)
    last = today.replace(day=monthrange(today.year, today.month)[1])
    return Period(period.start or first, period.end or last)
