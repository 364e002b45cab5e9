"""Reporting periods: a year ``2027``, a quarter ``2027-Q1`` or a month ``2027-01``."""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date

from crmctl.errors import UsageError

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
EXPECTED = "a year (2027), a quarter (2027-Q1) or a month (2027-01)"


@dataclass(frozen=True)
class Period:
    key: str  # 2027, 2027-Q1 or 2027-01, as written back
    start: date
    end: date  # inclusive


def parse_period(text: str, option: str = "--period") -> Period:
    value = text.strip()
    try:
        if match := _YEAR.match(value):
            year = int(match[1])
            return Period(str(year), date(year, 1, 1), date(year, 12, 31))
        if match := _QUARTER.match(value):
            year, quarter = int(match[1]), int(match[2])
            first = 3 * quarter - 2
            last = date(year, first + 2, monthrange(year, first + 2)[1])
            return Period(f"{year}-Q{quarter}", date(year, first, 1), last)
        if match := _MONTH.match(value):
            year, month = int(match[1]), int(match[2])
            return Period(f"{year}-{month:02d}", date(year, month, 1),
                          date(year, month, monthrange(year, month)[1]))  # fmt: skip
    except ValueError:
        pass
    raise UsageError(f"{option} {text!r}: give {EXPECTED}")
