"""Tasks as an iCalendar (RFC 5545) file that Outlook and Google Calendar import.

Every task is a VEVENT, since calendar apps import events but mostly ignore VTODO.
The UID derives from the task id and the installation id, and SEQUENCE grows with
every change, so a re-export updates the events it exported before instead of adding
copies. Times are written in UTC (``…Z``): the generated VTIMEZONE of a zone is a long
RDATE list that an independent parser (vobject/dateutil) read an hour off after the
spring change, while UTC means the same instant to every client. All-day tasks are
DATE values of the local day. DTSTAMP is the task's last change, so the same data gives
the same bytes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event

from crmctl.services.tasks import CalendarExport

PRODID = "-//crmctl//crmctl tasks//CS"
# RFC 5545 PRIORITY: 1 highest, 5 medium, 9 lowest.
ICS_PRIORITY = {"high": 1, "normal": 5, "low": 9}
TIMED_TASK_LENGTH = timedelta(minutes=30)
KIND_LABEL = {"task": "Úkol", "call": "Hovor", "meeting": "Schůzka"}


def task_uid(task_id: int, install_id: str) -> str:
    return f"task-{task_id}-{install_id}@crmctl"


def render_ics(export: CalendarExport) -> bytes:
    tz = ZoneInfo(export.timezone)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "crmctl")
    calendar.add("x-wr-timezone", export.timezone)
    for task in export.tasks:
        calendar.add_component(_event(task, export.install_id, tz))
    return bytes(calendar.to_ical())


def _event(task: dict[str, Any], install_id: str, tz: ZoneInfo) -> Any:
    event = Event()
    event.add("uid", task_uid(task["id"], install_id))
    event.add("dtstamp", task["updated_at"])
    event.add("created", task["created_at"])
    event.add("last-modified", task["updated_at"])
    event.add("sequence", task["sequence"])
    prefix = "✓ " if task["done_at"] else ""
    event.add("summary", prefix + task["subject"])
    start, end = _span(task, tz)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("priority", ICS_PRIORITY.get(task["priority"], 5))
    event.add("categories", [KIND_LABEL.get(task["kind"], task["kind"])])
    event.add("status", "CONFIRMED")
    event.add("transp", "TRANSPARENT" if task["all_day"] else "OPAQUE")
    description = _description(task)
    if description:
        event.add("description", description)
    if task["reminder_at"] is not None:
        event.add_component(_alarm(task, start, tz))
    return event


def _span(task: dict[str, Any], tz: ZoneInfo) -> tuple[Any, Any]:
    if task["all_day"]:
        due = task["due_at"]  # a local date (see task_records.due_as_given)
        day = due.astimezone(tz).date() if isinstance(due, datetime) else due
        return day, day + timedelta(days=1)
    if task["start_at"] is not None:
        return task["start_at"].astimezone(UTC), task["end_at"].astimezone(UTC)
    due = task["due_at"].astimezone(UTC)
    return due, due + TIMED_TASK_LENGTH


def _alarm(task: dict[str, Any], start: Any, tz: ZoneInfo) -> Any:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", task["subject"])
    anchor = (
        start if isinstance(start, datetime) else datetime.combine(start, datetime.min.time(), tz)
    )
    alarm.add("trigger", task["reminder_at"] - anchor)
    return alarm


def _description(task: dict[str, Any]) -> str:
    lines = [task["body"]] if task["body"] else []
    for label, name in (("Firma", "company"), ("Kontakt", "contact"), ("Obchod", "deal")):
        if task[name]:
            lines.append(f"{label}: {task[name]}")
    if task["lead_id"]:
        lines.append(f"Poptávka: #{task['lead_id']}")
    lines.append(f"crmctl tasks show {task['id']}")
    return "\n".join(lines)
