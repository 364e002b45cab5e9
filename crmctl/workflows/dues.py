"""Due times relative to now: ``+24h``, ``+5d``, ``+2 workdays``, ``next workday 09:00``.

Workdays skip Saturdays, Sundays and Czech public holidays (Easter Friday and Monday
included) from the ``holidays`` library; times of day are in the configured zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

_RELATIVE = re.compile(r"^\+\s*(\d+)\s*(m|min|h|d|w)$")
_WORKDAYS = re.compile(r"^\+\s*(\d+)\s*workdays?(?:\s+(\d{1,2}):(\d{2}))?$")
_NEXT_WORKDAY = re.compile(r"^next\s+workday(?:\s+(\d{1,2}):(\d{2}))?$")
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}
EXPECTED = '"+24h", "+30m", "+5d", "+2w", "+3 workdays 09:00" or "next workday 09:00"'


@dataclass(frozen=True)
class Due:
    """A parsed due expression; ``at(now, tz)`` is the instant."""

    text: str
    delta: timedelta | None = None
    workdays: int = 0
    clock: time | None = None

    def at(self, now: datetime, tz: ZoneInfo) -> datetime:
        if self.delta is not None:
            return now + self.delta
        local = now.astimezone(tz)
        day = add_workdays(local.date(), self.workdays)
        moment = self.clock or local.time().replace(tzinfo=None)
        return datetime.combine(day, moment, tzinfo=tz)


def parse_due(text: str) -> Due | None:
    """``None`` when the text is none of the accepted forms."""
    cleaned = text.strip().lower()
    if match := _RELATIVE.match(cleaned):
        amount, unit = int(match[1]), _UNITS[match[2]]
        return Due(text, delta=timedelta(**{unit: amount}))
    if match := _WORKDAYS.match(cleaned):
        return _workdays(text, int(match[1]), match[2], match[3])
    if match := _NEXT_WORKDAY.match(cleaned):
        return _workdays(text, 1, match[1], match[2])
    return None


def _workdays(text: str, count: int, hours: str | None, minutes: str | None) -> Due | None:
    clock = _clock(hours, minutes)
    if hours is not None and clock is None:
        return None  # "25:00" is a typo, not "whatever time it is now"
    return Due(text, workdays=count, clock=clock)


def _clock(hours: str | None, minutes: str | None) -> time | None:
    if hours is None or minutes is None:
        return None
    if int(hours) > 23 or int(minutes) > 59:
        return None
    return time(int(hours), int(minutes))


@cache
def _czech_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("CZ", years=year)


def is_workday(day: date) -> bool:
    return day.weekday() < 5 and day not in _czech_holidays(day.year)


def add_workdays(start: date, count: int) -> date:
    """The ``count``-th workday after ``start`` (``start`` itself never counts)."""
    day = start
    remaining = max(count, 1)
    while remaining:
        day += timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return day
