"""Resolving date values: calendar dates stay dates, instants become aware UTC.

``-30d``/``-2w``/``-3m``/``-1y`` and ``today`` are calendar days in the caller's time zone;
``now`` and ``-12h`` are instants. A naive ISO date-time is read in the caller's zone.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from crmctl.dates import is_czech_day, parse_day
from crmctl.errors import FilterError, UsageError
from crmctl.query.ast import Compare, DateTimeValue, DateValue, Offset, Relative, Text, Value
from crmctl.query.parser import parse

_ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_ISO_DATETIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d{1,6})?)?(Z|[+-]\d\d:\d\d)?")
_RELATIVE_DAYS = {"yesterday": -1, "today": 0, "tomorrow": 1}


def resolve(value: Value, now: datetime, tz: ZoneInfo) -> date | datetime | None:
    """The date or UTC instant ``value`` denotes, or ``None`` if it is not temporal.

    Raises ``ValueError``/``OverflowError`` for dates outside the calendar.
    """
    today = now.astimezone(tz).date()
    match value:
        case DateValue(day):
            return day
        case DateTimeValue(moment):
            return to_utc(moment, tz)
        case Relative("now"):
            return now.astimezone(UTC)
        case Relative(name):
            return today + timedelta(days=_RELATIVE_DAYS[name])
        case Offset(amount, "h"):
            return now.astimezone(UTC) + timedelta(hours=amount)
        case Offset(amount, "d" | "w" as unit):
            return today + timedelta(days=amount * (7 if unit == "w" else 1))
        case Offset(amount, unit):
            return add_months(today, amount * (12 if unit == "y" else 1))
        case Text(text):
            return _parse_iso(text.strip(), tz)
    return None


def _parse_iso(text: str, tz: ZoneInfo) -> date | datetime | None:
    # Quoted dates are accepted too, since people paste them from exports.
    if _ISO_DATE.fullmatch(text) or is_czech_day(text):
        return parse_day(text)
    if _ISO_DATETIME.fullmatch(text):
        return to_utc(datetime.fromisoformat(text), tz)
    return None


def to_utc(moment: datetime, tz: ZoneInfo) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(UTC)


def start_of_day(day: date, tz: ZoneInfo) -> datetime:
    """Local midnight of ``day`` as a UTC instant."""
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def add_months(day: date, months: int) -> date:
    """Calendar month arithmetic, clamping the day (Mar 31 - 1 month = Feb 28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def parse_moment(text: str, now: datetime, tz: ZoneInfo, option: str) -> datetime:
    """An option value such as ``--since -30d`` as a UTC instant (a date: local midnight)."""
    moment: date | datetime | None = parse_day(text)
    if moment is not None:  # 31. 3. 2027: the filter grammar has no Czech dates
        return start_of_day(moment, tz)
    try:
        # Reuse the filter grammar for the value so options and --where agree.
        node = parse(f"x = {text}")
        if isinstance(node, Compare):
            moment = resolve(node.value, now, tz)
    except (FilterError, ValueError, OverflowError):
        pass
    if moment is None:
        raise UsageError(
            f"{option} {text!r} is not a date; use e.g. 2026-01-31, 2026-01-31T10:00, "
            "today, -30d or -12h"
        )
    return moment if isinstance(moment, datetime) else start_of_day(moment, tz)


def parse_when(text: str, now: datetime, tz: ZoneInfo, option: str) -> date | datetime:
    """Like ``parse_moment`` but a calendar day stays a ``date`` (an all-day due date).

    ``2026-03-31``, ``today`` and ``+2d`` are days; ``2026-03-31T10:00``, ``now`` and
    ``+3h`` are UTC instants.
    """
    moment: date | datetime | None = parse_day(text)
    if moment is not None:  # 31. 3. 2027 as well as 2027-03-31
        return moment
    try:
        node = parse(f"x = {text.strip()}")
        if isinstance(node, Compare):
            moment = resolve(node.value, now, tz)
    except (FilterError, ValueError, OverflowError):
        pass
    if moment is None:
        raise UsageError(
            f"{option} {text!r} is not a date or time; use e.g. 2026-01-31, "
            "2026-01-31T10:00, today, +2d or +3h"
        )
    return moment
