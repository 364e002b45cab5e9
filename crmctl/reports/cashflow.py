"""``report cashflow``: expected inflow per month or week.

Columns, each at its date plus the payment terms (``--payment-days``, default
``payment_days:`` in crmctl.yaml, else 14): committed = won deals, full value, at their
close date (local day of ``closed_at``); likely = open deals in the ``commit`` and
``best_case`` forecast categories, full value, at their expected close; weighted = all
open deals, value × probability / 100, at their expected close. ``--from/--to`` select
the months or weeks in which the money arrives. Sums in hellers; one row set per currency.

recurring (issue 19) = our contracts (services of kind ``ours`` with a value and a start
date): their amount per billing period on each day it falls due — the start date's day
of month (the month's last day when shorter), every month, quarter or year (once: the
start date) until ``ends_on``; payment days do not shift it. Without ``--to`` or an end
date the schedule stops 12 months after today. ``--where`` filters deals only.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, case, cast, func, select

from crmctl.db.functions import unindexed
from crmctl.db.tables import services
from crmctl.errors import UsageError
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
from crmctl.reports.sql import hour_key
from crmctl.services.access import policy
from crmctl.services.context import Context

DEFAULT_PAYMENT_DAYS = 14
LIKELY_CATEGORIES = ("commit", "best_case")
NOTE = (
    "committed = won deals at close + terms; likely = open commit/best-case deals at "
    "expected close + terms; weighted = all open deals × probability at expected close + "
    "terms; recurring = our contracts' billing on each due day until they end; currencies "
    "are not converted."
)
BILLING_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}
HORIZON_MONTHS = 12  # an open-ended contract's schedule without --to


@dataclass(frozen=True)
class CashflowOptions(ReportOptions):
    by: str = "month"
    payment_days: int | None = None

    def params(self) -> dict[str, Any]:
        return {**super().params(), "by": self.by, "payment_days": self.payment_days}


def payment_days(ctx: Context, given: int | None) -> int:
    """``--payment-days``, else ``payment_days:`` in crmctl.yaml, else 14."""
    if given is not None:
        value, source = given, "--payment-days"
    else:
        setting = ctx.settings.values.get("payment_days")
        if setting is None:
            return DEFAULT_PAYMENT_DAYS
        value, source = setting.value, f"payment_days in {setting.source}"
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = -1
    if days < 0 or str(value).strip() != str(days):
        raise UsageError(f"{source} {value!r}: give a whole number of days, 0 or more")
    return days


def bucket(day: date, by: str) -> str:
    """``2027-03`` for a month, ``2027-W09`` (ISO week) for a week."""
    if by == "week":
        year, week, _ = day.isocalendar()
        return f"{year:04d}-W{week:02d}"
    return f"{day.year:04d}-{day.month:02d}"


def _open_days(ctx: Context, options: CashflowOptions, terms: timedelta) -> Any:
    """Open deals summed per expected-close day and currency (few thousand rows), only
    the days whose payment can fall in ``--from/--to`` (``_paid_between``)."""
    likely = case((deals.forecast_category.in_(LIKELY_CATEGORIES), common.cents()), else_=0)
    # The day `unindexed`: reading the open-deals index and sorting beats walking the
    # expected-close index and fetching every deal's row.
    keys = (unindexed(deals.expected_close).label("day"), deals.currency)
    first, last = _paid_between(options, terms)
    statement = (
        select(
            *keys,
            cast(func.sum(likely), BigInteger),
            cast(func.sum(common.cents() * deals.probability), BigInteger),
        )
        .where(
            *common.open_live(),
            deals.expected_close.is_not(None),
            *common.deal_conditions(ctx, options.where),
        )
        .group_by(*keys)
    )
    if first is not None:
        statement = statement.where(unindexed(deals.expected_close) >= first)
    if last is not None:
        statement = statement.where(unindexed(deals.expected_close) <= last)
    return statement


def _won_hours(ctx: Context, options: CashflowOptions, terms: timedelta) -> Any:
    """Won deals summed per UTC hour of closing and currency: local days come from hours.
    Only the closes whose payment can fall in ``--from/--to`` (a range of the closed
    deals' index)."""
    hour = hour_key(deals.closed_at)
    statement = (
        select(hour, deals.currency, cast(func.sum(common.cents()), BigInteger))
        .where(
            common.closed(),
            deals.status == "won",
            *common.deal_conditions(ctx, options.where),
        )
        .group_by(hour, deals.currency)
    )
    first, last = _paid_between(options, terms)
    if first is not None:
        statement = statement.where(deals.closed_at >= _midnight_utc(first))
    if last is not None:
        statement = statement.where(deals.closed_at < _midnight_utc(last + timedelta(days=1)))
    return statement


# A local day and the UTC day of the same moment differ by less than this.
MARGIN = timedelta(days=2)


def _paid_between(options: CashflowOptions, terms: timedelta) -> tuple[date | None, date | None]:
    """The (expected) close days whose payment can fall in the period, with a margin of
    two days each side: the exact test (``period.contains``) stays in Python, so the
    narrowing only keeps rows that could never count from being read and grouped."""
    period = options.period
    first = _shifted(period.start, -terms - MARGIN)
    last = _shifted(period.end, -terms + MARGIN)
    return first, last


def _shifted(day: date | None, delta: timedelta) -> date | None:
    """``day + delta``; ``None`` (no narrowing) without a day or past the calendar's end
    (payment terms of thousands of years)."""
    if day is None:
        return None
    try:
        return day + delta
    except OverflowError:
        return None


def _midnight_utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def cashflow_rows(ctx: Context, options: CashflowOptions) -> list[dict[str, Any]]:
    by = options.by
    terms = timedelta(days=payment_days(ctx, options.payment_days))
    period = options.period
    sums: dict[tuple[str, str], dict[str, int]] = {}

    def add(day: date, currency: str, name: str, amount: int) -> None:
        paid = day + terms
        if not period.contains(paid) or not amount:
            return
        row = sums.setdefault((bucket(paid, by), currency), {})
        row[name] = row.get(name, 0) + amount

    open_days = _open_days(ctx, options, terms)
    for close, currency, likely, weighted_units in ctx.session.execute(open_days):
        day = close if isinstance(close, date) else date.fromisoformat(str(close))
        add(day, currency, "likely", int(likely or 0))
        add(day, currency, "weighted", int(weighted_units or 0))
    for hour, currency, hellers in ctx.session.execute(_won_hours(ctx, options, terms)):
        add(_local_day(str(hour), ctx), currency, "committed", int(hellers or 0))
    for day, currency, hellers in recurring_dues(ctx, options):
        if period.contains(day):  # due on the day: payment terms do not shift it
            row = sums.setdefault((bucket(day, by), currency), {})
            row["recurring"] = row.get("recurring", 0) + hellers
    return [
        {by: key, "currency": currency, "committed": common.money(row.get("committed")),
         "likely": common.money(row.get("likely")),
         "weighted": common.weighted_money(row.get("weighted")),
         "recurring": common.money(row.get("recurring"))}
        for (key, currency), row in sums.items()
    ]  # fmt: skip


def _contracts(ctx: Context) -> Any:
    """Our contracts with an amount and a start, that the reader may fully read."""
    return select(
        services.c.starts_on, services.c.ends_on, services.c.billing, services.c.currency,
        common.cents(services.c.value),
    ).where(
        services.c.kind == "ours", services.c.value.is_not(None),
        services.c.starts_on.is_not(None), services.c.billing.is_not(None),
        policy.predicate(ctx, "service"),
    )  # fmt: skip


def recurring_dues(ctx: Context, options: CashflowOptions) -> list[tuple[date, str, int]]:
    """(due day, currency, hellers) of every billing of our contracts up to the period's
    end (or 12 months after today)."""
    today = ctx.now.astimezone(ctx.tz).date()
    horizon = options.period.end or add_months(today, HORIZON_MONTHS)
    dues = []
    for starts, ends, billing, currency, hellers in ctx.session.execute(_contracts(ctx)):
        last = min(ends, horizon) if ends else horizon
        for day in due_days(_as_date(starts), billing, last):
            dues.append((day, currency, int(hellers or 0)))
    return dues


def due_days(starts: date, billing: str, last: date) -> list[date]:
    """The start date, then every billing period on the start's day of month."""
    step = BILLING_MONTHS.get(billing)
    if step is None:  # once
        return [starts] if starts <= last else []
    days, count = [], 0
    while (day := add_months(starts, count * step)) <= last:
        days.append(day)
        count += 1
    return days


def add_months(day: date, months: int) -> date:
    """The same day of month ``months`` later; the month's last day when it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _local_day(hour: str, ctx: Context) -> date:
    moment = datetime.strptime(hour[:13], "%Y-%m-%d %H").replace(tzinfo=UTC)
    return moment.astimezone(ctx.tz).date()


def columns_for(by: str) -> tuple[Column, ...]:
    return (
        Column(by, "Month" if by == "month" else "Week", ColumnKind.month),
        Column("currency", "Currency"),
        Column("committed", "Committed", ColumnKind.money),
        Column("likely", "Likely", ColumnKind.money),
        Column("weighted", "Weighted", ColumnKind.money),
        Column("recurring", "Recurring", ColumnKind.money),
    )


def cashflow(ctx: Context, options: CashflowOptions) -> ReportResult:
    by = options.by.strip().lower()
    if by not in ("month", "week"):
        raise UsageError(f"--by {options.by!r}: give month or week")
    options = CashflowOptions(options.start, options.end, options.where, by, options.payment_days)
    rows = cashflow_rows(ctx, options)
    rows.sort(key=by_currency(lambda row: row[by]))
    columns = columns_for(by)
    lang = common.lang(ctx)
    display: dict[str, dict[Any, str]] = {}
    common.total_label(display, by, lang)
    params: Mapping[str, Any] = {
        **options.params(),
        "payment_days": payment_days(ctx, options.payment_days),
    }
    return ReportResult(
        name="cashflow",
        title="Cash flow",
        columns=columns,
        rows=rows,
        totals=currency_totals(rows, columns, by, "Total"),
        chart=ChartSpec(
            "Expected inflow", (by,), ("committed", "likely", "weighted", "recurring"), True
        ),
        params=params,
        notes=(NOTE,),
        lang=lang,
        display=display,
    )
