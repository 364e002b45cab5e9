"""Win rate and sales cycle, as functions other reports call (funnel, performance, dashboard).

Win rate = won / (won + lost) among the deals closed in the period, by count and by value
(per currency: values are never added across currencies). Sales cycle = median and mean
days from created to won for the deals won in the period. Days are exact elapsed time
(seconds / 86 400), shown with one decimal place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, cast, func, select

from crmctl.reports import common
from crmctl.reports.common import TENTH, ZERO, deals
from crmctl.reports.period import Period
from crmctl.reports.sql import epoch_seconds, hour_key
from crmctl.services.context import Context

DAY_SECONDS = 86400


@dataclass
class WinStats:
    """Closed deals of one currency (and one owner when asked ``by_owner``)."""

    currency: str
    owner_id: int | None = None
    won_count: int = 0
    lost_count: int = 0
    won_value: Decimal = ZERO
    lost_value: Decimal = ZERO
    cycle_seconds: list[int] = field(default_factory=list)

    @property
    def win_rate(self) -> Decimal | None:
        """Won / (won + lost) by count, in percent."""
        return common.rate(self.won_count, self.won_count + self.lost_count)

    @property
    def win_rate_value(self) -> Decimal | None:
        """Won / (won + lost) by value, in percent."""
        return common.rate(self.won_value, self.won_value + self.lost_value)

    @property
    def cycle_median(self) -> Decimal | None:
        days = [Decimal(s) / DAY_SECONDS for s in self.cycle_seconds]
        return common.median_of(days)

    @property
    def cycle_mean(self) -> Decimal | None:
        if not self.cycle_seconds:
            return None
        mean = Decimal(sum(self.cycle_seconds)) / DAY_SECONDS / len(self.cycle_seconds)
        return mean.quantize(TENTH, rounding=ROUND_HALF_UP)

    def record(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "won_count": self.won_count,
            "lost_count": self.lost_count,
            "won_value": self.won_value,
            "win_rate": self.win_rate,
            "win_rate_value": self.win_rate_value,
            "cycle_median": self.cycle_median,
            "cycle_mean": self.cycle_mean,
        }


def win_stats(
    ctx: Context,
    period: Period,
    where: str | None = None,
    *,
    by_owner: bool = False,
    conditions: Iterable[ColumnElement[bool]] = (),
) -> list[WinStats]:
    """Win rate and sales cycle of the deals closed in ``period`` (local days).

    One ``WinStats`` per currency, or per (owner, currency) with ``by_owner`` (the deal's
    owner now). ``conditions`` narrow further (e.g. one pipeline). Sorted by owner id,
    then currency.
    """
    statement = select(
        deals.owner_id,
        deals.currency,
        deals.status,
        common.cents(),
        epoch_seconds(deals.created_at),
        epoch_seconds(deals.closed_at),
    ).where(
        common.closed(),
        deals.status.in_(("won", "lost")),
        *common.deal_conditions(ctx, where),
        *closed_in(ctx, period),
        *conditions,
    )
    found: dict[tuple[int | None, str], WinStats] = {}
    # Hellers summed as integers and turned into money once per group: a Decimal per row
    # was half the time of a year's 200,000 closed deals (the sums are the same, exactly).
    hellers_of: dict[tuple[int | None, str], list[int]] = {}  # [won, lost]
    for owner_id, currency, status, hellers, created, closed in ctx.session.execute(statement):
        key = (owner_id if by_owner else None, currency)
        stats = found.get(key)
        if stats is None:
            stats = found[key] = WinStats(currency, key[0])
            hellers_of[key] = [0, 0]
        if status == "won":
            stats.won_count += 1
            hellers_of[key][0] += int(hellers or 0)
            stats.cycle_seconds.append(int(closed) - int(created))
        else:
            stats.lost_count += 1
            hellers_of[key][1] += int(hellers or 0)
    for key, (won, lost) in hellers_of.items():
        stats = found[key]
        if stats.won_count:  # else it keeps ZERO, as before
            stats.won_value = common.money(won)
        if stats.lost_count:
            stats.lost_value = common.money(lost)
    return [found[key] for key in sorted(found, key=lambda k: (k[0] or 0, k[1]))]


def closed_in(ctx: Context, period: Period) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    start, end = period.start_utc(ctx.tz), period.end_utc(ctx.tz)
    if start is not None:
        conditions.append(deals.closed_at >= start)
    if end is not None:
        conditions.append(deals.closed_at < end)
    return conditions


def overall(stats: Sequence[WinStats], currency: str) -> WinStats:
    """The stats of one currency (zero when no deal of it closed)."""
    return next((s for s in stats if s.currency == currency), WinStats(currency))


def win_rate_by_month(
    ctx: Context, period: Period, where: str | None = None
) -> list[dict[str, Any]]:
    """Won, lost and win rate (count and value) per local month of closing and currency.

    One grouped query (by UTC hour of closing, then folded into local months), so twelve
    months cost one scan, not twelve.
    """
    hour = hour_key(deals.closed_at)
    statement = (
        select(
            hour,
            deals.currency,
            deals.status,
            func.count(),
            cast(func.sum(common.cents()), BigInteger),
        )
        .where(
            common.closed(),
            deals.status.in_(("won", "lost")),
            *common.deal_conditions(ctx, where),
            *closed_in(ctx, period),
        )
        .group_by(hour, deals.currency, deals.status)
    )
    months: dict[tuple[str, str], dict[str, int]] = {}
    for hour_text, currency, status, count, hellers in ctx.session.execute(statement):
        month = _local_month(str(hour_text), ctx)
        sums = months.setdefault((month, currency), {"won": 0, "lost": 0, "won_c": 0, "lost_c": 0})
        sums[status] += int(count)
        sums[f"{status}_c"] += int(hellers or 0)
    rows = []
    for (month, currency), sums in sorted(months.items(), key=lambda i: (i[0][1], i[0][0])):
        rows.append({
            "month": month, "currency": currency, "won_count": sums["won"],
            "lost_count": sums["lost"], "won_value": common.money(sums["won_c"]),
            "win_rate": common.rate(sums["won"], sums["won"] + sums["lost"]),
            "win_rate_value": common.rate(sums["won_c"], sums["won_c"] + sums["lost_c"]),
        })  # fmt: skip
    return rows


def _local_month(hour: str, ctx: Context) -> str:
    moment = datetime.strptime(hour[:13], "%Y-%m-%d %H").replace(tzinfo=UTC)
    local = moment.astimezone(ctx.tz)
    return f"{local.year:04d}-{local.month:02d}"
