"""Compile a parsed filter into a SQLAlchemy boolean expression for one entity.

Semantics worth knowing:

* Logic is two-valued: a missing value (NULL) never satisfies ``=``, ``<``, ``~`` or
  ``in`` and always satisfies ``!=``, ``!~`` and ``not in``; ``not`` is an exact negation.
* TEXT ``=`` compares case-sensitively, as stored; ``~`` is the accent- and
  case-insensitive "contains". TEXT ``is null`` also matches the empty string.
* A date compared with a DATETIME field means the whole local day in ``tz``:
  ``created_at = 2026-01-31`` is ``[local midnight, next local midnight)`` in UTC.
* ``custom.KEY``: a number literal compares with JSON numbers numerically; any other
  literal (text, true/false, a date as ISO text) compares with the value as text.
* TAGS: ``=``/``in`` mean "has (any of)", ``!=``/``not in`` "has none of",
  ``is null`` "has no tags".
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from difflib import get_close_matches
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import ColumnElement

from crmctl.errors import FilterError
from crmctl.query import ast
from crmctl.query.custom import json_number, json_text
from crmctl.query.dates import resolve, start_of_day
from crmctl.query.fields import EntityRegistry, FieldKind, FieldSpec
from crmctl.query.parser import parse
from crmctl.text import fold

_Op = Callable[[Any, Any], ColumnElement[bool]]
_ORDERING: dict[str, _Op] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_COMPARE: dict[str, _Op] = {"=": operator.eq, **_ORDERING}
_NEGATED = {"!=": "=", "!~": "~"}


@dataclass(frozen=True)
class DayRange:
    """A local calendar day as the half-open UTC interval ``[start, end)``."""

    start: datetime
    end: datetime


Operand = str | int | Decimal | bool | date | datetime | DayRange


@dataclass(frozen=True)
class _Target:
    ref: ast.FieldRef
    kind: FieldKind | None  # None: a custom.KEY field
    column: ColumnElement[Any] | None  # for custom.KEY: the value as text
    spec: FieldSpec | None = None
    number: ColumnElement[Any] | None = None  # custom.KEY as a JSON number


def compile_where(
    expression: str, registry: EntityRegistry, *, now: datetime, tz: ZoneInfo
) -> ColumnElement[bool]:
    """``--where`` text → a boolean SQL expression; ``FilterError`` on any bad input."""
    return compile_node(parse(expression), expression, registry, now=now, tz=tz)


def compile_node(
    node: ast.Node, expression: str, registry: EntityRegistry, *, now: datetime, tz: ZoneInfo
) -> ColumnElement[bool]:
    """An already parsed filter → SQL; ``expression`` (its text) only points at errors."""
    return _Compiler(expression, registry, now, tz).condition(node)


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class _Compiler:
    expression: str
    registry: EntityRegistry
    now: datetime
    tz: ZoneInfo

    def fail(self, message: str, span: ast.Spanned) -> NoReturn:
        raise FilterError(message, self.expression, span.pos, span.length)

    def condition(self, node: ast.Node) -> ColumnElement[bool]:
        match node:
            case ast.And():
                # SQLite tests AND terms in the order written: crm_fold (a Python UDF) last.
                terms = sorted(_conjuncts(node), key=_uses_fold)
                return sa.and_(*(self.condition(term) for term in terms))
            case ast.Or(left, right):
                return sa.or_(self.condition(left), self.condition(right))
            case ast.Not(operand):
                return sa.not_(self.condition(operand))
            case ast.IsNull(ref, negated):
                result = self.is_null(self.target(ref), node)
            case ast.Compare(ref, op, value):
                negated = op in _NEGATED
                result = self.compare(self.target(ref), _NEGATED.get(op, op), value, node)
            case ast.In(ref, values, negated):
                result = self.in_list(self.target(ref), values, node)
            case _:
                raise TypeError(f"not a filter node: {node!r}")
        return sa.not_(result) if negated else result

    # --- fields ----------------------------------------------------------------------

    def target(self, ref: ast.FieldRef) -> _Target:
        prefix, dot, key = ref.name.partition(".")
        custom = self.registry.custom_column
        if dot and prefix.lower() == "custom" and custom is not None and "." not in key:
            return _Target(ref, None, json_text(custom, key), number=json_number(custom, key))
        spec = self.registry.fields.get(ref.name) or self.registry.fields.get(ref.name.lower())
        if spec is None or dot:
            self.fail(self.unknown_field(ref.name), ref)
        return _Target(ref, spec.kind, spec.column, spec)

    def unknown_field(self, name: str) -> str:
        known = self.registry.known_fields()
        close = get_close_matches(name, known, n=1)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        return (
            f'unknown field "{name}" for {self.registry.entity}{hint}; '
            f"known fields: {', '.join(known)}"
        )

    def column(self, target: _Target) -> ColumnElement[Any]:
        if target.column is None:
            raise TypeError(f"field {target.ref.name!r} has no column in its FieldSpec")
        return target.column

    # --- operators -------------------------------------------------------------------

    def compare(
        self, target: _Target, op: str, value: ast.Value, node: ast.Node
    ) -> ColumnElement[bool]:
        if target.kind is FieldKind.TAGS:
            return self.has_tags(target, op, [value], node)
        if op == "~":
            return self.contains(target, value, node)
        if target.kind is None:
            return self.custom(target, op, value, node)
        if op in _ORDERING and target.kind is FieldKind.BOOLEAN:
            self.fail(f'"{op}" does not apply to true/false field "{target.ref.name}"', node)
        if target.spec is not None and target.spec.compare is not None:
            return self.computed(target.spec, op, self.operand(target, value), value)
        column = self.column(target)
        return sa.and_(column.is_not(None), _apply(column, op, self.operand(target, value)))

    def computed(
        self, spec: FieldSpec, op: str, operand: Operand, value: ast.Value
    ) -> ColumnElement[bool]:
        # ``idle_days > 100000000`` reaches back before year 1: no date can be that old.
        try:
            return spec.compare(op, operand, self.now)  # type: ignore[misc]
        except (OverflowError, ValueError):
            self.fail(f'{ast.value_text(value)} is out of range for "{spec.name}"', value)

    def in_list(
        self, target: _Target, values: Sequence[ast.Value], node: ast.Node
    ) -> ColumnElement[bool]:
        if target.kind is FieldKind.TAGS:
            return self.has_tags(target, "=", values, node)
        if target.kind is None:
            return sa.or_(*(self.custom(target, "=", value, node) for value in values))
        if target.spec is not None and target.spec.compare is not None:
            return sa.or_(*(self.compare(target, "=", value, node) for value in values))
        column = self.column(target)
        operands = [self.operand(target, value) for value in values]
        if any(isinstance(operand, DayRange) for operand in operands):
            matches = sa.or_(*(_apply(column, "=", operand) for operand in operands))
        else:
            matches = column.in_([_bind(operand) for operand in operands])
        return sa.and_(column.is_not(None), matches)

    def is_null(self, target: _Target, node: ast.Node) -> ColumnElement[bool]:
        if target.kind is FieldKind.TAGS:
            spec = target.spec
            if spec is None or spec.has_any_tag is None:
                self.fail(f'"{target.ref.name}" does not support "is null"', node)
            return sa.not_(spec.has_any_tag())
        if target.column is None:
            self.fail(f'"{target.ref.name}" always has a value; "is null" does not apply', node)
        column = self.column(target)
        if target.kind is FieldKind.TEXT and isinstance(column.type, sa.String):
            # Imports leave "" where a value is missing; treat both as "no value". (A text
            # field stored as a number, a task's priority, cannot be "" on PostgreSQL.)
            return sa.or_(column.is_(None), column == "")
        return column.is_(None)

    def has_tags(
        self, target: _Target, op: str, values: Sequence[ast.Value], node: ast.Node
    ) -> ColumnElement[bool]:
        spec = target.spec
        if op != "=" or spec is None or spec.tags is None:
            self.fail(
                f'"{target.ref.name}" is a tags field; use =, !=, in, not in or is null', node
            )
        names = [self.text(target, value) for value in values]
        return spec.tags(names)

    def contains(self, target: _Target, value: ast.Value, node: ast.Node) -> ColumnElement[bool]:
        if target.kind not in (FieldKind.TEXT, None):
            self.fail(f'"~" only works on text fields; {self.kind(target)}', node)
        if target.column is None or (target.spec is not None and target.spec.compare):
            # A computed text field (a task's status, its priority stored as a number) has
            # fixed values: compare them.
            self.fail(f'"~" does not apply to "{target.ref.name}"; use = or in', node)
        pattern = "%" + escape_like(fold(self.text(target, value))) + "%"
        column = self.column(target)
        return sa.and_(column.is_not(None), sa.func.crm_fold(column).like(pattern, escape="\\"))

    def custom(
        self, target: _Target, op: str, value: ast.Value, node: ast.Node
    ) -> ColumnElement[bool]:
        expression = self.column(target)
        operand: Operand
        match value:
            case ast.Number(number) if target.number is not None:
                expression, operand = target.number, number
            case ast.Bool(flag):
                if op in _ORDERING:
                    self.fail(f'"{op}" does not apply to true/false', node)
                operand = "true" if flag else "false"
            case ast.Text():
                operand = self.text(target, value)
            case _:
                operand = self.custom_date(target, value)
        return sa.and_(expression.is_not(None), _apply(expression, op, operand))

    def custom_date(self, target: _Target, value: ast.Value) -> str:
        moment = self.resolve(target, value)
        if isinstance(moment, datetime) or moment is None:
            self.fail(
                f'"{target.ref.name}" stores dates as text; compare it with a date '
                "such as 2026-01-31, today or -30d",
                value,
            )
        return moment.isoformat()

    # --- values ----------------------------------------------------------------------

    def text(self, target: _Target, value: ast.Value) -> str:
        if not isinstance(value, ast.Text):
            self.fail(
                f'"{target.ref.name}" compares with text; put the value in quotes: '
                f'"{_source(self.expression, value)}"',
                value,
            )
        if "\x00" in value.value:
            # PostgreSQL text cannot hold a NUL byte, and no stored value contains one.
            self.fail(f'"{target.ref.name}": text in a filter cannot contain a NUL byte', value)
        return value.value

    def operand(self, target: _Target, value: ast.Value) -> Operand:
        kind = target.kind
        if kind is FieldKind.TEXT:
            return self.text(target, value)
        if kind in (FieldKind.INTEGER, FieldKind.DECIMAL):
            if isinstance(value, ast.Number):
                return value.value
            self.fail(self.mismatch(target, "a number such as 10 or 12.50"), value)
        if kind is FieldKind.BOOLEAN:
            if isinstance(value, ast.Bool):
                return value.value
            self.fail(self.mismatch(target, "true or false"), value)
        moment = self.resolve(target, value)
        if moment is None:
            self.fail(self.mismatch(target, "a date such as 2026-01-31, today or -30d"), value)
        if kind is FieldKind.DATE:
            if isinstance(moment, datetime):
                self.fail(self.mismatch(target, "a date such as 2026-01-31 or today"), value)
            return moment
        if isinstance(moment, datetime):
            return moment
        return self.day_range(value, moment)

    def mismatch(self, target: _Target, expected: str) -> str:
        return f"{self.kind(target)}; compare it with {expected}"

    def kind(self, target: _Target) -> str:
        return f'"{target.ref.name}" has type {target.kind or "custom"}'

    def resolve(self, target: _Target, value: ast.Value) -> date | datetime | None:
        try:
            return resolve(value, self.now, self.tz)
        except (ValueError, OverflowError):
            self.fail(f"{ast.value_text(value)} is outside the calendar", value)

    def day_range(self, value: ast.Value, day: date) -> DayRange:
        try:
            return DayRange(start_of_day(day, self.tz), start_of_day(day + timedelta(1), self.tz))
        except (ValueError, OverflowError):
            self.fail(f"{ast.value_text(value)} is outside the calendar", value)


def _apply(column: ColumnElement[Any], op: str, operand: Operand) -> ColumnElement[bool]:
    if not isinstance(operand, DayRange):
        return _COMPARE[op](column, _bind(operand))
    if op == "=":
        return sa.and_(column >= operand.start, column < operand.end)
    # Whole-day semantics: "< D" is before D starts, "<= D" is before D ends, etc.
    bound = {"<": operand.start, "<=": operand.end, ">": operand.end, ">=": operand.start}[op]
    return column < bound if op in ("<", "<=") else column >= bound


def _bind(operand: Operand) -> Any:
    # Typed literals keep numbers out of the column's type: PostgreSQL would cast 2**31 to
    # INTEGER and fail, and sqlite3 cannot bind Decimal or integers beyond 64 bits.
    if isinstance(operand, bool) or not isinstance(operand, int | Decimal):
        return operand
    if isinstance(operand, int) and -(2**63) <= operand < 2**63:
        return sa.literal(operand, sa.BigInteger())
    return sa.literal(operand, sa.Numeric())


def _source(expression: str, value: ast.Value) -> str:
    return expression[value.pos : value.pos + value.length]


def _conjuncts(node: ast.Node) -> list[ast.Node]:
    if isinstance(node, ast.And):
        return [*_conjuncts(node.left), *_conjuncts(node.right)]
    return [node]


def _uses_fold(node: ast.Node) -> bool:
    match node:
        case ast.Compare(_, op, _):
            return op in ("~", "!~")
        case ast.Not(operand):
            return _uses_fold(operand)
        case ast.And(left, right) | ast.Or(left, right):
            return _uses_fold(left) or _uses_fold(right)
    return False
