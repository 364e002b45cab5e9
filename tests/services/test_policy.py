"""The permission matrix: for each role, every read and write command sees and changes
exactly the records the policy allows.

The world: a three-level manager chain (director → managers → sales) in two teams, a
support user and an admin; each user owns a company with a contact, a deal and a lead,
plus records whose owner differs from their customer's owner. The expectation is worked
out here in plain Python from owners and the manager chain, not by the policy code.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from crmctl.config import load_settings
from crmctl.services.activities import log_activity
from crmctl.services.companies import CompanyInput, add_company
from crmctl.services.contacts import add_contact
from crmctl.services.context import open_context
from crmctl.services.deals import add_deal
from crmctl.services.documents import attach_document
from crmctl.services.leads import add_lead
from crmctl.services.tasks import add_task, complete_task
from crmctl.services.users import UserInput, add_team, add_user
from tests.conftest import ADMIN, FIXED_NOW, Crm

# login: (role, manager, team)
USERS = {
    "director": ("manager", None, None),
    "mgr_a": ("manager", "director", "A"),
    "mgr_b": ("manager", "director", "B"),
    "sales_a1": ("sales", "mgr_a", "A"),
    "sales_a2": ("sales", "mgr_a", "A"),
    "sales_b1": ("sales", "mgr_b", "B"),
    "helpdesk": ("support", None, None),
}
OWNERS = ["director", "mgr_a", "mgr_b", "sales_a1", "sales_a2", "sales_b1"]
ACTORS = [ADMIN, *USERS]


@dataclass
class World:
    """Ids of what was made, with each record's owner and its customers' owners."""

    companies: dict[int, str] = field(default_factory=dict)
    contacts: dict[int, tuple[str, set[str]]] = field(default_factory=dict)
    deals: dict[int, tuple[str, set[str]]] = field(default_factory=dict)
    leads: dict[int, tuple[str, set[str]]] = field(default_factory=dict)
    # Work about customers (issue 5): owner = assignee or who logged/attached it.
    tasks: dict[int, tuple[str, set[str]]] = field(default_factory=dict)
    done_tasks: set[int] = field(default_factory=set)
    activities: dict[int, tuple[str, set[str]]] = field(default_factory=dict)
    documents: dict[int, tuple[str, set[str]]] = field(default_factory=dict)


def subordinates(login: str) -> set[str]:
    found = {login}
    while True:
        more = {u for u, (_, manager, _) in USERS.items() if manager in found} - found
        if not more:
            return found
        found |= more


def visible_owners(login: str) -> set[str] | None:
    """``None`` = everything; the defaults: admin all, manager subordinates, sales own."""
    if login == ADMIN:
        return None
    role = USERS[login][0]
    if role == "manager":
        return subordinates(login)
    if role == "sales":
        return {login}
    return set()


def expected(login: str, records: dict[int, tuple[str, set[str]]]) -> set[int]:
    owners = visible_owners(login)
    if owners is None:
        return set(records)
    return {rid for rid, (owner, customers) in records.items() if {owner, *customers} & owners}


def expected_companies(login: str, world: World) -> set[int]:
    owners = visible_owners(login)
    return {cid for cid, owner in world.companies.items() if owners is None or owner in owners}


def build_world(crm: Crm) -> World:
    """Users and records through the services in one transaction (fast), as the admin."""
    world = World()
    with _context(crm.url) as ctx:
        for team in ("A", "B"):
            add_team(ctx, team)
        for login, (role, manager, team) in USERS.items():
            add_user(ctx, UserInput(login=login, role=role, manager=manager, team=team))
        for owner in OWNERS:
            values: dict[str, str | None] = {"name": f"Firma {owner}", "phone": "777123456"}
            company = add_company(ctx, CompanyInput(values=values, owner=owner))
            world.companies[company["id"]] = owner
            person = add_contact(
                ctx,
                {"full_name": f"Kontakt {owner}", "owner": owner,
                 "companies": [{"id": company["id"], "primary": True}]},
            )  # fmt: skip
            world.contacts[person["id"]] = (owner, {owner})
            deal = add_deal(
                ctx, {"title": f"Obchod {owner}", "company_id": company["id"], "owner": owner,
                      "value": "1000"},
            )  # fmt: skip
            world.deals[deal["id"]] = (owner, {owner})
            lead = add_lead(ctx, {"name": f"Poptávka {owner}", "owner": owner})
            world.leads[lead["id"]] = (owner, set())
        by_owner = {owner: cid for cid, owner in world.companies.items()}
        # sales_b1's deal and contact at sales_a1's customer: both of them see it.
        cross = add_deal(
            ctx, {"title": "Cizí obchod", "company_id": by_owner["sales_a1"],
                  "owner": "sales_b1", "value": "500"},
        )  # fmt: skip
        world.deals[cross["id"]] = ("sales_b1", {"sales_a1"})
        person = add_contact(
            ctx,
            {"full_name": "Křížový Kontakt", "owner": "sales_b1",
             "companies": [{"id": by_owner["sales_a1"]}]},
        )  # fmt: skip
        world.contacts[person["id"]] = ("sales_b1", {"sales_a1"})
        loose = add_contact(ctx, {"full_name": "Volný Kontakt", "owner": "sales_a2"})
        world.contacts[loose["id"]] = ("sales_a2", set())
        _add_work(ctx, world, by_owner, cross=person["id"])
    return world


def _add_work(ctx: Any, world: World, by_owner: dict[str, int], cross: int) -> None:
    """Per owner a task at their customer, an open and a done one; an activity and a
    document (logged by the admin) at their customer; and work across customers."""
    for owner, company_id in by_owner.items():
        task = add_task(ctx, f"Úkol {owner}", assignee=owner, company=company_id, due_at="+1d")
        world.tasks[task["id"]] = (owner, {owner})
        done = add_task(ctx, f"Hotovo {owner}", assignee=owner, company=company_id)
        complete_task(ctx, done["id"])
        world.tasks[done["id"]] = (owner, {owner})
        world.done_tasks.add(done["id"])
        activity = log_activity(ctx, "call", body=f"Hovor {owner}", company=company_id)
        world.activities[activity["id"]] = (ADMIN, {owner})
    # sales_b1's task about a contact of sales_a1's customer; the admin's own task.
    task = add_task(ctx, "Křížový úkol", assignee="sales_b1", contact=cross)
    world.tasks[task["id"]] = ("sales_b1", {"sales_a1"})
    task = add_task(ctx, "Úkol admina", due_at="+2d")
    world.tasks[task["id"]] = (ADMIN, set())
    activity = log_activity(ctx, "note", body="Poznámka", contact=cross)
    world.activities[activity["id"]] = (ADMIN, {"sales_a1"})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "nabidka.txt"
        path.write_text("nabídka", encoding="utf-8")
        for owner, company_id in by_owner.items():
            document = attach_document(ctx, "company", company_id, path)
            world.documents[document["id"]] = (ADMIN, {owner})
        document = attach_document(ctx, "contact", cross, path)
        world.documents[document["id"]] = (ADMIN, {"sales_a1"})


@pytest.fixture
def world(crm: Crm) -> World:
    return build_world(crm)


def _context(url: str) -> Any:
    with mock.patch.dict(os.environ, {"CRM_NOW": FIXED_NOW}):
        return open_context(load_settings(url, ADMIN))


def ids(records: list[dict[str, Any]]) -> set[int]:
    return {record["id"] for record in records}


def as_user(crm: Crm, login: str) -> Crm:
    return Crm(crm.url, user=login)


# --- reads --------------------------------------------------------------------------------


@pytest.mark.parametrize("login", ACTORS)
def test_lists_show_exactly_what_the_policy_allows(crm: Crm, world: World, login: str) -> None:
    user = as_user(crm, login)
    assert ids(user.json("contacts", "list")) == expected(login, world.contacts)
    assert ids(user.json("contacts", "list", "--search", "kontakt")) == expected(
        login, world.contacts
    )
    assert ids(user.json("leads", "list")) == expected(login, world.leads)
    deals = user.json("deals", "list")
    full = {d["id"] for d in deals if not d.get("limited")}
    assert full == expected(login, world.deals)
    if login == "helpdesk":
        # Support sees the stage of every deal, never its value.
        assert ids(deals) == set(world.deals)
        assert all("value" not in d and d["stage"] for d in deals)
    else:
        assert ids(deals) == full


@pytest.mark.parametrize("login", ACTORS)
def test_everyone_finds_companies_but_sees_only_the_card(
    crm: Crm, world: World, login: str
) -> None:
    user = as_user(crm, login)
    companies = user.json("companies", "list")
    assert ids(companies) == set(world.companies)
    full = {c["id"] for c in companies if not c.get("limited")}
    assert full == expected_companies(login, world)
    for card in (c for c in companies if c.get("limited")):
        assert set(card) == {"id", "name", "ico", "city", "owner", "limited"}
    # A filter on a field the card hides must not reveal which hidden records match.
    by_phone = user.json("companies", "list", "--where", 'phone ~ "777"')
    assert ids(by_phone) == expected_companies(login, world)
    assert ids(user.json("companies", "list", "--search", "777123456")) == full


@pytest.mark.parametrize("login", ACTORS)
def test_single_records_are_shown_or_denied(crm: Crm, world: World, login: str) -> None:
    user = as_user(crm, login)
    for noun, records in (("contacts", world.contacts), ("leads", world.leads)):
        allowed = expected(login, records)
        for record_id in records:
            result = user(noun, "show", str(record_id), "-o", "json", code=ANY_CODE)
            assert result.exit_code == (0 if record_id in allowed else 5), (noun, record_id)
            if result.exit_code == 5:
                assert "permission denied" in result.stderr and result.stdout == ""
    allowed = expected(login, world.deals)
    for deal_id in world.deals:
        shown = user("deals", "show", str(deal_id), "-o", "json", code=ANY_CODE)
        timeline = user("timeline", "deal", str(deal_id), "-o", "json", code=ANY_CODE)
        assert timeline.exit_code == (0 if deal_id in allowed else 5)
        if login == "helpdesk":
            # The stage, not the deal's history (who moved it when).
            record = json.loads(shown.stdout)
            assert shown.exit_code == 0 and "value" not in record
            assert record["stage_history"] == []
        else:
            assert shown.exit_code == (0 if deal_id in allowed else 5)
    for company_id in world.companies:
        card = user.json("companies", "show", str(company_id))
        assert bool(card.get("limited")) == (company_id not in expected_companies(login, world))


@pytest.mark.parametrize("login", ["helpdesk", "sales_b1", "sales_a1"])
def test_a_tasks_links_are_named_only_where_readable(crm: Crm, world: World, login: str) -> None:
    """Support reads every open task but not the contacts on it; sales_b1's task is about a
    contact of sales_a1's customer, whose name both of them may read."""
    tasks = as_user(crm, login).json("tasks", "list")
    about_contact = [t for t in tasks if t["contact_id"]]
    assert about_contact
    for task in about_contact:
        readable = task["contact_id"] in expected(login, world.contacts)
        assert (task["contact"] is not None) == readable, task["id"]
    assert all(t["company"] for t in tasks if t["company_id"])  # the card's name


@pytest.mark.parametrize("login", ACTORS)
def test_a_missing_record_is_not_told_from_a_hidden_one(crm: Crm, world: World, login: str) -> None:
    user = as_user(crm, login)
    code = 3 if login == ADMIN else 5
    for noun in ("contacts", "deals", "leads"):
        result = user(noun, "show", "99999", code=code)
        assert result.stdout == ""


@pytest.mark.parametrize("login", ACTORS)
def test_timeline_and_forecast_count_only_visible_records(
    crm: Crm, world: World, login: str
) -> None:
    user = as_user(crm, login)
    visible_deals = expected(login, world.deals)
    forecast = json.loads(user("report", "forecast", "-o", "json").stdout)
    counted = sum(row["deals"] for row in forecast["rows"])
    assert counted == len(visible_deals)
    visible_contacts = expected(login, world.contacts)
    for company_id in world.companies:
        events = user.json("timeline", "company", str(company_id))
        for event in events:
            kind, entity_id = event["entity_type"], event["entity_id"]
            if kind == "contact":
                assert entity_id in visible_contacts
            elif kind == "deal":
                assert entity_id in visible_deals
            elif kind in ("task", "activity", "document"):
                work = {"task": world.tasks, "activity": world.activities}
                assert entity_id in expected(login, work.get(kind, world.documents))
            else:
                assert kind == "company" and entity_id in expected_companies(login, world)


# --- writes -------------------------------------------------------------------------------


@pytest.mark.parametrize("login", ACTORS)
def test_batch_update_changes_only_writable_deals(crm: Crm, world: World, login: str) -> None:
    user = as_user(crm, login)
    if login == "helpdesk":
        user("deals", "update", "--where", "id > 0", "--set", "campaign=x", code=5)
        return
    result = user(
        "deals", "update", "--where", "id > 0", "--set", f"campaign={login}", "-o", "json"
    )
    changed = {row["id"] for row in json.loads(result.stdout)}
    assert changed == expected(login, world.deals)
    campaigns = {d["id"]: d["campaign"] for d in Crm(crm.url).json("deals", "list")}
    assert {i for i, c in campaigns.items() if c == login} == changed


@pytest.mark.parametrize("login", ACTORS)
def test_single_writes_succeed_exactly_where_allowed(crm: Crm, world: World, login: str) -> None:
    user = as_user(crm, login)
    deals = expected(login, world.deals)
    for deal_id in world.deals:
        record = json.dumps({"id": deal_id, "campaign": "apply"})
        user("deals", "apply", "-f", "-", input=record, code=0 if deal_id in deals else 5)
        user("deals", "move", str(deal_id), "analyza", code=0 if deal_id in deals else 5)
    contacts = expected(login, world.contacts)
    for person_id in world.contacts:
        user("contacts", "edit", str(person_id), "--function", "x",
             code=0 if person_id in contacts else 5)  # fmt: skip
    leads = expected(login, world.leads)
    for lead_id in world.leads:
        user("leads", "assign", str(lead_id), login if login != "helpdesk" else ADMIN,
             code=0 if lead_id in leads else 5)  # fmt: skip
    companies = expected_companies(login, world)
    for company_id in world.companies:
        user("companies", "edit", str(company_id), "--industry", "x",
             code=0 if company_id in companies else 5)  # fmt: skip


@pytest.mark.parametrize("login", ["sales_a1", "helpdesk", "mgr_a"])
def test_creating_records_respects_the_write_scope(crm: Crm, world: World, login: str) -> None:
    user = as_user(crm, login)
    if login == "helpdesk":
        user("deals", "add", "--title", "Nový", code=5)
        user("companies", "add", "--name", "Nová", code=5)
        return
    user("deals", "add", "--title", "Vlastní")
    user("deals", "add", "--title", "Cizí", "--owner", "sales_b1", code=5)
    # A manager may hand work to the people below them, a salesperson to no one else.
    user("leads", "add", "--name", "Jan", "--owner", "sales_a2", code=0 if login == "mgr_a" else 5)


def test_import_needs_write_scope_all(crm: Crm, world: World, tmp_path: Any) -> None:
    path = tmp_path / "list.csv"
    path.write_text("Název;Město\nFirma Import;Brno\n", encoding="utf-8")
    as_user(crm, "mgr_a")("import", str(path), code=5)
    as_user(crm, "sales_a1")("import", "list", code=5)


# --- policy show | explain and the configuration --------------------------------------------


def test_policy_show_prints_the_matrix(crm: Crm) -> None:
    rows = crm.json("policy", "show")
    matrix = {(r["role"], r["entity"]): (r["read"], r["write"]) for r in rows}
    assert matrix["sales", "deal"] == ("own", "own")
    assert matrix["manager", "contact"] == ("subordinates", "subordinates")
    assert matrix["admin", "lead"] == ("all", "all")
    support = next(r for r in rows if (r["role"], r["entity"]) == ("support", "deal"))
    assert support["read"] == "none" and "stage" in support["limited"]


def test_policy_explain_says_why(crm: Crm, world: World) -> None:
    deal_id = next(i for i, (owner, _) in world.deals.items() if owner == "sales_a1")
    lines = {
        r["aspect"]: r["explanation"]
        for r in crm.json("policy", "explain", "mgr_a", "deal", str(deal_id))
    }
    assert lines["read"].startswith("allowed") and "subordinates" in lines["scopes"]
    lines = {
        r["aspect"]: r["explanation"]
        for r in crm.json("policy", "explain", "sales_b1", "deal", str(deal_id))
    }
    assert lines["read"].startswith("denied") and lines["write"].startswith("denied")
    # Not an admin: only about oneself.
    as_user(crm, "sales_a1")("policy", "explain", "sales_b1", "deal", str(deal_id), code=5)


def test_configured_policy_overrides_the_defaults(crm: Crm, world: World, tmp_path: Any) -> None:
    (tmp_path / "crmctl.yaml").write_text(
        "policy:\n  roles:\n    sales:\n      deal: {read: team, write: own}\n"
        "    auditor:\n      deal: {read: all}\n",
        encoding="utf-8",
    )
    user = as_user(crm, "sales_a1")
    team_a = {"mgr_a", "sales_a1", "sales_a2"}
    seen = ids(user.json("deals", "list"))
    assert seen == {
        i for i, (owner, customers) in world.deals.items() if {owner, *customers} & team_a
    }
    rows = crm.json("policy", "show")
    assert {"role": "auditor", "entity": "deal", "read": "all"}.items() <= next(
        r for r in rows if r["role"] == "auditor" and r["entity"] == "deal"
    ).items()


def test_a_bad_policy_is_refused_by_name(crm: Crm, tmp_path: Any) -> None:
    (tmp_path / "crmctl.yaml").write_text(
        "policy:\n  roles:\n    sales:\n      deal: {read: everyone}\n", encoding="utf-8"
    )
    result = crm("policy", "show", code=2)
    assert "policy.roles.sales.deal" in result.stderr and "everyone" in result.stderr


class _Any:
    """Accept any exit code; the test checks it itself."""

    def __eq__(self, other: object) -> bool:
        return True


ANY_CODE: Any = _Any()
