"""The tasks service as other services (workflows) call it: typed values, not CLI text."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crmctl.config import load_settings
from crmctl.errors import Conflict, ValidationError
from crmctl.services.context import open_context
from crmctl.services.tasks import add_task, complete_task, overdue_tasks
from tests.conftest import ADMIN

NOW = "2026-10-24T12:00:00+02:00"  # the Saturday before the autumn change


@pytest.fixture
def settings(db_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CRM_NOW", NOW)
    return load_settings(db_url, ADMIN)


def test_add_task_with_typed_values(settings) -> None:  # type: ignore[no-untyped-def]
    with open_context(settings) as ctx:
        due = ctx.now + timedelta(days=2)
        timed = add_task(ctx, "Zavolat", kind="call", due_at=due, reminder=timedelta(hours=1))
        all_day = add_task(ctx, "Celý den", due_at=date(2026, 10, 25), priority=1)
        meeting = add_task(
            ctx, "Schůzka", kind="meeting",
            start_at=datetime(2026, 10, 26, 9, 0, tzinfo=ZoneInfo("Europe/Prague")),
        )  # fmt: skip
    assert timed["due_at"] == due and timed["reminder_at"] == due - timedelta(hours=1)
    assert (all_day["all_day"], all_day["priority"]) == (True, "high")
    assert all_day["due_at"] == date(2026, 10, 25)  # its local date, not 22:00 UTC the day before
    assert meeting["end_at"] - meeting["start_at"] == timedelta(minutes=30)
    assert meeting["due_at"] == meeting["end_at"]


def test_complete_task_once(settings) -> None:  # type: ignore[no-untyped-def]
    with open_context(settings) as ctx:
        task = add_task(ctx, "Poslat nabídku", due_at=date(2026, 10, 23))
        assert [t["id"] for t in overdue_tasks(ctx)] == [task["id"]]
        done = complete_task(ctx, task["id"], note="Posláno")
        assert (done["status"], done["done_note"]) == ("done", "Posláno")
        assert overdue_tasks(ctx) == []
        with pytest.raises(Conflict):
            complete_task(ctx, task["id"])
        with pytest.raises(ValidationError):
            add_task(ctx, "   ")
