"""``every:`` schedules: parse them, name the current window, and feed `schedule`.

A window is named by its latest start at or before now, in the configured zone:
``day at 07:00`` → ``2026-03-10``, ``monday at 08:00`` → ``2026-W11``,
``30 minutes`` → ``2026-03-10T08:30``. A rule fires once per record and window, so a
runner that was down fires the latest missed window when it starts (catch-up), once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_AT = re.compile(r"^(day|" + "|".join(WEEKDAYS) + r")\s+at\s+(\d{1,2}):(\d{2})$")
_INTERVAL = re.compile(r"^(\d+)\s*(minutes?|hours?)$")
EXPECTED = '"day at 07:00", "monday at 08:00", "30 minutes" or "2 hours"'


@dataclass(frozen=True)
class Every:
    text: str
    weekday: int | None = None  # 0 = Monday; None with `clock` = every day
    clock: time | None = None
    interval: timedelta | None = None

    def window(self, now: datetime, tz: ZoneInfo) -> tuple[str, datetime]:
        """The current window's name and start (the latest start at or before now)."""
        if self.interval is not None:
            seconds = int(self.interval.total_seconds())
            start_ts = int(now.timestamp()) // seconds * seconds
            start = datetime.fromtimestamp(start_ts, UTC)
            return start.astimezone(tz).strftime("%Y-%m-%dT%H:%M"), start
        assert self.clock is not None
        local = now.astimezone(tz)
        day = local.date()
        while True:
            start = datetime.combine(day, self.clock, tzinfo=tz)
            if start <= local and (self.weekday is None or day.weekday() == self.weekday):
                break
            day -= timedelta(days=1)
        if self.weekday is None:
            return day.isoformat(), start
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}", start

    def schedule_job(self, scheduler: Any, tz: ZoneInfo) -> Any:
        """The `schedule` library job that wakes the daemon for this rule."""
        if self.interval is not None:
            return scheduler.every(int(self.interval.total_seconds())).seconds
        assert self.clock is not None
        unit = "day" if self.weekday is None else WEEKDAYS[self.weekday]
        return getattr(scheduler.every(), unit).at(self.clock.strftime("%H:%M"), str(tz))


def parse_every(text: str) -> Every | None:
    cleaned = " ".join(text.strip().lower().split())
    if match := _AT.match(cleaned):
        hours, minutes = int(match[2]), int(match[3])
        if hours > 23 or minutes > 59:
            return None
        weekday = None if match[1] == "day" else WEEKDAYS.index(match[1])
        return Every(text, weekday=weekday, clock=time(hours, minutes))
    if match := _INTERVAL.match(cleaned):
        amount = int(match[1])
        if amount <= 0:
            return None
        unit = "minutes" if match[2].startswith("minute") else "hours"
        return Every(text, interval=timedelta(**{unit: amount}))
    return None
