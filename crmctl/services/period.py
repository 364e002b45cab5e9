"""The period every report takes: ``--from``/``--to`` as a year, quarter, month or day.

``2027`` is the whole year, ``2027-Q1`` the quarter, ``2027-01`` the month, and a day is
``2027-01-31`` or ``31. 1. 2027``. Both bounds are inclusive: ``--from`` takes the first
day of what it names, ``--to`` the last. Days are local days in the configured time zone,
so a period is the UTC instants from local midnight of the first day to local midnight
after the last.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from crmctl.dates import parse_day
from crmctl.errors import UsageError
from crmctl.query.dates import start_of_day

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
BOUND_HELP = "a year (2027), quarter (2027-Q1), month (2027-01) or day (2027-03-31, 31. 3. 2027)"


@dataclass(frozen=True)
class Period:
    """Inclusive local days; ``None`` is an open end."""

    start: date | None = None
    end: date | None = None

    def start_utc(self, tz: ZoneInfo) -> datetime | None:
        return start_of_day(self.start, tz) if self.start else None

    def end_utc(self, tz: ZoneInfo) -> datetime | None:
        """The first instant after the period (exclusive upper bound)."""
        return start_of_day(self.end + timedelta(days=1), tz) if self.end else None

    def contains(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def params(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
        }


def parse_bound(text: str | None, option: str, *, end: bool) -> date | None:
    """The first (``end=False``) or last day of what ``text`` names; ``None`` if empty."""
    if text is None or not text.strip():
        return None
    value = text.strip()
    try:
        found = _span(value)
    except ValueError:
        found = None
    if found is None:
        raise UsageError(f"{option} {value!r}: give {BOUND_HELP}")
    return found[1] if end else found[0]


def _span(value: str) -> tuple[date, date] | None:
    if match := _YEAR.match(value):
        year = int(match[1])
        return date(year, 1, 1), date(year, 12, 31)
    if match := _QUARTER.match(value):
        year, first_month = int(match[1]), 3 * int(match[2]) - 2
        return date(year, first_month, 1), _month_end(year, first_month + 2)
    if match := _MONTH.match(value):
        year, month = int(match[1]), int(match[2])
        return date(year, month, 1), _month_end(year, month)
    day = parse_day(value)
    return (day, day) if day else None


def _month_end(year: int, month: int) -> date:
    return date(year, month, monthrange(year, month)[1])


def parse_period(start: str | None, end: str | None) -> Period:
    """``--from``/``--to`` as a ``Period``; a reversed pair is a usage error."""
    lower = parse_bound(start, "--from", end=False)
    upper = parse_bound(end, "--to", end=True)
    if lower and upper and lower > upper:
        raise UsageError(f"--from {start} is after --to {end}; swap them")
    return Period(lower, upper)
