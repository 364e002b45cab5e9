from __future__ import annotations

from decimal import Decimal

import pytest

from crmctl.errors import ValidationError
from crmctl.money import currency_code, parse_money


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("1 250 000,50", "1250000.50", None),
        ("1250000.5", "1250000.50", None),
        ("12 000 Kč", "12000.00", "CZK"),
        ("12 000,- Kč", "12000.00", "CZK"),
        ("€1,200", "1200.00", "EUR"),
        ("$3,500.25", "3500.25", "USD"),
        ("1.250.000", "1250000.00", None),
        ("1.250.000,75 CZK", "1250000.75", "CZK"),
        ("0,5", "0.50", None),
        ("1\u00a0500", "1500.00", None),
        ("EUR 99", "99.00", "EUR"),
    ],
)
def test_parses_written_amounts(text: str, amount: str, currency: str | None) -> None:
    value, named = parse_money(text)
    assert isinstance(value, Decimal)
    assert (value, named) == (Decimal(amount), currency)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "not an amount"),
        ("-5", "not an amount"),
        ("1.234", "more than two decimal places"),
        ("12 EUR USD", "two currencies"),
        ("1 000 000 000 000 000", "too large"),
    ],
)
def test_refuses_what_is_not_an_amount(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_money(text)


def test_currency_codes() -> None:
    assert currency_code("kč") == "CZK"
    assert currency_code("eur") == "EUR"
    with pytest.raises(ValidationError):
        currency_code("euro")
