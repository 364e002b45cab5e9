"""SQL pieces the analytical reports need on both databases (compiled per dialect)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import BigInteger, Integer, Text


class epoch_seconds(FunctionElement[int]):
    """Whole seconds since 1970 of a UTC timestamp column (integers: exact day counts)."""

    name = "epoch_seconds"
    type = BigInteger()
    inherit_cache = True


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    # Stored as naive UTC text ("2026-03-10 08:00:00.000000"): strftime reads it as UTC.
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(epoch_seconds, "postgresql")
def _epoch_postgres(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(floor(extract(epoch FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


class change_before(FunctionElement[str]):
    """``payload.changes.<field>[0]`` of an update event as text: the value before it.

    ``change_before(events.c.payload, "value")``; NULL when the event did not change it.
    """

    name = "change_before"
    type = Text()
    inherit_cache = False

    def __init__(self, payload: Any, field: str) -> None:
        self.field = field
        super().__init__(payload)


@compiles(change_before, "sqlite")
def _change_before_sqlite(element: change_before, compiler: SQLCompiler, **kw: Any) -> str:
    payload = compiler.process(element.clauses, **kw)
    return f"json_extract({payload}, '$.changes.{element.field}[0]')"


@compiles(change_before, "postgresql")
def _change_before_postgres(element: change_before, compiler: SQLCompiler, **kw: Any) -> str:
    payload = compiler.process(element.clauses, **kw)
    return f"(({payload}) -> 'changes' -> '{element.field}' ->> 0)"


class hour_key(FunctionElement[str]):
    """``'2027-03-31 22'``: the UTC hour of a timestamp, as text (grouped, then localised)."""

    name = "hour_key"
    type = Text()
    inherit_cache = True


@compiles(hour_key, "sqlite")
def _hour_sqlite(element: hour_key, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strftime('%Y-%m-%d %H', {compiler.process(element.clauses, **kw)})"


@compiles(hour_key, "postgresql")
def _hour_postgres(element: hour_key, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"


class whole_days(FunctionElement[int]):
    """Whole days (24 h) from a timestamp column to a moment: ``whole_days(col, moment)``.

    SQLite: one ``julianday`` per row (cheaper than ``strftime``), plus a millisecond's
    worth of a day against binary rounding at exact day boundaries; PostgreSQL: floor of
    the epoch difference. Both integers.
    """

    name = "whole_days"
    type = Integer()
    inherit_cache = True


@compiles(whole_days, "sqlite")
def _whole_days_sqlite(element: whole_days, compiler: SQLCompiler, **kw: Any) -> str:
    since, moment = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(julianday({moment}) - julianday({since}) + 1e-8 AS INTEGER)"


@compiles(whole_days, "postgresql")
def _whole_days_postgres(element: whole_days, compiler: SQLCompiler, **kw: Any) -> str:
    since, moment = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(floor(extract(epoch FROM ({moment} - {since})) / 86400) AS INTEGER)"
