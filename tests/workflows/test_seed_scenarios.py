"""The seed scenarios of the default workflows.yaml, end to end with a fixed clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from crmctl.db.models import Notification, Task, User, WorkflowFiring
from tests.conftest import Crm, snapshot
from tests.workflows.conftest import SmtpServer, rows, scalars

WEB_LEAD = {
    "name": "Jan Kos",
    "email": "kos@example.cz",
    "company": "Kos s.r.o.",
    "region": "Jihomoravský kraj",
    "message": "Prosím o nabídku na 20 licencí",
}


@pytest.fixture
def sales(team: Crm) -> Crm:
    """The shipped territory table's people (the demo's logins), under reditel."""
    for login in ("eva.mala", "petr.kral"):
        team("users", "add", login, "--manager", "reditel", "--email", f"{login}@firma.cz")
    return team


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _inbox(db: Engine, login: str) -> list[str]:
    return scalars(
        db,
        select(Notification.subject)
        .join(User, User.id == Notification.user_id)
        .where(User.login == login)
        .order_by(Notification.id),
    )


def test_web_lead_is_assigned_by_region_with_task_inbox_and_email(
    sales: Crm, rules: Path, smtp: SmtpServer, db: Engine
) -> None:
    team = sales
    smtp.start()
    team("leads", "add", "--json", "-", input=json.dumps(WEB_LEAD))
    result = team("workflows", "run", "--once", "-o", "json")
    fired = json.loads(result.stdout)
    assert [(f["rule"], f["status"]) for f in fired] == [("web-lead-intake", "fired")]

    lead = team.json("leads", "show", "1")
    assert lead["owner"] == "eva.mala"
    assert lead["first_response_at"] is None  # a rule assigning is not a person answering
    task = rows(db, select(Task.subject, Task.due_at, Task.assignee_id, Task.lead_id))[0]
    eva_id = scalars(db, select(User.id).where(User.login == "eva.mala"))[0]
    assert (task.subject, task.assignee_id, task.lead_id) == (
        "Kontaktovat novou poptávku",
        eva_id,
        1,
    )
    assert _utc(str(task.due_at) + ("" if task.due_at.tzinfo else "+00:00")) == _utc(
        team.now
    ) + timedelta(hours=24)
    assert _inbox(db, "eva.mala") == ["Nová poptávka #1: Kos s.r.o."]
    assert smtp.mailbox.messages == [(["eva.mala@firma.cz"], "Nová poptávka #1: Kos s.r.o.")]

    timeline = team.json("timeline", "lead", "1")
    assigned = next(e for e in timeline if e["kind"] == "lead.assigned")
    assert assigned["actor"] == "workflows"
    assert assigned["payload"]["workflow"]["rule"] == "web-lead-intake"
    assert "Jihomoravský kraj" in assigned["payload"]["reason"]


def test_a_second_run_fires_nothing_again(sales: Crm, rules: Path, db: Engine) -> None:
    team = sales
    team("leads", "add", "--json", "-", input=json.dumps(WEB_LEAD))
    team("workflows", "run", "--once")
    again = json.loads(team("workflows", "run", "--once", "-o", "json").stdout)
    assert again == []
    assert scalars(db, select(func.count()).select_from(Task)) == [1]


def test_deal_moved_to_nabidka_gets_a_follow_up_task_in_five_days(
    team: Crm, rules: Path, db: Engine
) -> None:
    team("deals", "add", "--title", "Licence", "--owner", "novak")
    team("deals", "move", "1", "Nabídka")
    team("workflows", "run", "--once")
    task = rows(db, select(Task.subject, Task.due_at, Task.deal_id))
    assert [(t.subject, t.deal_id) for t in task] == [("Ověřit reakci na nabídku", 1)]
    due = task[0].due_at
    due = due if due.tzinfo else due.replace(tzinfo=UTC)
    assert due == _utc(team.now) + timedelta(days=5)


def test_idle_deal_notifies_owner_and_manager_once_not_again_next_night(
    team: Crm, rules: Path, db: Engine
) -> None:
    team.now = "2026-02-26T09:00:00+01:00"
    team("deals", "add", "--title", "Servisní smlouva", "--owner", "novak")
    team.now = "2026-03-10T07:30:00+01:00"  # 11 days idle, after the 07:00 window opened
    first = json.loads(team("workflows", "run", "--once", "-o", "json").stdout)
    assert [(f["rule"], f["entity"]) for f in first] == [("idle-deal", "deal #1")]
    assert _inbox(db, "novak") == ["Obchod #1 Servisní smlouva stojí 11 dní"]
    assert _inbox(db, "reditel") == ["Obchod #1 Servisní smlouva stojí 11 dní"]

    team.now = "2026-03-11T07:30:00+01:00"
    assert json.loads(team("workflows", "run", "--once", "-o", "json").stdout) == []
    assert len(_inbox(db, "novak")) == 1
    assert len(_inbox(db, "reditel")) == 1


def test_idle_rule_waits_for_its_window(team: Crm, rules: Path) -> None:
    team.now = "2026-02-26T09:00:00+01:00"
    team("deals", "add", "--title", "Servisní smlouva", "--owner", "novak")
    team.now = "2026-03-09T06:59:00+01:00"  # the 9th's window has not opened; the 8th's has
    fired = json.loads(team("workflows", "run", "--once", "-o", "json").stdout)
    # On the 8th at 07:00 the deal was idle 10 days (not over 10): nothing is due yet.
    assert fired == []


def test_discount_over_limit_needs_approval_before_the_deal_moves_on(
    team: Crm, rules: Path, db: Engine
) -> None:
    team("deals", "add", "--title", "Velká zakázka", "--owner", "novak", "--set", "discount=20")
    fired = json.loads(team("workflows", "run", "--once", "-o", "json").stdout)
    assert [f["rule"] for f in fired] == ["discount-approval-new"]
    pending = team.json("approvals", "list")
    assert [(a["id"], a["approver"], a["status"]) for a in pending] == [
        (1, "role:manager", "pending")
    ]
    assert _inbox(db, "reditel") == [
        "Ke schválení: deal #1 — Sleva 20 % nad limit 15 % (Velká zakázka)"
    ]
    refused = team("deals", "move", "1", "Nabídka", code=4)
    assert "waits for approval #1" in refused.stderr

    novak = Crm(team.url, user="novak", now=team.now)
    novak("approvals", "approve", "1", code=5)  # a salesperson may not approve
    manager = Crm(team.url, user="reditel", now=team.now)
    manager("approvals", "approve", "1", "--note", "OK pro tohoto zákazníka")
    team("deals", "move", "1", "Nabídka")

    fired = json.loads(team("workflows", "run", "--once", "-o", "json").stdout)
    assert sorted(f["rule"] for f in fired) == ["discount-approved", "offer-follow-up"]
    subjects = scalars(db, select(Task.subject).order_by(Task.id))
    assert sorted(subjects) == ["Odeslat nabídku se schválenou slevou", "Ověřit reakci na nabídku"]


def test_discount_within_limit_needs_no_approval(team: Crm, rules: Path) -> None:
    team("deals", "add", "--title", "Malá zakázka", "--owner", "novak", "--set", "discount=10")
    team("workflows", "run", "--once")
    assert team.json("approvals", "list") == []
    team("deals", "move", "1", "Nabídka")


def test_dry_run_prints_what_would_fire_and_changes_nothing(
    sales: Crm, rules: Path, db: Engine
) -> None:
    team = sales
    team("leads", "add", "--json", "-", input=json.dumps(WEB_LEAD))
    before = snapshot(team.url)
    fired = json.loads(team("workflows", "run", "--once", "--dry-run", "-o", "json").stdout)
    assert [(f["rule"], f["status"]) for f in fired] == [("web-lead-intake", "would fire")]
    assert snapshot(team.url) == before
    assert scalars(db, select(func.count()).select_from(WorkflowFiring)) == [0]
