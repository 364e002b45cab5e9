"""Issue 17 item 9: the one Czech presentation module, and the periods reports take."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from crmctl import present
from crmctl.config import Setting, Settings
from crmctl.dates import parse_day
from crmctl.errors import UsageError
from crmctl.reports.period import parse_bound, parse_period

NBSP = "\u00a0"


def test_money_percent_and_dates_in_czech() -> None:
    assert present.money(Decimal("1250000.5")) == f"1{NBSP}250{NBSP}000,50{NBSP}Kč"
    assert present.money(Decimal("-12.345"), "EUR") == f"-12,35{NBSP}€"
    assert present.money(Decimal("7"), "PLN") == f"7,00{NBSP}PLN"
    assert present.percent(Decimal("16.66")) == f"16,7{NBSP}%"
    assert present.number(Decimal("1234.25"), 1) == f"1{NBSP}234,3"
    assert present.day(date(2026, 12, 7)) == "7. 12. 2026"
    assert present.day(datetime(2026, 12, 7, 23, 0)) == "7. 12. 2026"
    assert present.money(None) == present.percent(None) == present.day(None) == ""


def test_english_formats_and_words() -> None:
    assert present.money(Decimal("1250000.5"), "CZK", "en") == f"CZK{NBSP}1,250,000.50"
    assert present.percent(Decimal("25"), "en") == "25.0%"
    assert present.day(date(2026, 12, 7), "en") == "2026-12-07"
    assert present.word("weighted") == "Vážená hodnota"
    assert present.word("weighted", "en") == "Weighted"
    assert present.word("unknown_key", "cs", "Fallback") == "Fallback"
    assert present.status("won") == "Vyhráno" and present.status("won", "en") == "Won"


def test_language_from_environment_then_config(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(values={"language": Setting("en", "config file")})
    monkeypatch.delenv("CRM_LANG", raising=False)
    assert present.language() == "cs"
    assert present.language(settings) == "en"
    monkeypatch.setenv("CRM_LANG", "cs_CZ.UTF-8")
    assert present.language(settings) == "cs"
    monkeypatch.setenv("CRM_LANG", "de")
    assert present.language() == "cs"  # unknown: Czech


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2027", date(2027, 1, 1), date(2027, 12, 31)),
        ("2027-Q1", date(2027, 1, 1), date(2027, 3, 31)),
        ("2027-q4", date(2027, 10, 1), date(2027, 12, 31)),
        ("2027-02", date(2027, 2, 1), date(2027, 2, 28)),
        ("2028-02", date(2028, 2, 1), date(2028, 2, 29)),
        ("2027-03-15", date(2027, 3, 15), date(2027, 3, 15)),
        ("31. 3. 2027", date(2027, 3, 31), date(2027, 3, 31)),
        ("1.4.2027", date(2027, 4, 1), date(2027, 4, 1)),
    ],
)
def test_period_bounds(text: str, first: date, last: date) -> None:
    assert parse_bound(text, "--from", end=False) == first
    assert parse_bound(text, "--to", end=True) == last


@pytest.mark.parametrize("text", ["2027-Q5", "2027-13", "31. 2. 2027", "next week", "27"])
def test_bad_period_bounds_name_the_option_and_the_forms(text: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_bound(text, "--to", end=True)
    assert "--to" in raised.value.message and "2027-Q1" in raised.value.message


def test_period_order_and_local_instants() -> None:
    with pytest.raises(UsageError):
        parse_period("2027-03", "2027-01")
    period = parse_period("2027-Q1", "2027-Q1")
    prague = ZoneInfo("Europe/Prague")
    assert str(period.start_utc(prague)) == "2026-12-31 23:00:00+00:00"
    assert str(period.end_utc(prague)) == "2027-03-31 22:00:00+00:00"  # after CEST began


def test_czech_day_parser() -> None:
    assert parse_day("31. 3. 2027") == date(2027, 3, 31)
    assert parse_day(" 2027-03-31 ") == date(2027, 3, 31)
    assert parse_day("31. 2. 2027") is None and parse_day("31/3/2027") is None
