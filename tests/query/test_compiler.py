"""Compiled filters run against SQLite and PostgreSQL must select the same rows."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from crmctl.errors import FilterError, UsageError
from crmctl.query import compile_where
from crmctl.query.dates import add_months, parse_moment, start_of_day

from .conftest import ALL_IDS, NOW, REGISTRY, TZ

SelectIds = Callable[[str], set[int]]

TEXT_CASES = [
    ('name = "Dvořák s.r.o."', {1}),
    ('city = "Praha"', {1}),  # = is case-sensitive, as stored
    ('City = "Praha"', {1}),  # field names are not
    ('city != "Praha"', {2, 3, 4, 5, 6}),  # a missing city is "not Praha"
    ('city ~ "praha"', {1, 6}),
    ('name ~ "dvorak"', {1, 6}),
    ('name ~ "DVOŘ"', {1, 6}),
    ('name ~ "STASTNY"', {2}),
    ('name !~ "dvorak"', {2, 3, 4, 5}),
    ('name ~ "100%"', {3}),  # unescaped, % would also match "1000"
    ('name ~ "a_c"', {4}),  # unescaped, _ would also match "DataXCentrum"
    (r'name ~ "c:\temp"', {6}),  # a lone backslash is literal, also in LIKE
    ("city is null", {4, 5}),  # the empty string counts as missing
    ("city is not null", {1, 2, 3, 6}),
    ('city in ("Praha", "Brno")', {1, 2}),
    ('city not in ("Praha", "Brno")', {3, 4, 5, 6}),
    ('name = "x\'; drop table companies; --"', set()),
]
NUMBER_CASES = [
    ("id in (1, 3)", {1, 3}),
    ("employees = 12", {1}),
    ("employees != 5", {1, 3, 4, 5, 6}),
    ("employees > 10", {1, 4, 6}),
    ("employees >= 12", {1, 4, 6}),
    ("employees < 12", {2, 5}),
    ("employees <= 5", {2, 5}),
    ("employees > 10.5", {1, 4, 6}),
    ("employees > -1", {1, 2, 4, 5, 6}),
    ("employees in (0, 5)", {2, 5}),
    ("employees is null", {3}),
    ("revenue = 12.50", {6}),
    ("revenue = 12.5", {6}),
    ("revenue > 1000", {1, 4}),
    ("revenue >= 99.99", {1, 2, 4}),
    ("revenue < 100", {2, 5, 6}),
    ("active = true", {1, 3, 6}),
    ("active = FALSE", {2, 5}),
    ("active != true", {2, 4, 5}),
    ("active in (true)", {1, 3, 6}),
    ("active is null", {4}),
]
# NOW is 2026-03-10 13:00 in Prague; -30d is 2026-02-08, which starts at 2026-02-07T23:00Z.
DATE_CASES = [
    ("founded = 2020-01-31", {1}),
    ('founded = "2026-03-09"', {2}),
    ("founded < 2000-01-01", {4}),
    ("founded = today", {6}),
    ("founded = yesterday", {2}),
    ("founded = tomorrow", {5}),
    ("founded >= yesterday", {2, 5, 6}),
    ("founded >= -1d", {2, 5, 6}),
    ("founded > +0d", {5}),
    ("founded < -1y", {1, 4}),
    ("founded is null", {3}),
    ("created_at = today", {1, 5}),
    ("created_at != today", {2, 3, 4, 6}),
    ("created_at = yesterday", {2}),
    ("created_at = tomorrow", {6}),
    ("created_at >= today", {1, 5, 6}),
    ("created_at < today", {2, 3, 4}),
    ("created_at <= yesterday", {2, 3, 4}),
    ("created_at > yesterday", {1, 5, 6}),
    ("created_at >= -30d", {1, 2, 3, 5, 6}),
    ("created_at < -30d", {4}),
    ("created_at = 2026-02-08", {3}),
    ("created_at >= -1m", {1, 2, 5, 6}),
    ("created_at >= -4w", {1, 2, 5, 6}),
    ("created_at >= -12h", {5, 6}),
    ("created_at < now", {1, 2, 3, 4, 5}),
    ("created_at >= 2026-03-10T00:30", {1, 5, 6}),  # naive: Prague time
    ("created_at > 2026-03-09T23:30:00Z", {5, 6}),
    ("created_at >= 2026-03-10T00:30:00+01:00", {1, 5, 6}),
    ("created_at in (yesterday, tomorrow)", {2, 6}),
    ("created_at in (yesterday, 2026-03-10T11:00:00Z)", {2, 5}),
]
CUSTOM_CASES = [
    ('custom.segment = "A"', {1}),
    ('custom.segment != "A"', {2, 3, 4, 5, 6}),
    ('custom.segment ~ "a"', {1, 6}),
    ('custom.segment in ("A", "B")', {1, 2}),
    ("custom.segment is null", {3, 4, 5}),
    ("custom.segment is not null", {1, 2, 6}),
    ("custom.size = 10", {1}),
    ("custom.size > 10", {3}),  # "12" is stored as text, so it is not a number
    ("custom.size >= 10", {1, 3}),
    ("custom.size = 12.5", {3}),
    ('custom.size = "12"', {2}),
    ('custom.size = "10"', {1}),  # numbers read as text look the same on both databases
    ("custom.vip = true", {1}),
    ("custom.vip = false", {2}),
    ("custom.renewal < 2026-05-01", {1}),
    ("custom.renewal > today", {1}),
]
TAG_CASES = [
    ('tags = "vip"', {1, 2}),
    ('tags != "vip"', {3, 4, 5, 6}),
    ('tags in ("partner", "Key Account")', {1, 4, 5}),
    ('tags not in ("vip", "partner")', {3, 5, 6}),
    ("tags is null", {3, 6}),
    ("tags is not null", {1, 2, 4, 5}),
]
LOGIC_CASES = [
    ('city = "Praha" or city = "Brno"', {1, 2}),
    ('not city = "Praha"', {2, 3, 4, 5, 6}),
    ("not (employees < 10)", {1, 3, 4, 6}),  # two-valued: a missing count is not < 10
    ('tags = "vip" or active = true and employees > 20', {1, 2, 6}),
    ('(tags = "vip" or active = true) and employees > 20', {6}),
    ('NOT city = "Praha" AND active IS NOT NULL', {2, 3, 5, 6}),
    ("not not active = true", {1, 3, 6}),
]


@pytest.mark.parametrize(
    ("expression", "expected"),
    TEXT_CASES + NUMBER_CASES + DATE_CASES + CUSTOM_CASES + TAG_CASES + LOGIC_CASES,
)
def test_selects_expected_rows(select_ids: SelectIds, expression: str, expected: set[int]) -> None:
    assert select_ids(expression) == expected


def test_negation_complements_every_case(select_ids: SelectIds) -> None:
    # Two-valued logic: "not X" always selects exactly the rows X does not.
    for expression, expected in TEXT_CASES[:6] + NUMBER_CASES[:6] + CUSTOM_CASES[:3]:
        assert select_ids(f"not ({expression})") == ALL_IDS - expected, expression


def _error(expression: str) -> FilterError:
    with pytest.raises(FilterError) as info:
        compile_where(expression, REGISTRY, now=NOW, tz=TZ)
    return info.value


def test_unknown_field_lists_known_fields() -> None:
    error = _error('nmae = "x"')
    assert error.message == (
        'unknown field "nmae" for companies (did you mean "name"?); known fields: active, '
        "city, created_at, employees, founded, id, name, revenue, tags, custom.KEY"
    )
    assert (error.position, error.detail) == (0, '  nmae = "x"\n  ^^^^')


@pytest.mark.parametrize(
    ("expression", "fragment", "position"),
    [
        ("custom.a.b = 1", 'unknown field "custom.a.b"', 0),
        ('tags ~ "vip"', "is a tags field", 5),
        ("tags = 1", 'put the value in quotes: "1"', 7),
        ('employees ~ "1"', '"~" only works on text fields; "employees" has type integer', 10),
        ("active < true", '"<" does not apply to true/false', 7),
        ('created_at > "yesterday"', '"created_at" has type datetime', 13),
        ("founded = now", '"founded" has type date', 10),
        ('employees = "12"', "compare it with a number", 12),
        ("name = 12", 'put the value in quotes: "12"', 7),
        ("active = 1", "compare it with true or false", 9),
        ("custom.renewal > now", "stores dates as text", 17),
        ("custom.vip < true", '"<" does not apply', 11),
        ("founded > +99999999y", "outside the calendar", 10),
        ("created_at = 9999-12-31", "outside the calendar", 13),
    ],
)
def test_type_errors_point_at_the_culprit(expression: str, fragment: str, position: int) -> None:
    error = _error(expression)
    assert fragment in error.message
    assert error.position == position


@given(st.text(alphabet=st.sampled_from(list("abnot ()=<>!~\"'-.,3dT:_tagscustom")), max_size=40))
def test_compiling_arbitrary_text_raises_only_filter_errors(expression: str) -> None:
    with contextlib.suppress(FilterError):
        compile_where(expression, REGISTRY, now=NOW, tz=TZ)


def test_local_days_follow_daylight_saving() -> None:
    # 2026-03-29 is 23 hours long in Prague.
    assert start_of_day(date(2026, 3, 29), TZ) == datetime(2026, 3, 28, 23, tzinfo=UTC)
    assert start_of_day(date(2026, 3, 30), TZ) == datetime(2026, 3, 29, 22, tzinfo=UTC)


def test_months_clamp_to_the_last_day() -> None:
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2026, 1, 15), -13) == date(2024, 12, 15)


def test_parse_moment_reads_option_values() -> None:
    assert parse_moment("-30d", NOW, TZ, "--since") == datetime(2026, 2, 7, 23, tzinfo=UTC)
    assert parse_moment("-12h", NOW, TZ, "--since") == datetime(2026, 3, 10, tzinfo=UTC)
    assert parse_moment("2026-01-31T10:00", NOW, TZ, "--since") == datetime(
        2026, 1, 31, 9, tzinfo=UTC
    )
    with pytest.raises(UsageError, match="--until 'soon' is not a date"):
        parse_moment("soon", NOW, TZ, "--until")


def test_compiled_sql_binds_values() -> None:
    # User text must reach the database as parameters, never inside the SQL string.
    sql = str(compile_where('name = "evil\'--"', REGISTRY, now=NOW, tz=TZ).compile())
    assert "evil" not in sql
    assert isinstance(compile_where("id = 1", REGISTRY, now=NOW, tz=TZ), sa.ColumnElement)
