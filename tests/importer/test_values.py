"""Cell conversions for the importer (crmctl.importer.values)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmctl.importer.model import Cell
from crmctl.importer.values import cell_text, custom_value, parse_date, parse_number

# --- cell_text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("  ACME s.r.o. \n", "ACME s.r.o."),
        (603123456.0, "603123456"),
        (25596641.0, "25596641"),
        (1234.5, "1234.5"),
        (0.1 + 0.2, "0.3"),
        (-0.0, "0"),
        (1e-20, "1e-20"),
        (25596641, "25596641"),
        (Decimal("1234.50"), "1234.50"),
        (Decimal("1E+3"), "1000"),
        (True, "true"),
        (False, "false"),
        (date(2024, 3, 1), "2024-03-01"),
        (datetime(2024, 3, 1), "2024-03-01"),
        (datetime(2024, 3, 1, 10, 5, 7, 123), "2024-03-01T10:05:07"),
        (["jan@acme.cz", " eva@acme.cz "], "jan@acme.cz; eva@acme.cz"),
        (["", " "], None),
        ([], None),
        (time(10, 30), "10:30:00"),
    ],
)
def test_cell_text(value: Cell, expected: str | None) -> None:
    assert cell_text(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("'+420271123456", "+420271123456"),
        ("'=SUM(A1)", "=SUM(A1)"),
        ("'-5", "-5"),
        ("'@home", "@home"),
        (" '+420 ", "+420"),
        # Only before a formula character: other apostrophes are the user's text.
        ("'quoted'", "'quoted'"),
        ("'", "'"),
        ("O'Neil", "O'Neil"),
    ],
)
def test_cell_text_removes_formula_protection(value: str, expected: str) -> None:
    assert cell_text(value) == expected


def test_cell_text_of_a_str_subclass() -> None:
    class Name(str):
        pass

    assert cell_text(Name(" x ")) == "x"


# --- parse_date -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.3.2024", date(2024, 3, 1)),
        ("01.03.2024", date(2024, 3, 1)),
        ("1. 3. 2024", date(2024, 3, 1)),
        (" 31.12.1999 ", date(1999, 12, 31)),
        ("2024-03-01", date(2024, 3, 1)),
        ("2024-3-1", date(2024, 3, 1)),
        ("29.2.2024", date(2024, 2, 29)),
        ("29.2.2023", None),
        ("31.4.2024", None),
        ("1.3.24", None),
        ("1.3.", None),
        ("2024-13-01", None),
        ("1.3.2024 10:00", None),
        ("25596641", None),
        ("", None),
        ("zítra", None),
    ],
)
def test_parse_date(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


# --- parse_number -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        ("-12", -12),
        ("+12", 12),
        ("\u221212", -12),
        (" 0 ", 0),
        ("00123", 123),
        ("1234,5", 1234.5),
        ("-0,75", -0.75),
        ("1 234,50", 1234.5),
        ("1\u00a0234,50", 1234.5),
        ("1\u202f234\u202f567", 1234567),
        ("12 345 678", 12345678),
        ("1.234,50", 1234.5),
        ("1.234.567", 1234567),
        ("1.234.567,8", 1234567.8),
        ("12.5", 12.5),
        ("1.234", 1.234),
    ],
)
def test_parse_number(text: str, expected: float) -> None:
    result = parse_number(text)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  ",
        "abc",
        "12 kusů",
        "1,2,3",
        "1 23",
        "12 3456",
        "1.23,4",
        "1.2.2024",
        "1,",
        ",5",
        "--1",
        "1 234.50",
        "٣",
        "²",
        "1e5",
        "nan",
    ],
)
def test_not_a_number(text: str) -> None:
    assert parse_number(text) is None


def czech_format(value: Decimal, group: str, grouped: bool) -> str:
    """Format like Czech Excel: thousands grouped, decimal comma."""
    sign = "-" if value < 0 else ""
    whole, _, fraction = f"{abs(value):f}".partition(".")
    if grouped:
        head = len(whole) % 3 or 3
        whole = group.join([whole[:head]] + [whole[i : i + 3] for i in range(head, len(whole), 3)])
    return sign + whole + ("," + fraction if fraction else "")


@given(
    value=st.decimals(
        min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=2, allow_nan=False
    ),
    group=st.sampled_from([" ", "\u00a0", "\u202f", "."]),
    grouped=st.booleans(),
)
def test_parse_number_reads_czech_formatted_decimals(
    value: Decimal, group: str, grouped: bool
) -> None:
    text = czech_format(value, group, grouped)
    parsed = parse_number(text)
    assert parsed is not None, text
    assert parsed == float(value)


@given(value=st.integers(min_value=-(10**15), max_value=10**15), group=st.sampled_from(" \u00a0"))
def test_parse_number_reads_grouped_integers(value: int, group: str) -> None:
    text = czech_format(Decimal(value), group, grouped=True)
    assert parse_number(text) == value
    assert type(parse_number(text)) is int


# --- custom_value -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("  ", None),
        (" zlatý zákazník ", "zlatý zákazník"),
        ("1.3.2024", "2024-03-01"),
        ("1. 3. 2024", "2024-03-01"),
        ("2024-03-01", "2024-03-01"),
        ("1 234,50", 1234.5),
        ("-12", -12),
        ("42", 42),
        ("12.5", 12.5),
        ("00123", "00123"),
        ("0", 0),
        ("0,5", 0.5),
        ("+420 603 123 456", "+420 603 123 456"),
        ("'+420271123456", "+420271123456"),
        ("12 kusů", "12 kusů"),
        (True, True),
        (False, False),
        (7, 7),
        (7.0, 7),
        (7.25, 7.25),
        (Decimal("3"), 3),
        (Decimal("3.5"), 3.5),
        (date(2024, 3, 1), "2024-03-01"),
        (datetime(2024, 3, 1), "2024-03-01"),
        (datetime(2024, 3, 1, 8, 30), "2024-03-01T08:30:00"),
        (["a", "b"], "a; b"),
    ],
)
def test_custom_value(value: Cell, expected: object) -> None:
    result = custom_value(value)
    assert result == expected
    assert type(result) is type(expected)
