"""The parser: structure, literals, error messages with carets, and round trips."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmctl.errors import FilterError
from crmctl.query import parse, to_text
from crmctl.query.ast import (
    And,
    Bool,
    Compare,
    DateTimeValue,
    DateValue,
    FieldRef,
    In,
    IsNull,
    Node,
    Not,
    Number,
    Offset,
    Or,
    Relative,
    Text,
    Value,
)
from crmctl.query.parser import KEYWORDS


def cmp(name: str, op: str, value: Value) -> Compare:
    return Compare(FieldRef(name), op, value)


A, B, C = (cmp(name, "=", Number(1)) for name in "abc")


@pytest.mark.parametrize(
    ("expression", "tree"),
    [
        ("a = 1 or b = 1 and c = 1", Or(A, And(B, C))),
        ("a = 1 and b = 1 or c = 1", Or(And(A, B), C)),
        ("not a = 1 and b = 1", And(Not(A), B)),
        ("not (a = 1 and b = 1)", Not(And(A, B))),
        ("(a = 1 or b = 1) and c = 1", And(Or(A, B), C)),
        ("a = 1 or b = 1 or c = 1", Or(Or(A, B), C)),
        ("a = 1 and (b = 1 or c = 1)", And(A, Or(B, C))),
        ("((a = 1))", A),
        ("NOT a = 1 OR b = 1 AnD c = 1", Or(Not(A), And(B, C))),
    ],
)
def test_precedence_and_parentheses(expression: str, tree: Node) -> None:
    assert parse(expression) == tree


@pytest.mark.parametrize("op", ["=", "!=", "<", "<=", ">", ">=", "~", "!~"])
def test_comparison_operators(op: str) -> None:
    assert parse(f'name {op} "x"') == cmp("name", op, Text("x"))
    assert parse(f'name{op}"x"') == cmp("name", op, Text("x"))


@pytest.mark.parametrize(
    ("expression", "tree"),
    [
        ('city in ("a", "b")', In(FieldRef("city"), (Text("a"), Text("b")))),
        ("city NOT IN (1)", In(FieldRef("city"), (Number(1),), negated=True)),
        ("city is null", IsNull(FieldRef("city"))),
        ("city IS NOT NULL", IsNull(FieldRef("city"), negated=True)),
        ("custom.segment = 'A'", cmp("custom.segment", "=", Text("A"))),
    ],
)
def test_list_and_null_operators(expression: str, tree: Node) -> None:
    assert parse(expression) == tree


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ('"Dvořák"', Text("Dvořák")),
        ("'it\\'s'", Text("it's")),
        ('"say \\"hi\\""', Text('say "hi"')),
        ('"back\\\\slash"', Text("back\\slash")),
        (r'"C:\temp"', Text("C:\\temp")),
        ('""', Text("")),
        ("42", Number(42)),
        ("-7", Number(-7)),
        ("12.50", Number(Decimal("12.50"))),
        ("TRUE", Bool(True)),
        ("false", Bool(False)),
        ("2026-01-31", DateValue(date(2026, 1, 31))),
        ("2026-01-31T10:00", DateTimeValue(datetime(2026, 1, 31, 10))),
        ("2026-01-31T10:00:00Z", DateTimeValue(datetime(2026, 1, 31, 10, tzinfo=UTC))),
        (
            "2026-01-31T10:00+01:00",
            DateTimeValue(datetime(2026, 1, 31, 10, tzinfo=timezone(timedelta(hours=1)))),
        ),
        ("today", Relative("today")),
        ("Yesterday", Relative("yesterday")),
        ("tomorrow", Relative("tomorrow")),
        ("NOW", Relative("now")),
        ("-30d", Offset(-30, "d")),
        ("+2w", Offset(2, "w")),
        ("-3m", Offset(-3, "m")),
        ("+1y", Offset(1, "y")),
        ("-12H", Offset(-12, "h")),
    ],
)
def test_values(literal: str, value: Value) -> None:
    assert parse(f"x = {literal}") == cmp("x", "=", value)


def test_decimals_stay_exact() -> None:
    node = parse("revenue = 0.10")
    assert isinstance(node, Compare) and isinstance(node.value, Number)
    assert node.value.value == Decimal("0.10") and isinstance(node.value.value, Decimal)


@pytest.mark.parametrize(
    ("expression", "message", "detail"),
    [
        ("name = @x", 'unexpected character "@" at column 8', "  name = @x\n         ^"),
        ("name = 'abc", "unterminated string starting at column 8", "  name = 'abc\n         ^^^^"),
        ("name =", 'expected a value after "=" at column 7', "  name =\n        ^"),
        ("name = and", 'expected a value after "=" at column 8', "  name = and\n         ^^^"),
        ("(a = 1", 'missing ")" at column 7 to close the "(" at column 1', "  (a = 1\n        ^"),
        ("a = 1 b = 2", 'unexpected "b" at column 7', "  a = 1 b = 2\n        ^"),
        ("a = 1)", 'unexpected ")" at column 6', "  a = 1)\n       ^"),
        ("d > -30x", 'bad relative date "-30x" at column 5', "  d > -30x\n      ^^^^"),
        ("d > 30d", 'bad relative date "30d" at column 5', "  d > 30d\n      ^^^"),
        ("d > 12abc", 'bad value "12abc"', "  d > 12abc\n      ^^^^^"),
        (
            "d = 2026-02-30",
            'invalid value "2026-02-30" at column 5',
            "  d = 2026-02-30\n      ^^^^^^^^^^",
        ),
        ("name = acme", '"acme" at column 8 is not a value; put text in quotes', None),
        ("name = null", 'use "is null" or "is not null"', None),
        ("name", 'expected an operator after "name" at column 5', None),
        ("name is empty", 'expected "null" or "not null" after "is"', None),
        ("name not like 'x'", 'expected "in" after "not" at column 10', None),
        ("name in 'x'", 'expected "(" after "in" at column 9', None),
        ("name in ('x' 'y')", 'expected "," or ")" at column 14', None),
        ("name in ()", 'expected a value after "(" at column 10', None),
        ("= 1", "expected a field name at column 1", None),
        ("true = 1", 'expected a field name at column 1, found "true"', None),
        ("   ", "empty --where expression", None),
        ("x = 1" + "0" * 5000, 'invalid value "10000', None),
        ('x = "a\0b"', "invalid character at column 7", None),
        ("(" * 200 + "a = 1" + ")" * 200, "nested deeper than 100 levels", None),
    ],
)
def test_errors(expression: str, message: str, detail: str | None) -> None:
    with pytest.raises(FilterError) as info:
        parse(expression)
    assert message in info.value.message
    if detail is not None:
        assert info.value.detail == detail


# --- round trip: random trees print to text and parse back to the same tree --------

_ident = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True).filter(
    lambda name: name.lower() not in KEYWORDS
)
field_refs = st.builds(FieldRef, st.one_of(_ident, _ident.map(lambda key: f"custom.{key}")))
_offsets = st.sampled_from([None, UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5))])
values: st.SearchStrategy[Value] = st.one_of(
    st.builds(Text, st.text(st.characters(codec="utf-8", exclude_characters="\0"))),
    st.builds(Number, st.integers()),
    st.builds(Number, st.decimals(allow_nan=False, allow_infinity=False, places=2)),
    st.builds(Bool, st.booleans()),
    st.builds(DateValue, st.dates()),
    st.builds(DateTimeValue, st.datetimes(timezones=_offsets)),
    st.builds(Relative, st.sampled_from(["today", "yesterday", "tomorrow", "now"])),
    st.builds(Offset, st.integers(-10_000, 10_000), st.sampled_from(list("dwmyh"))),
)
_ops = st.sampled_from(["=", "!=", "<", "<=", ">", ">=", "~", "!~"])
conditions = st.one_of(
    st.builds(Compare, field_refs, _ops, values),
    st.builds(In, field_refs, st.lists(values, min_size=1, max_size=3).map(tuple), st.booleans()),
    st.builds(IsNull, field_refs, st.booleans()),
)
trees: st.SearchStrategy[Node] = st.recursive(
    conditions,
    lambda children: st.one_of(
        st.builds(Not, children),
        st.builds(And, children, children),
        st.builds(Or, children, children),
    ),
    max_leaves=8,
)


@given(trees)
def test_round_trip(tree: Node) -> None:
    assert parse(to_text(tree)) == tree


@given(st.text(max_size=60))
def test_arbitrary_text_raises_only_filter_errors(expression: str) -> None:
    with contextlib.suppress(FilterError):
        parse(expression)


@given(
    st.text(
        alphabet=st.sampled_from(list("ab not and or in is null ()=<>!~\"'\\-+.,3dT:")), max_size=60
    )
)
def test_filter_like_text_raises_only_filter_errors(expression: str) -> None:
    try:
        tree = parse(expression)
    except FilterError:
        return
    assert parse(to_text(tree)) == tree
