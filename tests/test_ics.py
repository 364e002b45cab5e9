"""``tasks export-ics``: valid iCalendar read back by icalendar and by vobject (an
independent parser), stable UIDs across re-exports, correct times in Europe/Prague."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import vobject

from tests.conftest import Crm

PRAGUE = ZoneInfo("Europe/Prague")


def export(crm: Crm, path: Path, *args: str) -> bytes:
    crm("tasks", "export-ics", "--output", str(path), *args)
    return path.read_bytes()


def events_by_summary(data: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(data)
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


def add_three(crm: Crm) -> None:
    crm.now = "2026-03-27T09:00:00+01:00"
    crm("companies", "add", "--name", "Firma Novák")
    meeting = ("--kind", "meeting", "--company", "1", "--reminder", "15m")
    crm("tasks", "add", "Schůzka po změně času", *meeting,
        "--start", "2026-03-30T10:00", "--end", "2026-03-30T11:30")  # fmt: skip
    crm("tasks", "add", "Celý den", "--due", "2026-03-29", "--priority", "high")
    crm("tasks", "add", "Hovor před změnou", "--kind", "call", "--due", "2026-03-28T16:00")


def test_export_parses_back_with_icalendar(crm: Crm, tmp_path: Path) -> None:
    add_three(crm)
    events = events_by_summary(export(crm, tmp_path / "a.ics"))
    meeting = events["Schůzka po změně času"]
    start = meeting.decoded("DTSTART")
    # Local 10:00 the day after the spring change is 08:00 UTC (CEST, +02:00).
    assert start == datetime(2026, 3, 30, 10, 0, tzinfo=PRAGUE)
    assert meeting["DTSTART"].to_ical() == b"20260330T080000Z"
    assert meeting.decoded("DTEND") - start == timedelta(minutes=90)
    (alarm,) = meeting.walk("VALARM")
    assert alarm.decoded("TRIGGER") == timedelta(minutes=-15)
    assert "Firma: Firma Novák" in str(meeting["DESCRIPTION"])
    all_day = events["Celý den"]
    assert all_day.decoded("DTSTART") == date(2026, 3, 29)
    assert all_day.decoded("DTEND") == date(2026, 3, 30)
    assert int(all_day["PRIORITY"]) == 1
    call = events["Hovor před změnou"]
    assert call["DTSTART"].to_ical() == b"20260328T150000Z"  # 16:00 CET, +01:00
    assert len({str(e["UID"]) for e in events.values()}) == 3


def test_export_parses_back_with_vobject(crm: Crm, tmp_path: Path) -> None:
    add_three(crm)
    data = export(crm, tmp_path / "a.ics").decode("utf-8")
    calendar = vobject.readOne(data)
    events = {event.summary.value: event for event in calendar.vevent_list}
    meeting = events["Schůzka po změně času"]
    assert meeting.dtstart.value.astimezone(ZoneInfo("UTC")) == datetime(
        2026, 3, 30, 8, 0, tzinfo=ZoneInfo("UTC")
    )
    assert events["Celý den"].dtstart.value == date(2026, 3, 29)
    call = events["Hovor před změnou"].dtstart.value
    assert call.astimezone(PRAGUE) == datetime(2026, 3, 28, 16, 0, tzinfo=PRAGUE)
    assert all(event.uid.value.endswith("@crmctl") for event in events.values())


def test_reexport_after_an_edit_keeps_uids_and_raises_sequence(crm: Crm, tmp_path: Path) -> None:
    add_three(crm)
    first = events_by_summary(export(crm, tmp_path / "a.ics"))
    assert export(crm, tmp_path / "same.ics") == (tmp_path / "a.ics").read_bytes()
    crm.now = "2026-03-27T10:00:00+01:00"
    crm("tasks", "edit", "1", "--subject", "Schůzka přesunuta", "--start", "2026-03-31T09:00")
    second = events_by_summary(export(crm, tmp_path / "b.ics"))
    before, after = first["Schůzka po změně času"], second["Schůzka přesunuta"]
    assert str(after["UID"]) == str(before["UID"])
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert after.decoded("DTSTART") == datetime(2026, 3, 31, 9, 0, tzinfo=PRAGUE)
    # The meeting keeps its 90 minutes and its reminder 15 minutes before.
    assert after.decoded("DTEND") - after.decoded("DTSTART") == timedelta(minutes=90)
    assert after.walk("VALARM")[0].decoded("TRIGGER") == timedelta(minutes=-15)
    assert after.decoded("DTSTAMP") > before.decoded("DTSTAMP")
    unchanged = {str(e["UID"]) for k, e in first.items() if k != "Schůzka po změně času"}
    assert unchanged == {str(e["UID"]) for k, e in second.items() if k != "Schůzka přesunuta"}


def test_done_tasks_only_on_request_and_per_owner(crm: Crm, tmp_path: Path) -> None:
    crm("users", "add", "jana")
    crm("tasks", "add", "Moje", "--due", "+1d")
    crm("tasks", "add", "Janina", "--due", "+1d", "--assignee", "jana")
    crm("tasks", "done", "1")
    assert list(events_by_summary(export(crm, tmp_path / "a.ics"))) == ["Janina"]
    assert list(events_by_summary(export(crm, tmp_path / "b.ics", "--include-done"))) == [
        "✓ Moje",
        "Janina",
    ]
    assert events_by_summary(export(crm, tmp_path / "c.ics", "--owner", "admin")) == {}
    stdout = crm("tasks", "export-ics", "--output", "-").stdout
    assert stdout.startswith("BEGIN:VCALENDAR") and "Janina" in stdout
