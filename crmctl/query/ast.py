"""The filter AST (frozen dataclasses) and ``to_text``, its inverse of ``parse``.

Source positions are kept for error carets but excluded from equality, so a tree
printed by ``to_text`` and parsed again compares equal to the original.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class Spanned:
    pos: int = field(default=0, kw_only=True, compare=False, repr=False)
    length: int = field(default=1, kw_only=True, compare=False, repr=False)


# --- values -------------------------------------------------------------------------


@dataclass(frozen=True)
class Value(Spanned):
    pass


@dataclass(frozen=True)
class Text(Value):
    value: str


@dataclass(frozen=True)
class Number(Value):
    value: int | Decimal


@dataclass(frozen=True)
class Bool(Value):
    value: bool


@dataclass(frozen=True)
class DateValue(Value):
    value: date


@dataclass(frozen=True)
class DateTimeValue(Value):
    value: datetime  # naive means "in the caller's time zone"


@dataclass(frozen=True)
class Relative(Value):
    name: str  # today | yesterday | tomorrow | now


@dataclass(frozen=True)
class Offset(Value):
    amount: int  # signed
    unit: str  # d | w | m | y | h


# --- conditions (the span of Compare/In/IsNull is their operator) ------------------


@dataclass(frozen=True)
class FieldRef(Spanned):
    name: str


@dataclass(frozen=True)
class Node(Spanned):
    pass


@dataclass(frozen=True)
class Compare(Node):
    field: FieldRef
    op: str  # = != < <= > >= ~ !~
    value: Value


@dataclass(frozen=True)
class In(Node):
    field: FieldRef
    values: tuple[Value, ...]
    negated: bool = False


@dataclass(frozen=True)
class IsNull(Node):
    field: FieldRef
    negated: bool = False


@dataclass(frozen=True)
class Not(Node):
    operand: Node


@dataclass(frozen=True)
class And(Node):
    left: Node
    right: Node


@dataclass(frozen=True)
class Or(Node):
    left: Node
    right: Node


def to_text(node: Node) -> str:
    """Print a tree back as an expression, with only the parentheses it needs."""
    match node:
        case Or(left, right):
            return f"{_operand(left, 1)} or {_operand(right, 1, right_side=True)}"
        case And(left, right):
            return f"{_operand(left, 2)} and {_operand(right, 2, right_side=True)}"
        case Not(operand):
            return f"not {_operand(operand, 3)}"
        case Compare(ref, op, value):
            return f"{ref.name} {op} {value_text(value)}"
        case In(ref, values, negated):
            items = ", ".join(value_text(v) for v in values)
            return f"{ref.name} {'not in' if negated else 'in'} ({items})"
        case IsNull(ref, negated):
            return f"{ref.name} is {'not null' if negated else 'null'}"
    raise TypeError(f"not a filter node: {node!r}")


def field_refs(node: Node) -> Iterator[FieldRef]:
    """Every field a filter reads, in the order written."""
    match node:
        case And(left, right) | Or(left, right):
            yield from field_refs(left)
            yield from field_refs(right)
        case Not(operand):
            yield from field_refs(operand)
        case Compare(ref, _, _) | In(ref, _, _) | IsNull(ref, _):
            yield ref
        case _:
            raise TypeError(f"not a filter node: {node!r}")


def _precedence(node: Node) -> int:
    return {Or: 1, And: 2, Not: 3}.get(type(node), 4)


def _operand(node: Node, parent: int, *, right_side: bool = False) -> str:
    # and/or parse left-associatively, so a right child of equal precedence needs parens.
    own = _precedence(node)
    needs_parens = own < parent or (right_side and own == parent)
    text = to_text(node)
    return f"({text})" if needs_parens else text


def value_text(value: Value) -> str:
    match value:
        case Text(text):
            return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        case Number(number):
            return format(number, "f") if isinstance(number, Decimal) else str(number)
        case Bool(flag):
            return "true" if flag else "false"
        case DateValue(day) | DateTimeValue(day):
            return day.isoformat()
        case Relative(name):
            return name
        case Offset(amount, unit):
            return f"{amount:+d}{unit}"
    raise TypeError(f"not a filter value: {value!r}")
