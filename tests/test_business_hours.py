"""Business minutes: weekends, Czech holidays (Easter included), the configured hours."""

from __future__ import annotations

import random
from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from crmctl import business_hours
from crmctl.business_hours import DEFAULT, BusinessHours, epoch_clock, parse
from crmctl.config import Setting
from crmctl.errors import UsageError

PRAGUE = ZoneInfo("Europe/Prague")


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=PRAGUE)


def test_over_easter_counts_thursday_evening_and_tuesday_morning() -> None:
    # Easter 2027: Good Friday 26. 3. and Easter Monday 29. 3. are holidays.
    assert DEFAULT.minutes(at(2027, 3, 25, 16, 0), at(2027, 3, 30, 10, 0)) == 180


def test_over_a_weekend_and_new_year() -> None:
    assert DEFAULT.minutes(at(2026, 12, 31, 16, 0), at(2027, 1, 4, 9, 0)) == 120


def test_outside_hours_counts_nothing_and_order_matters() -> None:
    assert DEFAULT.minutes(at(2027, 3, 6, 10, 0), at(2027, 3, 7, 18, 0)) == 0  # Sat–Sun
    assert DEFAULT.minutes(at(2027, 3, 2, 18, 0), at(2027, 3, 3, 7, 0)) == 0
    assert DEFAULT.minutes(at(2027, 3, 3, 10, 0), at(2027, 3, 2, 10, 0)) == 0


def test_across_a_dst_change_counts_wall_clock_hours() -> None:
    # 28. 3. 2027 (Sunday) clocks go forward; Friday 16:00 → Monday 9:00 = 2 h.
    assert DEFAULT.minutes(at(2027, 3, 19, 16, 0), at(2027, 3, 22, 9, 0)) == 120


def test_working_days_of_a_quarter_exclude_czech_holidays() -> None:
    # Q1 2027: 63 weekdays, minus 1. 1., Good Friday and Easter Monday.
    assert DEFAULT.working_days(date(2027, 1, 1), date(2027, 3, 31)) == 61
    assert DEFAULT.working_days(date(2027, 3, 1), date(2027, 3, 31)) == 21


@pytest.mark.parametrize("minutes", [1, 59, 60, 180, 181, 540, 541, 5000])
def test_back_is_the_latest_instant_with_that_much_business_time(minutes: int) -> None:
    now = at(2027, 3, 30, 10, 0)
    moment = DEFAULT.back(now, minutes)
    assert DEFAULT.minutes(moment, now) == minutes
    later = moment.replace(second=1) if moment.second == 0 else moment
    assert DEFAULT.minutes(later, now) < minutes or later == moment


def test_configured_hours_and_no_holidays() -> None:
    calendar = parse({"days": ["mon", "sat"], "start": "09:00", "end": "12:30", "holidays": "none"})
    assert calendar == BusinessHours(days=(0, 5), start=calendar.start, end=calendar.end,
                                     country=None)  # fmt: skip
    # Sat 6. 3. 2027 09:00 → Mon 8. 3. 2027 10:00 = 3.5 h + 1 h.
    assert calendar.minutes(at(2027, 3, 6, 9, 0), at(2027, 3, 8, 10, 0)) == 270


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"start": "25:00"}, "start '25:00': give a time of day such as \"08:00\""),
        ({"start": "10:00", "end": "09:00"}, "end 09:00 must be after start 10:00"),
        ({"days": ["pondeli"]}, "days: 'pondeli' is not a day"),
        ({"holidays": "XX"}, "holidays: 'XX' is not a country code"),
        ({"timezone": "Mars/Base"}, "unknown timezone 'Mars/Base'"),
        ({"lunch": "12:00"}, "unknown key(s) lunch"),
        ("8-17", "expected a mapping"),
    ],
)
def test_bad_configuration_is_named(raw: object, message: str) -> None:
    with pytest.raises(UsageError, match="business_hours") as error:
        parse(raw)
    assert message in str(error.value)


def test_active_calendar_follows_the_commands_settings() -> None:
    settings = SimpleNamespace(values={"business_hours": Setting({"end": "16:00"}, "test")})
    business_hours.use(settings)
    try:
        assert business_hours.active().end.hour == 16
    finally:
        business_hours.use(None)
    assert business_hours.active() is DEFAULT


def test_epoch_clock_agrees_with_minutes() -> None:
    clock = epoch_clock(DEFAULT, date(2026, 12, 1), date(2027, 6, 30))
    rng = random.Random(5)
    base = int(at(2026, 12, 2, 0, 0).timestamp())
    for _ in range(2000):
        start = base + rng.randrange(0, 140 * 86400) // 60 * 60
        end = start + rng.randrange(0, 20 * 86400) // 60 * 60
        moments = [datetime.fromtimestamp(second, PRAGUE) for second in (start, end)]
        assert clock.minutes(start, end) == DEFAULT.minutes(*moments), moments
