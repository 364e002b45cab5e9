"""``--fail-if 'EXPR'``: a condition over a report's total row, in the filter language.

The total row's columns become the fields of a one-row registry whose values are SQL
literals, so the expression is parsed and compiled by the same code as ``--where`` (no
second evaluator to drift from it) and evaluated by the database in one ``SELECT``.
With one total per currency the condition is checked for each; any true one fails.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Integer, Numeric, String, case, literal, null, select
from sqlalchemy.sql.elements import ColumnElement

from crmctl.errors import CheckFailed, FilterError, UsageError
from crmctl.query import compile_where
from crmctl.query.fields import EntityRegistry, FieldKind, FieldSpec
from crmctl.reports.render import plain
from crmctl.reports.result import ColumnKind, ReportResult
from crmctl.services.context import Context

_KINDS: Mapping[ColumnKind, tuple[FieldKind, Any]] = {
    ColumnKind.money: (FieldKind.DECIMAL, Numeric(18, 2)),
    ColumnKind.percent: (FieldKind.DECIMAL, Numeric(18, 1)),
    ColumnKind.number: (FieldKind.DECIMAL, Numeric(18, 1)),
    ColumnKind.int: (FieldKind.INTEGER, Integer()),
    ColumnKind.date: (FieldKind.DATE, Date()),
    ColumnKind.text: (FieldKind.TEXT, String()),
    ColumnKind.month: (FieldKind.TEXT, String()),
}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def total_registry(result: ReportResult, total: Mapping[str, Any]) -> EntityRegistry:
    """The fields ``--fail-if`` may name: the report's columns, valued from ``total``."""
    fields = {}
    for column in result.columns:
        kind, sql_type = _KINDS[column.kind]
        value = total.get(column.key)
        if isinstance(value, Decimal | int) and kind is FieldKind.DECIMAL:
            value = Decimal(value)
        fields[column.key] = FieldSpec(
            column.key,
            kind,
            column=null() if value is None else literal(value, sql_type),
            description=column.label,
        )
    return EntityRegistry(f"the {result.name} report's total row", fields)


def check_fail_if(ctx: Context, result: ReportResult, expression: str | None) -> str | None:
    """The message to fail with when ``expression`` holds for a total row, else ``None``.

    A bad expression is a usage error (exit 2) naming the field and the fields available.
    """
    if not expression or not expression.strip():
        return None
    totals = list(result.totals) or [{}]
    failing = [total for total in totals if _holds(ctx, result, total, expression)]
    if not failing:
        return None
    return f"--fail-if {expression!r} is true: " + "; ".join(
        _values(result, total, expression) for total in failing
    )


def _holds(ctx: Context, result: ReportResult, total: Mapping[str, Any], expression: str) -> bool:
    registry = total_registry(result, total)
    try:
        condition: ColumnElement[bool] = compile_where(expression, registry, now=ctx.now, tz=ctx.tz)
    except FilterError as error:
        raise UsageError(f"--fail-if: {error.message}", detail=error.detail) from None
    outcome = ctx.session.execute(select(case((condition, 1), else_=0))).scalar()
    return bool(outcome)


def _values(result: ReportResult, total: Mapping[str, Any], expression: str) -> str:
    """``win_rate = 20.0 (CZK)``: the named fields' values in that total row."""
    named = [c for c in result.columns if c.key in set(_NAME.findall(expression))]
    shown = ", ".join(f"{c.key} = {_plain_text(total.get(c.key), c.kind)}" for c in named)
    currency = total.get("currency")
    return f"{shown} ({currency})" if currency and named else shown or "condition met"


def _plain_text(value: Any, kind: ColumnKind) -> str:
    shown = plain(value, kind)
    return "empty" if shown is None else str(shown)


def raise_if_failed(message: str | None) -> None:
    if message is not None:
        raise CheckFailed(message)
