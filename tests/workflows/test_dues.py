"""Due times: relative, workdays over weekends and Czech holidays (Easter included)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from crmctl.workflows.dues import add_workdays, is_workday, parse_due
from crmctl.workflows.windows import parse_every

PRAGUE = ZoneInfo("Europe/Prague")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PRAGUE)


@pytest.mark.parametrize(
    ("due", "now", "expected"),
    [
        ("+24h", "2026-03-10T09:00", "2026-03-11T09:00"),
        ("+30m", "2026-03-10T09:00", "2026-03-10T09:30"),
        ("+5d", "2026-03-10T09:00", "2026-03-15T09:00"),
        ("next workday 09:00", "2026-03-13T16:00", "2026-03-16T09:00"),  # Friday → Monday
        # Maundy Thursday → Tuesday: Good Friday and Easter Monday 2026 are holidays.
        ("next workday 09:00", "2026-04-02T15:00", "2026-04-07T09:00"),
        ("next workday 08:30", "2026-12-23T10:00", "2026-12-28T08:30"),  # 24.–26. 12.
        ("+2 workdays 10:00", "2026-10-27T10:00", "2026-10-30T10:00"),  # 28. 10.
    ],
)
def test_due(due: str, now: str, expected: str) -> None:
    parsed = parse_due(due)
    assert parsed is not None
    assert parsed.at(_at(now), PRAGUE) == _at(expected)


@pytest.mark.parametrize("text", ["+3 weeks", "tomorrow", "next workday 25:00", "24h", ""])
def test_bad_due_is_refused(text: str) -> None:
    assert parse_due(text) is None


def test_czech_holidays() -> None:
    assert not is_workday(date(2026, 4, 6))  # Easter Monday
    assert not is_workday(date(2026, 5, 8))
    assert is_workday(date(2026, 5, 7))
    assert add_workdays(date(2026, 7, 3), 1) == date(2026, 7, 7)  # 5. and 6. 7.


@pytest.mark.parametrize(
    ("every", "now", "window"),
    [
        ("day at 07:00", "2026-03-10T07:30", "2026-03-10"),
        ("day at 07:00", "2026-03-10T06:59", "2026-03-09"),
        ("monday at 08:00", "2026-03-10T07:30", "2026-W11"),
        ("monday at 08:00", "2026-03-09T07:59", "2026-W10"),
        ("30 minutes", "2026-03-10T07:45", "2026-03-10T07:30"),
    ],
)
def test_windows(every: str, now: str, window: str) -> None:
    parsed = parse_every(every)
    assert parsed is not None
    assert parsed.window(_at(now), PRAGUE)[0] == window


def test_bad_schedule_is_refused() -> None:
    assert parse_every("dayly at 07:00") is None
    assert parse_every("day at 24:00") is None
    assert parse_every("0 minutes") is None
