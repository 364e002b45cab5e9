"""Tasks: due dates in Europe/Prague around daylight-saving changes, overdue vs due
today, ``--fail-if-any``, agenda by local day, done, edit and ``--where``."""

from __future__ import annotations

import pytest

from tests.conftest import Crm, snapshot

# 2026-03-29: clocks go 02:00 → 03:00 in Prague; 2026-10-25: 03:00 → 02:00.


def overdue_ids(crm: Crm) -> list[int]:
    return [record["id"] for record in crm.json("tasks", "overdue")]


def test_all_day_task_is_due_today_until_local_midnight_after_spring_change(crm: Crm) -> None:
    crm.now = "2026-03-29T08:00:00+02:00"
    crm("tasks", "add", "Zavolat Novákovi", "--due", "2026-03-29")
    (record,) = crm.json("tasks", "list")
    # Stored as local midnight (23:00 UTC the day before, CET); shown as the local date.
    assert record["due_at"] == "2026-03-29"
    assert record["all_day"] is True
    crm.now = "2026-03-29T23:59:59+02:00"  # 21:59 UTC: a UTC "today" would be the same day
    assert overdue_ids(crm) == []
    assert crm.json("tasks", "show", "1")["status"] == "open"
    crm.now = "2026-03-30T00:00:00+02:00"  # 22:00 UTC on the 29th, but the 30th in Prague
    assert overdue_ids(crm) == [1]
    assert crm.json("tasks", "show", "1")["status"] == "overdue"


def test_timed_task_due_exactly_at_midnight_across_the_change(crm: Crm) -> None:
    crm.now = "2026-03-28T12:00:00+01:00"
    crm("tasks", "add", "Poslat nabídku", "--due", "2026-03-30T00:00")
    (record,) = crm.json("tasks", "list")
    assert record["due_at"] == "2026-03-29T22:00:00+00:00"  # CEST after the change
    assert record["all_day"] is False
    crm.now = "2026-03-30T00:00:00+02:00"  # the very moment it is due: not yet overdue
    assert overdue_ids(crm) == []
    crm.now = "2026-03-30T00:00:01+02:00"
    assert overdue_ids(crm) == [1]


def test_agenda_puts_midnight_on_its_local_day(crm: Crm) -> None:
    crm.now = "2026-03-28T12:00:00+01:00"
    crm("tasks", "add", "Půlnoc", "--due", "2026-03-30T00:00")
    crm("tasks", "add", "Celý den", "--due", "2026-03-29")
    crm("tasks", "add", "Schůzka", "--kind", "meeting", "--start", "2026-03-29T10:00")
    records = crm.json("tasks", "agenda", "--days", "3")
    assert [(r["day"], r["time"], r["subject"]) for r in records] == [
        ("2026-03-29", "all day", "Celý den"),
        ("2026-03-29", "10:00", "Schůzka"),
        ("2026-03-30", "00:00", "Půlnoc"),
    ]
    table = crm("tasks", "agenda", "--days", "3").stdout
    assert table.index("2026-03-29 neděle") < table.index("Schůzka") < table.index("2026-03-30")
    # Two days from Saturday noon end at Monday's local midnight: Půlnoc is excluded.
    assert [r["subject"] for r in crm.json("tasks", "agenda", "--days", "2")] == [
        "Celý den",
        "Schůzka",
    ]


def test_all_day_task_on_the_autumn_change_day(crm: Crm) -> None:
    crm.now = "2026-10-25T01:00:00+02:00"
    crm("tasks", "add", "Inventura", "--due", "2026-10-25")
    assert crm.json("tasks", "show", "1")["due_at"] == "2026-10-25"
    crm.now = "2026-10-25T23:59:00+01:00"  # the 25-hour day is not over yet
    assert overdue_ids(crm) == []
    crm.now = "2026-10-26T00:00:00+01:00"
    assert overdue_ids(crm) == [1]


def test_fail_if_any_exits_6_only_when_something_is_overdue(crm: Crm) -> None:
    crm("tasks", "add", "Později", "--due", "+2d")
    crm("tasks", "overdue", "--fail-if-any")
    crm("tasks", "add", "Pozdě", "--due", "-1d")
    result = crm("tasks", "overdue", "--fail-if-any", code=6)
    assert "Pozdě" in result.stdout and "Později" not in result.stdout
    assert result.stderr.startswith("error: 1 overdue task(s)")
    assert "Traceback" not in result.stderr
    crm("tasks", "done", "2")
    crm("tasks", "overdue", "--fail-if-any")


def test_overdue_per_owner_and_team(crm: Crm) -> None:
    crm("teams", "add", "sever")
    crm("users", "add", "jana", "--team", "sever")
    crm("users", "add", "petr")
    crm("tasks", "add", "Jana", "--due", "-1d", "--assignee", "jana")
    crm("tasks", "add", "Petr", "--due", "-2d", "--assignee", "petr")
    crm("tasks", "add", "Admin", "--due", "+1d")
    assert [r["subject"] for r in crm.json("tasks", "overdue")] == ["Petr", "Jana"]
    assert [r["subject"] for r in crm.json("tasks", "overdue", "--owner", "jana")] == ["Jana"]
    assert [r["subject"] for r in crm.json("tasks", "overdue", "--team", "sever")] == ["Jana"]
    crm("tasks", "overdue", "--owner", "nobody", code=3)
    crm("tasks", "overdue", "--owner", "jana", "--team", "sever", code=2)


def test_done_with_note_and_done_twice(crm: Crm) -> None:
    crm("tasks", "add", "Zavolat", "--due", "today")
    record = crm.json("tasks", "done", "1", "--note", "Domluvena schůzka")
    assert (record["status"], record["done_note"]) == ("done", "Domluvena schůzka")
    before = snapshot(crm.url)
    result = crm("tasks", "done", "1", code=4)
    assert result.stderr.startswith("error: task #1 is already done")
    assert snapshot(crm.url) == before
    crm("tasks", "done", "99", code=3)


def test_add_links_validation_and_events(crm: Crm) -> None:
    crm("companies", "add", "--name", "Firma Novák s.r.o.")
    crm("deals", "add", "--title", "Linka", "--company", "1")
    record = crm.json(
        "tasks", "add", "Připravit nabídku", "--deal", "1", "--priority", "high",
        "--reminder", "1h", "--due", "2026-03-12T10:00",
    )  # fmt: skip
    # The deal's company is linked too, so the task is on the company's timeline.
    assert (record["company_id"], record["company"], record["deal"]) == (
        1,
        "Firma Novák s.r.o.",
        "Linka",
    )
    assert record["reminder_at"] == "2026-03-12T08:00:00+00:00"
    assert crm.json("deals", "show", "1")["has_planned_activity"] is True
    crm("tasks", "add", "Bez termínu", "--reminder", "1h", code=4)
    crm("tasks", "add", "X", "--kind", "lunch", code=4)
    crm("tasks", "add", "X", "--due", "+1d", "--start", "2026-03-12T10:00", code=4)
    crm("tasks", "add", "X", "--start", "2026-03-12T10:00", "--end", "2026-03-12T09:00", code=4)
    crm("tasks", "add", "X", "--due", "someday", code=2)
    crm("tasks", "add", "X", "--deal", "42", code=3)
    kinds = [event["kind"] for event in crm.json("timeline", "company", "1")]
    assert "task.created" in kinds


def test_list_where_and_sort(crm: Crm) -> None:
    crm("tasks", "add", "A", "--due", "+3d", "--priority", "low")
    crm("tasks", "add", "B", "--due", "+1d", "--priority", "high", "--kind", "call")
    crm("tasks", "add", "C", "--due", "+2d")
    crm("tasks", "done", "3")
    assert [r["subject"] for r in crm.json("tasks", "list")] == ["B", "C", "A"]
    assert [r["subject"] for r in crm.json("tasks", "list", "--open")] == ["B", "A"]
    high = crm.json("tasks", "list", "--where", 'priority = "high"')
    assert [r["subject"] for r in high] == ["B"]
    assert [r["subject"] for r in crm.json("tasks", "list", "--where", 'status = "done"')] == ["C"]
    assert [r["subject"] for r in crm.json("tasks", "list", "--where", 'kind = "call"')] == ["B"]
    assert [r["subject"] for r in crm.json("tasks", "list", "--sort", "-due_at")] == ["A", "C", "B"]
    crm("tasks", "list", "--where", 'colour = "red"', code=4)


def test_edit_logs_changes_and_assignment(crm: Crm) -> None:
    crm("users", "add", "jana")
    crm("companies", "add", "--name", "Firma")
    crm("tasks", "add", "Zavolat", "--due", "2026-03-12", "--company", "1")
    record = crm.json("tasks", "edit", "1", "--due", "2026-03-13", "--assignee", "jana")
    assert record["assignee"] == "jana"
    events = crm.json("timeline", "company", "1", "--type", "task.updated")
    assert events[0]["summary"].startswith("due_at: 2026-03-12 → 2026-03-13")  # local dates
    assigned = crm.json("timeline", "company", "1", "--type", "assigned")
    assert assigned[0]["summary"] == "assignee: admin → jana"


@pytest.mark.parametrize("output", ["json", "jsonl", "csv", "yaml", "table"])
def test_every_output_format(crm: Crm, output: str) -> None:
    crm("tasks", "add", "Formát", "--due", "-1d")
    result = crm("tasks", "overdue", "-o", output)
    assert "Formát" in result.stdout
