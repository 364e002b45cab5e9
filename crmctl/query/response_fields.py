"""A lead's response time as filter fields: ``response_minutes`` (wall clock) and
``response_business_minutes`` (business hours, ``crmctl.business_hours``).

An answered lead compares its first response's delay; a lead not answered yet compares
the time it has waited so far (up to now), so ``first_response_at is null and
response_business_minutes >= 240`` finds the leads left unanswered past a 4-hour SLA.
``is null`` means "not answered yet". For unanswered leads the comparison is a range on
``received_at`` (waiting at least N minutes ⇔ received at or before a computed instant),
so it can use the index and needs no per-row calendar in SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from crmctl import business_hours
from crmctl.db import tables

lead = tables.lazy_columns("leads")
_COMPARE: dict[str, Callable[[Any, Any], ColumnElement[bool]]] = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


class elapsed_minutes(FunctionElement[int]):
    """Whole minutes from the first to the second timestamp (floor), on both databases."""

    type = Integer()
    inherit_cache = True


@compiles(elapsed_minutes, "sqlite")
def _elapsed_sqlite(element: elapsed_minutes, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    seconds = "CAST(strftime('%s', {}) AS INTEGER)"
    return f"(({seconds.format(end)} - {seconds.format(start)}) / 60)"


@compiles(elapsed_minutes, "postgresql")
def _elapsed_postgres(element: elapsed_minutes, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(floor(extract(epoch from ({end} - {start})) / 60) AS INTEGER)"


# A century of minutes: beyond it no lead has waited, and the database's INTEGER column
# (and the calendar walked back from now) would overflow.
MAX_MINUTES = 100 * 366 * 24 * 60


def _minutes(value: Any) -> int:
    if isinstance(value, Decimal | float) and value != int(value):
        raise ValueError("whole minutes only")
    minutes = int(value)
    if abs(minutes) > MAX_MINUTES:
        raise ValueError(f"{minutes} minutes is out of range (at most {MAX_MINUTES:,}, a century)")
    return minutes


def _waited(op: str, minutes: int, since: Callable[[int], datetime]) -> ColumnElement[bool]:
    """Unanswered leads that have waited ``op minutes``: ``since(n)`` is the latest
    receipt that has waited at least n minutes by now."""
    at_least = lambda n: lead.received_at <= since(n)  # noqa: E731
    fewer = lambda n: lead.received_at > since(n)  # noqa: E731
    condition = {
        ">=": lambda: at_least(minutes),
        ">": lambda: at_least(minutes + 1),
        "<": lambda: fewer(minutes),
        "<=": lambda: fewer(minutes + 1),
        "=": lambda: and_(at_least(minutes), fewer(minutes + 1)),
    }[op]()
    return and_(lead.first_response_at.is_(None), condition)


def _wall_compare(op: str, value: Any, now: datetime) -> ColumnElement[bool]:
    minutes = _minutes(value)
    answered = elapsed_minutes(lead.received_at, lead.first_response_at)
    waiting = _waited(op, minutes, lambda n: now.astimezone(UTC) - timedelta(minutes=n))
    return or_(and_(lead.first_response_at.is_not(None), _COMPARE[op](answered, minutes)), waiting)


def _business_compare(op: str, value: Any, now: datetime) -> ColumnElement[bool]:
    minutes = _minutes(value)
    calendar = business_hours.active()
    stored = lead.response_business_minutes
    waiting = _waited(op, minutes, lambda n: calendar.back(now, n))
    return or_(and_(stored.is_not(None), _COMPARE[op](stored, minutes)), waiting)


def response_minutes() -> dict[str, Any]:
    """``--where`` behaviour of the lead field ``response_minutes`` (the registry's hook)."""
    return {
        "column": elapsed_minutes(lead.received_at, lead.first_response_at),
        "compare": _wall_compare,
    }


def response_business_minutes() -> dict[str, Any]:
    """``--where`` behaviour of the lead field ``response_business_minutes``."""
    return {"column": lead.response_business_minutes, "compare": _business_compare}
