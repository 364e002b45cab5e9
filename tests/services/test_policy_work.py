"""The permission matrix for work about customers (tasks, activities, documents): each
read path shows exactly what the policy allows — a salesperson their own customers' work,
a manager their people's, support the open tasks of any customer read-only — and writes
are refused outside the write scope. Expectations come from tests.services.test_policy's
plain-Python model of owners and the manager chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crmctl.services.approvals import request_approval
from crmctl.services.notifications import Message, notify, recipients
from tests.conftest import ADMIN, Crm
from tests.services.test_policy import (
    ANY_CODE,
    World,
    _context,
    as_user,
    build_world,
    expected,
    ids,
)

ACTORS = [ADMIN, "mgr_a", "sales_a1", "sales_b1", "helpdesk"]
LATER = "2030-01-07T09:00:00+01:00"  # after every due date the world gives its tasks


def by_id(record: dict[str, object]) -> int:
    return int(str(record["id"]))


@pytest.fixture
def world(crm: Crm) -> World:
    return build_world(crm)


def open_tasks(world: World) -> set[int]:
    return set(world.tasks) - world.done_tasks


@pytest.mark.parametrize("login", ACTORS)
def test_tasks_are_need_to_know(crm: Crm, world: World, login: str) -> None:
    user = as_user(crm, login)
    listed = user.json("tasks", "list")
    full = {t["id"] for t in listed if not t.get("limited")}
    assert full == expected(login, world.tasks)
    if login == "helpdesk":
        # Support: every customer's open tasks, marked limited; no done ones.
        assert ids(listed) == open_tasks(world)
        assert all(t["limited"] for t in listed)
    else:
        assert ids(listed) == full
    for task_id in world.tasks:
        shown = user("tasks", "show", str(task_id), "-o", "json", code=ANY_CODE)
        readable = task_id in full or (login == "helpdesk" and task_id in open_tasks(world))
        assert shown.exit_code == (0 if readable else 5), task_id
        if shown.exit_code == 5:
            assert "permission denied" in shown.stderr and shown.stdout == ""
    ics = user("tasks", "export-ics", "--output", "-").stdout
    dated = [t for t in listed if t["due_at"] and t["status"] != "done"]
    assert ics.count("BEGIN:VEVENT") == len(dated) > 0
    # `tasks overdue` reads plain rows, not ORM objects: the same records, the same trims
    # as `tasks list`. Later every open task (due in a day or two) is overdue.
    later = Crm(crm.url, user=login, now=LATER)
    overdue = sorted(later.json("tasks", "overdue"), key=by_id)
    later_list = later.json("tasks", "list")
    assert overdue == sorted((t for t in later_list if t["status"] == "overdue"), key=by_id)
    assert {t["id"] for t in overdue} == {t["id"] for t in dated}


@pytest.mark.parametrize("login", ACTORS)
def test_task_writes_need_the_write_scope(crm: Crm, world: World, login: str) -> None:
    user = as_user(crm, login)
    writable = expected(login, world.tasks) if login != "helpdesk" else set()
    for task_id in sorted(open_tasks(world)):
        user("tasks", "edit", str(task_id), "--priority", "high",
             code=0 if task_id in writable else 5)  # fmt: skip
        user("tasks", "done", str(task_id), code=0 if task_id in writable else 5)
    if login in ("sales_a1", "helpdesk"):
        # Nobody else's task: a salesperson may not hand work to a colleague's customer.
        user("tasks", "add", "Cizí", "--assignee", "sales_b1", code=5)


@pytest.mark.parametrize("login", ACTORS)
def test_activities_documents_and_timeline_are_need_to_know(
    crm: Crm, world: World, login: str
) -> None:
    user = as_user(crm, login)
    documents = expected(login, world.documents)
    assert ids(user.json("docs", "list")) == documents
    for document_id in world.documents:
        got = user("docs", "get", str(document_id), "--output", "-", code=ANY_CODE)
        assert got.exit_code == (0 if document_id in documents else 5)
    activities = expected(login, world.activities)
    tasks = expected(login, world.tasks)
    seen: dict[str, set[int]] = {"task": set(), "activity": set(), "document": set()}
    for company_id in sorted({c for _, cs in world.tasks.values() for c in cs}):
        for event in user.json("timeline", "company", str(company_id), "--limit", "500"):
            if event["entity_type"] in seen:
                seen[event["entity_type"]].add(event["entity_id"])
    assert seen["task"] <= tasks and seen["activity"] <= activities
    assert seen["document"] <= documents
    if login != "helpdesk":
        assert seen["activity"] == activities


@pytest.mark.parametrize("login", ["sales_a1", "helpdesk", ADMIN])
def test_logging_and_attaching_need_a_readable_customer(
    crm: Crm, world: World, login: str, tmp_path: object
) -> None:
    user = as_user(crm, login)
    own = next(c for c, owner in world.companies.items() if owner == "sales_a1")
    other = next(c for c, owner in world.companies.items() if owner == "sales_b1")
    allowed = {ADMIN: {own, other}, "sales_a1": {own}, "helpdesk": set()}[login]
    path = Path(str(tmp_path)) / "zapis.txt"
    path.write_text("zápis", encoding="utf-8")
    crm("log", "call", "--company", str(other), "--body", "První", "--first-call")
    for company_id in (own, other):
        code = 0 if company_id in allowed else 5
        user("log", "call", "--company", str(company_id), "--body", "Hovor", code=code)
        user("docs", "attach", "company", str(company_id), str(path), code=code)
    # The admin's first call at sales_b1's customer counts only for who may read it.
    report = json.loads(user("report", "first-contacts", "-o", "json").stdout)
    assert sum(row["first_calls"] for row in report["rows"]) == (1 if login == ADMIN else 0)


def test_notifications_skip_recipients_who_may_not_read_the_record(crm: Crm, world: World) -> None:
    deal_id = next(i for i, (owner, _) in world.deals.items() if owner == "sales_a1")
    with _context(crm.url) as ctx:
        users = recipients(ctx, ["role:sales", "user:mgr_b", "user:mgr_a"], owner_login=None)
        told = notify(ctx, users, Message("Pozor", "text", "deal", deal_id), ["inbox"], url=None)
    assert sorted(told) == ["mgr_a", "sales_a1"]
    for login in ("sales_a1", "sales_a2", "sales_b1", "mgr_a", "mgr_b"):
        inbox = as_user(crm, login).json("notifications", "list")
        assert [n["about"] for n in inbox] == ([f"deal #{deal_id}"] if login in told else []), login
    sent = crm.json("audit", "list", "--entity", f"deal:{deal_id}", "--kind", "notification.sent")
    assert sorted(sent[0]["payload"]["skipped"]) == ["mgr_b", "sales_a2", "sales_b1"]


def test_approvals_list_shows_an_approver_their_own(crm: Crm, world: World) -> None:
    deal_id = next(i for i, (owner, _) in world.deals.items() if owner == "sales_a1")
    with _context(crm.url) as ctx:
        request_approval(ctx, "deal", deal_id, "sleva 30 %", "mgr_a")
        request_approval(ctx, "deal", deal_id, "sleva 40 %", "role:manager")
    seen = {
        login: sorted(a["reason"] for a in as_user(crm, login).json("approvals", "list"))
        for login in (ADMIN, "mgr_a", "mgr_b", "sales_a1")
    }
    assert seen == {
        ADMIN: ["sleva 30 %", "sleva 40 %"],
        "mgr_a": ["sleva 30 %", "sleva 40 %"],
        "mgr_b": [],  # a manager, but not over sales_a1: may not read the deal
        "sales_a1": [],
    }
