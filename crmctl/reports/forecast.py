"""``report forecast``: weighted and unweighted sums of deals, grouped in SQL.

What counts: deals that are not deleted, not lost and not in the ``omitted`` forecast
category — open deals and won ones (category ``closed``, probability 100, as in a
Salesforce forecast), each in the month of its expected close. Weighted is
``value × probability / 100``. Sums are taken in whole hellers (integer cents) in SQL, so
they are exact on SQLite too; a row's weighted sum is rounded once, half up, to hellers,
and totals are the sums of the rows. Amounts are never converted between currencies:
currency is always part of the grouping, and there is one totals row per currency.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Select, cast, func, select

from crmctl.dates import parse_day
from crmctl.db import tables
from crmctl.db.functions import month_key, unindexed
from crmctl.errors import UsageError
from crmctl.reports.result import ChartSpec, Column, ColumnKind, ReportResult, sum_rows
from crmctl.services.context import Context
from crmctl.services.pipelines import configured_pipelines
from crmctl.services.read.pipeline import readable_conditions

GROUPINGS = ("month", "owner", "stage", "pipeline")
DEFAULT_CURRENCY = "CZK"  # the currency of a zero row when no deal is in the period
CENT = Decimal("0.01")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
NOTE = (
    "Open and won deals (not lost, not deleted, forecast category not omitted) by expected "
    "close; weighted = value × probability / 100; currencies are not converted."
)
# The owner joined under its own name: ``--where owner = …`` correlates with ``users``.
# Core columns: a forecast without --snapshot/--compare is a read command (no ORM).
Deal, User = tables.deals.c, tables.users.c
Owner = tables.users.alias("deal_owner")
DIMENSION_LABELS = {"month": "Month", "owner": "Owner", "stage": "Stage", "pipeline": "Pipeline"}


@dataclass(frozen=True)
class ForecastOptions:
    by: str = "month"
    where: str | None = None
    start: str | None = None  # --from: YYYY-MM or YYYY-MM-DD
    end: str | None = None  # --to: YYYY-MM (the whole month) or YYYY-MM-DD
    snapshot: str | None = None
    compare: str | None = None

    def params(self) -> dict[str, Any]:
        return {"by": list(parse_by(self.by)), "where": self.where, "from": self.start,
                "to": self.end}  # fmt: skip


def parse_by(text: str) -> tuple[str, ...]:
    """``month,owner`` → ``("month", "owner")``; anything else is a usage error."""
    parts = tuple(part.strip().lower() for part in text.split(",") if part.strip())
    valid = "|".join(GROUPINGS)
    unknown = [part for part in parts if part not in GROUPINGS]
    if not parts or unknown:
        shown = ", ".join(repr(p) for p in unknown) or "nothing"
        raise UsageError(f"--by {shown}: group by one or more of {valid}, e.g. --by month,owner")
    if len(set(parts)) != len(parts):
        raise UsageError(f"--by {text!r} names a grouping twice; use each of {valid} once")
    return parts


def parse_bound(text: str | None, option: str, *, end: bool) -> date | None:
    """``2026-03`` is the month's first day (``--from``) or last day (``--to``)."""
    if text is None or not text.strip():
        return None
    value = text.strip()
    try:
        if match := _MONTH.match(value):
            year, month = int(match[1]), int(match[2])
            day = monthrange(year, month)[1] if end else 1
            return date(year, month, day)
        if day := parse_day(value):  # 2026-03-15 or 15. 3. 2026
            return day
    except ValueError:
        pass
    raise UsageError(f"{option} {value!r}: give a month (2026-03) or a date (2026-03-15)")


# --- the query -------------------------------------------------------------------------------


def cents() -> ColumnElement[int]:
    return cast(func.round(Deal.value * 100), BigInteger)


def in_forecast(
    ctx: Context, statement: Select[Any], where: str | None, start: str | None, end: str | None
) -> Select[Any]:
    """The deals a forecast counts, narrowed by ``--where`` and ``--from/--to``."""
    statement = statement.where(
        Deal.status != "lost",
        Deal.forecast_category != "omitted",
        # The read pipeline's stages: live deals the reader may see in full, the filter.
        *readable_conditions(ctx, "deal", where),
    )
    lower = parse_bound(start, "--from", end=False)
    upper = parse_bound(end, "--to", end=True)
    if lower and upper and lower > upper:
        raise UsageError(f"--from {start} is after --to {end}; swap them")
    if lower:
        statement = statement.where(Deal.expected_close >= lower)
    if upper:
        statement = statement.where(Deal.expected_close <= upper)
    return statement


# Grouped per day first: no month text computed per deal, and the million deals sorted
# by plain columns; the few thousand day rows are then folded into the requested groups.
# The day is `unindexed`: walking ix_deals_expected_close for the grouping order and then
# fetching every deal by rowid was 2-3× slower on SQLite than reading the table and sorting.
# A --from/--to range reads that index alone: it covers what is summed and filtered (0016).
DAY_GROUPS = {
    "day": lambda: unindexed(Deal.expected_close),
    "owner": lambda: Deal.owner_id,
    "currency": lambda: Deal.currency,
}


def grouped_sums(ctx: Context, by: Sequence[str], options: ForecastOptions) -> list[dict[str, Any]]:
    """Sums per group in two SQL steps: per day, owner and currency (plus stage and pipeline
    when asked for), then those few thousand rows folded into the groups of ``by``."""
    inner_keys = [make().label(name) for name, make in DAY_GROUPS.items()]
    inner_keys += [getattr(Deal, name).label(name) for name in ("stage", "pipeline") if name in by]
    per_day = select(
        *inner_keys,
        func.count().label("deals"),
        func.sum(cents()).label("cents"),
        func.sum(cents() * Deal.probability).label("weighted_units"),
    ).group_by(*inner_keys)
    days = in_forecast(ctx, per_day, options.where, options.start, options.end).subquery()
    keys = [(month_key(days.c.day) if name == "month" else days.c[name]).label(name) for name in by]
    statement = select(
        *keys,
        days.c.currency,
        cast(func.sum(days.c.deals), BigInteger).label("deals"),
        cast(func.sum(days.c.cents), BigInteger).label("cents"),
        cast(func.sum(days.c.weighted_units), BigInteger).label("weighted_units"),
    ).group_by(*keys, days.c.currency)
    rows = [_amounts(dict(row._mapping)) for row in ctx.session.execute(statement)]
    if "owner" in by:
        logins = owner_logins(ctx, {row["owner"] for row in rows if row["owner"] is not None})
        for row in rows:
            row["owner"] = logins.get(row["owner"])
    return rows


def owner_logins(ctx: Context, ids: set[int]) -> dict[int, str]:
    statement = select(User.id, User.login).where(User.id.in_(sorted(ids)))
    return {user_id: login for user_id, login in ctx.session.execute(statement)}


def weighted(units: Any) -> Decimal:
    """Integer cents × percent → money, rounded half up to hellers."""
    return (Decimal(int(units or 0)) / 10000).quantize(CENT, rounding=ROUND_HALF_UP)


def _amounts(row: dict[str, Any]) -> dict[str, Any]:
    value = Decimal(int(row.pop("cents") or 0)) / 100
    row["deals"] = int(row["deals"])
    row["value"] = value.quantize(CENT)
    row["weighted"] = weighted(row.pop("weighted_units"))
    row["probability"] = probability(row["value"], row["weighted"])
    return row


def probability(value: Decimal, weighted_value: Decimal) -> Decimal | None:
    if not value:
        return None
    return (weighted_value * 100 / value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- ordering and the result -----------------------------------------------------------------


def sort_key(ctx: Context, by: Sequence[str]) -> Any:
    pipelines = configured_pipelines(ctx)
    pipeline_order = {key: index for index, key in enumerate(pipelines)}
    stage_order: dict[str, int] = {}
    for stage in (s for p in pipelines.values() for s in p.stages):
        stage_order.setdefault(stage.key, len(stage_order))

    def part(name: str, value: Any) -> tuple[int, Any, str]:
        if value is None:
            return (2, 0, "")
        if name == "stage" and value in stage_order:
            return (0, stage_order[value], "")
        if name == "pipeline" and value in pipeline_order:
            return (0, pipeline_order[value], "")
        return (1, 0, str(value))

    def key(row: Mapping[str, Any]) -> tuple[Any, ...]:
        return (*(part(name, row[name]) for name in by), row["currency"])

    return key


def columns_for(by: Sequence[str]) -> tuple[Column, ...]:
    dims = tuple(
        Column(
            name, DIMENSION_LABELS[name], ColumnKind.month if name == "month" else ColumnKind.text
        )
        for name in by
    )
    return (
        *dims,
        Column("currency", "Currency"),
        Column("deals", "Deals", ColumnKind.int),
        Column("value", "Unweighted", ColumnKind.money),
        Column("weighted", "Weighted", ColumnKind.money),
        Column("probability", "Probability", ColumnKind.percent),
    )


def totals_by_currency(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[Column]
) -> list[dict[str, Any]]:
    totals = []
    for currency in sorted({row["currency"] for row in rows}):
        mine = [row for row in rows if row["currency"] == currency]
        total = sum_rows(mine, columns, columns[0].key, "Total")
        total["currency"] = currency
        total["probability"] = probability(total["value"], total["weighted"])
        totals.append(total)
    return totals


def forecast(ctx: Context, options: ForecastOptions) -> ReportResult:
    """The forecast grouped by ``options.by``, or with ``--compare`` what moved since.

    Reads only: ``--snapshot`` is saved by ``services.report_snapshots`` after this (so
    after the comparison, and both may be given).
    """
    by = parse_by(options.by)
    if not options.compare and not options.snapshot:
        return forecast_result(ctx, by, options)  # a read: no snapshot (ORM) module
    from crmctl.reports import snapshots  # noqa: PLC0415  (start-up: the ORM only to save)

    if options.compare:
        return snapshots.compare(ctx, options)
    return forecast_result(ctx, by, options)


def empty_months(
    by: Sequence[str], options: ForecastOptions, rows: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Zero rows for the months of ``--from``…``--to`` that have no deals (``--by month``).

    A forecast for a fixed period then always has one row per month and currency, so
    exports of different periods line up. Without both bounds the period is open-ended
    and only months with deals are shown.
    """
    lower = parse_bound(options.start, "--from", end=False)
    upper = parse_bound(options.end, "--to", end=True)
    if tuple(by) != ("month",) or lower is None or upper is None:
        return []
    currencies = sorted({row["currency"] for row in rows}) or [DEFAULT_CURRENCY]
    present = {(row["month"], row["currency"]) for row in rows}
    zero = Decimal("0.00")
    return [
        {"month": month, "currency": currency, "deals": 0, "value": zero, "weighted": zero,
         "probability": None}
        for month in months_between(lower, upper)
        for currency in currencies
        if (month, currency) not in present
    ]  # fmt: skip


def months_between(lower: date, upper: date) -> list[str]:
    """``'YYYY-MM'`` of every month from ``lower``'s to ``upper``'s, both included."""
    months = []
    year, month = lower.year, lower.month
    while (year, month) <= (upper.year, upper.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def forecast_result(ctx: Context, by: Sequence[str], options: ForecastOptions) -> ReportResult:
    rows = grouped_sums(ctx, by, options)
    rows = sorted(rows + empty_months(by, options, rows), key=sort_key(ctx, by))
    columns = columns_for(by)
    return ReportResult(
        name="forecast",
        title="Forecast",
        columns=columns,
        rows=rows,
        totals=totals_by_currency(rows, columns),
        chart=ChartSpec("Forecast: unweighted and weighted", tuple(by), ("value", "weighted")),
        params=options.params(),
        notes=(NOTE,),
    )
