"""What every analytical report shares: its options, the records it may count, labels.

A report function takes a ``Context`` and its options (a ``ReportOptions`` or a subclass)
and returns a ``ReportResult``; ``crmctl.reports.render`` draws it in every format and
``crmctl.reports.checks`` evaluates ``--fail-if`` over its totals. Records are narrowed
in SQL by the reader's permissions, ``--where`` (the filter language of the report's
records) and the period; money is summed in whole hellers (integers) and turned into
``Decimal`` once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from statistics import median
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, cast, func, literal_column, select

from crmctl import present
from crmctl.db import tables
from crmctl.reports.period import Period, parse_period
from crmctl.services.context import Context
from crmctl.services.pipelines import configured_pipelines
from crmctl.services.read.pipeline import readable_conditions

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
ZERO = Decimal("0.00")
DEFAULT_CURRENCY = "CZK"  # the currency of a zero row when nothing is counted
deals = tables.deals.c
leads = tables.leads.c


@dataclass(frozen=True)
class ReportOptions:
    """``--from``/``--to`` (inclusive local days) and ``--where`` of every report."""

    start: str | None = None
    end: str | None = None
    where: str | None = None

    @property
    def period(self) -> Period:
        return parse_period(self.start, self.end)

    def params(self) -> dict[str, Any]:
        return {**self.period.params(), "where": self.where}


# --- the records a report may count ------------------------------------------------------


def deal_conditions(
    ctx: Context, where: str | None, *, live: bool = True
) -> list[ColumnElement[bool]]:
    """Deals the reader may fully read, narrowed by ``--where`` (deal fields): the read
    pipeline's stages (:func:`crmctl.services.read.pipeline.readable_conditions`).

    ``live=False`` leaves deleted deals in (a past day's pipeline had them).
    """
    return readable_conditions(ctx, "deal", where, live=live)


def open_live() -> list[ColumnElement[bool]]:
    """Open, live deals, spelled as the partial index ``ix_deals_open_report`` says, so
    both databases scan that narrow index instead of the table."""
    return [deals.status == literal_column("'open'"), deals.deleted_at.is_(None)]


def closed() -> ColumnElement[bool]:
    """Closed deals, as ``ix_deals_closed_report`` says (closed by close time)."""
    return deals.closed_at.is_not(None)


def lead_conditions(ctx: Context, where: str | None) -> list[ColumnElement[bool]]:
    """Live leads the reader may fully read, narrowed by ``--where`` (lead fields)."""
    return readable_conditions(ctx, "lead", where)


def cents(column: Any = None) -> ColumnElement[int]:
    """A money column in whole hellers, so SQL sums are exact integers on SQLite too."""
    return cast(func.round((deals.value if column is None else column) * 100), BigInteger)


def money(hellers: Any) -> Decimal:
    return (Decimal(int(hellers or 0)) / 100).quantize(CENT)


def weighted_money(units: Any) -> Decimal:
    """Hellers × percent → money, rounded half up once to hellers."""
    return (Decimal(int(units or 0)) / 10000).quantize(CENT, rounding=ROUND_HALF_UP)


def rate(part: Any, whole: Any) -> Decimal | None:
    """``part / whole`` in percent with one place; ``None`` when ``whole`` is zero."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(TENTH, rounding=ROUND_HALF_UP)


def average(total: Any, count: Any) -> Decimal | None:
    if not count:
        return None
    return (Decimal(total) / Decimal(count)).quantize(TENTH, rounding=ROUND_HALF_UP)


def median_of(values: Sequence[float | int | Decimal]) -> Decimal | None:
    """The median (mean of the middle two for an even count), one decimal place."""
    if not values:
        return None
    return Decimal(str(median(values))).quantize(TENTH, rounding=ROUND_HALF_UP)


# --- labels people see -------------------------------------------------------------------


def stage_labels(ctx: Context) -> dict[str, str]:
    """Stage key → its label (the first pipeline that names the key wins)."""

    labels: dict[str, str] = {}
    for pipeline in configured_pipelines(ctx).values():
        for stage in pipeline.stages:
            labels.setdefault(stage.key, stage.label)
    return labels


def pipeline_labels(ctx: Context) -> dict[str, str]:

    return {key: pipeline.label for key, pipeline in configured_pipelines(ctx).items()}


def stage_order(ctx: Context) -> dict[str, int]:
    """Stage key → position across all pipelines, in pipeline order."""

    order: dict[str, int] = {}
    for pipeline in configured_pipelines(ctx).values():
        for stage in pipeline.stages:
            order.setdefault(stage.key, len(order))
    return order


@dataclass(frozen=True)
class Person:
    id: int
    login: str
    name: str
    team: str | None


def people(ctx: Context, ids: Iterable[int | None]) -> dict[int, Person]:
    """Users by id with their name and team, in one query."""
    wanted = sorted({user_id for user_id in ids if user_id is not None})
    if not wanted:
        return {}
    users, teams = tables.users.c, tables.teams.c
    statement = (
        select(users.id, users.login, users.name, teams.name)
        .select_from(tables.users.outerjoin(tables.teams, teams.id == users.team_id))
        .where(users.id.in_(wanted))
    )
    rows = ctx.session.execute(statement)
    return {row[0]: Person(row[0], row[1], row[2], row[3]) for row in rows}


def name_labels(found: Mapping[int, Person]) -> dict[str, str]:
    """Login → name, the ``display`` of an owner column (rows keep logins for CSV/JSON)."""
    return {person.login: person.name for person in found.values()}


def lang(ctx: Context) -> str:
    return present.language(ctx.settings)


def total_label(display: dict[str, dict[Any, str]], key: str, lang_code: str) -> None:
    """Totals rows say ``Total`` in CSV/JSON and ``Celkem`` (or ``Total``) for people."""
    display.setdefault(key, {})["Total"] = present.word("total", lang_code)
