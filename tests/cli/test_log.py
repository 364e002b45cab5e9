"""Activities: calls, meetings, notes, e-mails; last activity on deals and leads; the
first call / first meeting per customer; ``report first-contacts``."""

from __future__ import annotations

import json

import pytest

from tests.conftest import Crm, snapshot


@pytest.fixture
def customer(crm: Crm) -> Crm:
    crm("companies", "add", "--name", "Strojírny Dvořák s.r.o.")
    crm("companies", "add", "--name", "Pekárna Novák")
    crm("contacts", "add", "--name", "Jana Malá", "--company", "1")
    crm("deals", "add", "--title", "Linka", "--company", "1")
    return crm


def test_call_stamps_the_deal_and_shows_its_text_on_the_timeline(customer: Crm) -> None:
    customer.now = "2026-03-12T14:00:00+01:00"
    record = customer.json(
        "log", "call", "--deal", "1", "--contact", "Jana Malá", "--body", "Probrali cenu",
        "--outcome", "reached", "--duration", "1h",
    )  # fmt: skip
    assert (record["kind"], record["duration_minutes"], record["company_id"]) == ("call", 60, 1)
    deal = customer.json("deals", "show", "1")
    assert deal["last_activity_at"] == "2026-03-12T13:00:00+00:00"
    assert deal["idle_days"] == 0
    (event,) = customer.json("timeline", "deal", "1", "--type", "call")
    assert event["summary"] == "call: Probrali cenu (reached; 60 min)"
    assert customer.json("timeline", "contact", "1")[0]["kind"] == "activity.call"
    company = customer.json("timeline", "company", "1", "--search", "PROBRALI")
    assert [e["kind"] for e in company] == ["activity.call"]


def test_meeting_attendees_note_and_email(customer: Crm) -> None:
    meeting = customer.json(
        "log", "meeting", "--company", "1", "--body", "Prohlídka provozu",
        "--attendee", "Jana Malá", "--attendee", "Petr Velký", "--duration", "90",
    )  # fmt: skip
    assert meeting["attendees"] == ["Jana Malá", "Petr Velký"]
    customer("log", "note", "--company", "1", "--body", "Interní: pozor na splatnost")
    customer("log", "email", "--contact", "1", "--subject", "Nabídka", "--body", "Posílám")
    kinds = [e["kind"] for e in customer.json("timeline", "company", "1", "--type", "activity")]
    assert kinds == ["activity.email", "activity.note", "activity.meeting"]
    summary = customer.json("timeline", "company", "1", "--type", "meeting")[0]["summary"]
    assert summary == "meeting: Prohlídka provozu (90 min; Jana Malá, Petr Velký)"


def test_logging_needs_a_record_and_a_text(customer: Crm) -> None:
    before = snapshot(customer.url)
    customer("log", "call", "--body", "Kdo?", code=4)
    customer("log", "call", "--company", "1", code=4)
    customer("log", "call", "--company", "1", "--body", "x", "--duration", "long", code=4)
    customer("log", "call", "--company", "99", "--body", "x", code=3)
    customer("log", "call", "--company", "1", "--body", "x", "--at", "+2d", code=4)
    assert snapshot(customer.url) == before


def test_lead_first_response_from_a_logged_call(crm: Crm) -> None:
    crm("leads", "add", "--json", "-", input=json.dumps({"name": "Jan Novák", "subject": "Lis"}))
    crm.now = "2026-03-10T10:30:00+01:00"
    crm("log", "call", "--lead", "1", "--body", "Zavoláno", "--outcome", "reached")
    lead = crm.json("leads", "show", "1")
    assert lead["first_response_at"] == "2026-03-10T09:30:00+00:00"
    assert lead["response_minutes"] == 90
    crm.now = "2026-03-10T12:00:00+01:00"
    crm("log", "note", "--lead", "1", "--body", "Poslán ceník")
    assert crm.json("leads", "show", "1")["first_response_at"] == "2026-03-10T09:30:00+00:00"


def test_first_call_and_meeting_at_most_one_per_company(customer: Crm) -> None:
    customer("log", "call", "--company", "1", "--body", "Úvodní hovor", "--first-call")
    customer("log", "meeting", "--company", "1", "--body", "Úvodní schůzka", "--first-meeting")
    before = snapshot(customer.url)
    result = customer(
        "log", "call", "--contact", "Jana Malá", "--body", "Znovu", "--first-call", code=4
    )
    assert result.stderr.startswith(
        "error: company #1 Strojírny Dvořák s.r.o. already has its first call: activity #1"
    )
    assert "without --first-call" in result.stderr
    assert snapshot(customer.url) == before
    # Another customer has its own first call; a later call without the flag is fine.
    customer("log", "call", "--company", "2", "--body", "Úvod", "--first-call")
    customer("log", "call", "--company", "1", "--body", "Další hovor")


def test_report_first_contacts_per_salesperson_and_month(customer: Crm) -> None:
    customer("users", "add", "jana")
    customer("companies", "add", "--name", "Třetí a.s.", "--owner", "jana")
    customer("companies", "edit", "2", "--owner", "jana")
    customer.now = "2026-03-31T23:30:00+02:00"  # still March in Prague (21:30 UTC)
    customer("log", "call", "--company", "1", "--body", "a", "--first-call")
    customer.now = "2026-04-01T00:30:00+02:00"  # April in Prague, March 31 in UTC
    customer("log", "meeting", "--company", "1", "--body", "b", "--first-meeting")
    customer.user = "jana"
    customer("log", "call", "--company", "2", "--body", "c", "--first-call")
    customer("log", "call", "--company", "3", "--body", "d", "--first-call")
    customer("log", "call", "--company", "3", "--body", "not first")
    # Jana's report counts only what she may read: her customers' activities.
    mine = json.loads(customer("report", "first-contacts", "-o", "json").stdout)["rows"]
    assert {r["salesperson"] for r in mine} == {"jana"}
    customer.user = "admin"
    result = customer("report", "first-contacts", "-o", "json")
    rows = json.loads(result.stdout)["rows"]
    assert [
        (r["month"], r["salesperson"], r["first_calls"], r["first_meetings"]) for r in rows
    ] == [("2026-03", "admin", 1, 0), ("2026-04", "admin", 0, 1), ("2026-04", "jana", 2, 0)]
    april = json.loads(
        customer("report", "first-contacts", "--from", "2026-04", "-o", "json").stdout
    )
    assert [r["salesperson"] for r in april["rows"]] == ["admin", "jana"]
    assert "First calls" in customer("report", "first-contacts").stdout
    html = customer("report", "first-contacts", "-o", "html").stdout
    assert "<svg" in html and "First contacts" in html
    customer("report", "first-contacts", "--from", "April", code=2)


def test_merge_moves_tasks_activities_and_keeps_one_first_call(customer: Crm) -> None:
    customer("log", "call", "--company", "1", "--body", "První u jedničky", "--first-call")
    customer.now = "2026-03-10T10:00:00+01:00"
    customer("log", "call", "--company", "2", "--body", "První u dvojky", "--first-call")
    customer("tasks", "add", "Úkol dvojky", "--company", "2", "--due", "+1d")
    customer("contacts", "add", "--name", "Petr Velký", "--company", "2")
    customer("log", "note", "--contact", "Petr Velký", "--body", "Poznámka k Petrovi")
    customer("companies", "merge", "1", "2")
    kinds = [e["kind"] for e in customer.json("timeline", "company", "1")]
    assert {"task.created", "activity.note"} <= set(kinds)
    assert kinds.count("activity.call") == 2
    rows = json.loads(customer("report", "first-contacts", "-o", "json").stdout)["rows"]
    assert [(r["first_calls"], r["first_meetings"]) for r in rows] == [(1, 0)]
    assert customer.json("tasks", "show", "1")["company_id"] == 1
    customer("contacts", "add", "--name", "Jana Malá-Nová", "--company", "1")
    customer("log", "note", "--contact", "3", "--body", "Poznámka k Janě")
    customer("contacts", "merge", "1", "3")
    assert "activity.note" in [e["kind"] for e in customer.json("timeline", "contact", "1")]
