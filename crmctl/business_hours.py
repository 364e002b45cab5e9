"""Business hours: when the clock of a response time (and of an SLA) runs.

``business_hours:`` in ``crmctl.yaml``; the default is Monday–Friday 08:00–17:00 in
Europe/Prague with Czech public holidays (Good Friday and Easter Monday included, from
the ``holidays`` library) off::

    business_hours:
      timezone: Europe/Prague
      days: [mon, tue, wed, thu, fri]
      start: "08:00"
      end: "17:00"
      holidays: CZ          # a country code of the holidays library, or none

Minutes are counted on the local wall clock of each day (a DST change at night does not
move 08:00–17:00). ``minutes(a, b)`` is O(1) after a per-year table (a cumulative count
of business minutes before each day), so a report over a million leads stays cheap.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crmctl.errors import UsageError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_KEYS = ("timezone", "days", "start", "end", "holidays")
_OLDEST = 1970


@dataclass(frozen=True)
class BusinessHours:
    timezone: str = "Europe/Prague"
    days: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday = 0
    start: time = time(8, 0)
    end: time = time(17, 0)
    country: str | None = "CZ"  # holidays off; None: no public holidays
    _years: dict[int, tuple[list[int], list[date], frozenset[date]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def minutes_per_day(self) -> int:
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)

    def holidays(self, year: int) -> frozenset[date]:
        if self.country is None:
            return frozenset()
        import holidays  # noqa: PLC0415  (start-up)

        return frozenset(holidays.country_holidays(self.country, years=year))

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.days and day not in self._year(day.year)[2]

    def working_days(self, first: date, last: date) -> int:
        """Working days from ``first`` to ``last``, both included (0 if last < first)."""
        count, day = 0, first
        while day <= last:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return count

    def minutes(self, start: datetime, end: datetime) -> int:
        """Whole business minutes between two instants (0 if ``end`` is not after)."""
        if end <= start:
            return 0
        first_year, first = self._in_year(start)
        last_year, last = self._in_year(end)
        between = sum(self._year(year)[0][-1] for year in range(first_year, last_year))
        return int(last - first + between * 60) // 60

    def back(self, now: datetime, minutes: int) -> datetime:
        """The latest instant from which ``minutes`` business minutes had passed by ``now``.

        ``minutes(t, now) >= minutes`` exactly when ``t <= back(now, minutes)``; a filter
        on the waiting time of unanswered leads compiles to a comparison with it.
        """
        year, seconds = self._in_year(now)
        remaining = max(minutes, 0) * 60
        while seconds < remaining:
            remaining -= seconds
            year -= 1
            if year < _OLDEST:
                return datetime(_OLDEST, 1, 1, tzinfo=UTC)
            seconds = self._year(year)[0][-1] * 60
        return self._instant(year, seconds - remaining)

    # --- the business clock: seconds of business time since 1 January of a year ----

    def _in_year(self, moment: datetime) -> tuple[int, float]:
        local = moment.astimezone(self.tz)
        day = local.date()
        cumulative, days, _ = self._year(day.year)
        seconds = cumulative[(day - days[0]).days] * 60
        if not self.is_working_day(day):
            return day.year, seconds
        opening = self._seconds(self.start)
        closing = self._seconds(self.end)
        into = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
        return day.year, seconds + min(max(into - opening, 0), closing - opening)

    def _instant(self, year: int, seconds: float) -> datetime:
        """The latest instant of ``year`` at which its business clock reads ``seconds``:
        the next opening rather than the previous evening's closing."""
        cumulative, days, _ = self._year(year)
        # The working day whose minutes hold the moment: the last with cumulative <= it.
        index = bisect_right(cumulative, seconds / 60) - 1
        if index >= len(days):
            return self._instant(year + 1, 0)
        into = seconds - cumulative[index] * 60
        start = datetime.combine(days[index], self.start, tzinfo=self.tz)
        return (start + timedelta(seconds=into)).astimezone(UTC)

    def _year(self, year: int) -> tuple[list[int], list[date], frozenset[date]]:
        """Per day of ``year``: business minutes before it (one extra entry: the year's)."""
        if year not in self._years:
            off = self.holidays(year)
            first = date(year, 1, 1)
            days = [first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days)]
            cumulative = [0]
            for day in days:
                working = day.weekday() in self.days and day not in off
                cumulative.append(cumulative[-1] + (self.minutes_per_day if working else 0))
            self._years[year] = (cumulative, days, off)
        return self._years[year]

    @staticmethod
    def _seconds(moment: time) -> int:
        return moment.hour * 3600 + moment.minute * 60


@dataclass(frozen=True)
class EpochClock:
    """Business seconds at whole epoch seconds, for many instants within known days.

    Per local day (from ``first`` to ``last``): the epoch of its midnight, of its opening,
    its business seconds (0 off work) and the business seconds before it. An instant's
    clock is a bisect and a clamp: a report counts a million response times in a second.
    """

    midnights: list[int]
    opens: list[int]
    lengths: list[int]
    before: list[int]

    def clock(self, seconds: int) -> int:
        index = bisect_right(self.midnights, seconds) - 1
        if index < 0:
            return 0
        if index >= len(self.opens):
            return self.before[-1]
        # min/max spelt out: this runs twice per lead.
        into = seconds - self.opens[index]
        length = self.lengths[index]
        return self.before[index] + (0 if into < 0 else length if into > length else into)

    def minutes(self, start: int, end: int) -> int:
        """Whole business minutes from ``start`` to ``end`` (epoch seconds)."""
        elapsed = self.clock(end) - self.clock(start)
        return elapsed // 60 if elapsed > 0 else 0


def epoch_clock(calendar: BusinessHours, first: date, last: date) -> EpochClock:
    midnights, opens, lengths, before = [], [], [], [0]
    day = first
    while day <= last:
        midnight = datetime.combine(day, time(0), tzinfo=calendar.tz)
        midnights.append(int(midnight.timestamp()))
        opening = datetime.combine(day, calendar.start, tzinfo=calendar.tz)
        opens.append(int(opening.timestamp()))
        length = calendar.minutes_per_day * 60 if calendar.is_working_day(day) else 0
        lengths.append(length)
        before.append(before[-1] + length)
        day += timedelta(days=1)
    midnights.append(int(datetime.combine(day, time(0), tzinfo=calendar.tz).timestamp()))
    return EpochClock(midnights, opens, lengths, before)


DEFAULT = BusinessHours()
# The settings of the running command: the filter fields' comparisons run without a
# context, so the calendar is found here (parsed on first use, then kept).
_SETTINGS: ContextVar[Any] = ContextVar("business_hours_settings", default=None)
_PARSED: dict[int, tuple[Any, BusinessHours]] = {}


def active() -> BusinessHours:
    """The calendar of the running command (the filter fields compile against it)."""
    settings = _SETTINGS.get()
    if settings is None:
        return DEFAULT
    cached = _PARSED.get(id(settings))
    if cached is None or cached[0] is not settings:
        cached = (settings, from_settings(settings))
        _PARSED.clear()  # one command, one settings object: keep only the latest
        _PARSED[id(settings)] = cached
    return cached[1]


def use(settings: Any) -> None:
    """Called where a command's context is made: its ``crmctl.yaml`` holds the calendar."""
    _SETTINGS.set(settings)


def from_settings(settings: Any) -> BusinessHours:
    """``business_hours:`` of ``crmctl.yaml`` (or the default), validated."""
    setting = settings.values.get("business_hours") if settings is not None else None
    if setting is None or setting.value is None:
        return DEFAULT
    return parse(setting.value, setting.source)


def parse(raw: Any, source: str = "crmctl.yaml") -> BusinessHours:
    where = f"business_hours (from {source})"
    if not isinstance(raw, Mapping):
        raise UsageError(f"{where}: expected a mapping with {', '.join(_KEYS)}")
    unknown = sorted(str(key) for key in raw if key not in _KEYS)
    if unknown:
        raise UsageError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(_KEYS)}")
    timezone = str(raw.get("timezone", DEFAULT.timezone))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"{where}: unknown timezone {timezone!r}; e.g. Europe/Prague") from None
    start = _clock(raw.get("start", "08:00"), f"{where}: start")
    end = _clock(raw.get("end", "17:00"), f"{where}: end")
    if end <= start:
        raise UsageError(f"{where}: end {end:%H:%M} must be after start {start:%H:%M}")
    return BusinessHours(
        timezone=timezone,
        days=_days(raw.get("days", list(DAY_NAMES[:5])), where),
        start=start,
        end=end,
        country=_country(raw.get("holidays", "CZ"), where),
    )


def _clock(value: Any, where: str) -> time:
    match = _CLOCK.match(str(value).strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise UsageError(f'{where} {value!r}: give a time of day such as "08:00"')
    return time(int(match[1]), int(match[2]))


def _days(value: Any, where: str) -> tuple[int, ...]:
    names = value if isinstance(value, list) else [value]
    days: list[int] = []
    for name in names:
        key = str(name).strip().lower()[:3]
        if key not in DAY_NAMES:
            raise UsageError(f"{where}: days: {name!r} is not a day; use {', '.join(DAY_NAMES)}")
        days.append(DAY_NAMES.index(key))
    if not days:
        raise UsageError(f"{where}: days: name at least one working day, e.g. [mon, tue]")
    return tuple(sorted(set(days)))


def _country(value: Any, where: str) -> str | None:
    if value is None or value is False or str(value).strip().lower() in ("none", ""):
        return None
    code = str(value).strip().upper()
    import holidays  # noqa: PLC0415  (start-up)

    if code not in holidays.list_supported_countries():
        raise UsageError(f"{where}: holidays: {value!r} is not a country code such as CZ")
    return code
