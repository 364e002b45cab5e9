"""Ways around the need-to-know policy that a list, a linked name or an error message
opened, each closed: sorting or filtering by a field a limited row hides, names of linked
records the reader may not see, conflict messages naming hidden records, and approving
a decision about a record the approver may not read.

The world is tests.services.test_policy's (three-level manager chain, two teams, a
support user); expectations come from its plain-Python model of owners.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from crmctl.services.approvals import request_approval
from tests.conftest import ADMIN, Crm
from tests.services.test_policy import World, _context, as_user, build_world, expected


@pytest.fixture
def world(crm: Crm) -> World:
    return build_world(crm)


def owned_by(records: dict[int, tuple[str, set[str]]], owner: str) -> int:
    """The record owned by ``owner`` at their own customer (the first one made)."""
    return min(i for i, (who, customers) in records.items() if who == owner)


def cross(records: dict[int, tuple[str, set[str]]]) -> int:
    return next(i for i, (owner, c) in records.items() if (owner, c) == ("sales_b1", {"sales_a1"}))


def at(crm: Crm, now: str, user: str = ADMIN) -> Crm:
    return Crm(crm.url, user=user, now=now)


def ordered_ids(records: list[dict[str, Any]]) -> list[int]:
    return [record["id"] for record in records]


# --- sorting and filtering by hidden fields -------------------------------------------------


def test_limited_rows_are_not_ordered_by_hidden_fields(crm: Crm, world: World) -> None:
    """Support sees every deal's stage, never its value nor when it was last touched."""
    deal_ids = sorted(world.deals)
    for n, deal_id in enumerate(deal_ids):
        # The later the id, the lower the value and the later the touch: both orders are
        # the reverse of the ids'.
        at(crm, f"2026-03-11T{10 + n:02d}:00:00+01:00")(
            "deals", "update", "--where", f"id = {deal_id}", "--set", f"value={9000 - n * 1000}"
        )
    support = at(crm, "2026-03-12T09:00:00+01:00", "helpdesk")
    for sort in ("value", "-value", "idle_days", "last_touched_at", "probability"):
        listed = support.json("deals", "list", "--sort", sort)
        assert ordered_ids(listed) == deal_ids, sort
    # The default order (most idle first) is by a hidden field too.
    assert ordered_ids(support.json("deals", "list")) == deal_ids
    # A field the limited view shows still sorts.
    titles = [d["title"] for d in support.json("deals", "list", "--sort", "title")]
    assert titles == sorted(titles)
    # The admin's order is the values' (the test would not show anything otherwise).
    admin = at(crm, "2026-03-12T09:00:00+01:00")
    assert ordered_ids(admin.json("deals", "list", "--sort", "value")) == deal_ids[::-1]


def test_filters_on_hidden_fields_match_full_rows_only(crm: Crm, world: World) -> None:
    """Bisecting ``value`` with ``--where`` would reveal it row by row."""
    support = as_user(crm, "helpdesk")
    for where in ("value > 600", "value < 600", "idle_days >= 0", "custom.x is null"):
        assert support.json("deals", "list", "--where", where) == [], where
    assert len(support.json("deals", "list", "--where", 'stage = "poptavka"')) == len(world.deals)


def test_company_cards_are_not_ordered_by_hidden_fields(crm: Crm, world: World) -> None:
    """A salesperson sees the card of every company: sorting by what the card hides orders
    their own companies only; the cards follow by id."""
    company_ids = sorted(world.companies)
    for n, company_id in enumerate(company_ids):
        crm("companies", "edit", str(company_id), "--industry", f"obor {9 - n}")
    user = as_user(crm, "sales_a1")
    own = sorted(expected_company_ids(world, "sales_a1"))
    cards = [cid for cid in company_ids if cid not in own]
    listed = user.json("companies", "list", "--sort", "industry")
    assert ordered_ids(listed) == own + cards
    listed = user.json("companies", "list", "--sort", "-industry")
    assert ordered_ids(listed) == own + cards
    # By a card field all companies sort together.
    names = [c["name"] for c in user.json("companies", "list", "--sort", "name")]
    assert names == sorted(names)
    assert ordered_ids(crm.json("companies", "list", "--sort", "industry")) == company_ids[::-1]


def expected_company_ids(world: World, login: str) -> set[int]:
    return {cid for cid, owner in world.companies.items() if owner == login}


# --- names of linked records --------------------------------------------------------------


def test_a_visible_deal_names_only_the_contacts_its_reader_may_see(crm: Crm, world: World) -> None:
    # sales_b1's deal and contact at sales_a1's customer: both of them see both.
    cross_deal = cross(world.deals)
    shared = cross(world.contacts)
    hidden = owned_by(world.contacts, "sales_a1")  # sales_b1 may not see it
    record = {"id": cross_deal, "contacts": [{"id": hidden, "role": "decision"}, {"id": shared}]}
    crm("deals", "apply", "-f", "-", input=json.dumps(record))
    assert cross_deal in expected("sales_b1", world.deals)
    assert hidden not in expected("sales_b1", world.contacts)
    user = as_user(crm, "sales_b1")
    shown = user("deals", "show", str(cross_deal), "-o", "json").stdout
    assert [c["id"] for c in json.loads(shown)["contacts"]] == [shared]
    assert "Kontakt sales_a1" not in shown
    listed = next(d for d in user.json("deals", "list") if d["id"] == cross_deal)
    assert [c["id"] for c in listed["contacts"]] == [shared]
    # sales_a1 may see both.
    both = as_user(crm, "sales_a1").json("deals", "show", str(cross_deal))
    assert sorted(c["id"] for c in both["contacts"]) == sorted([hidden, shared])


def test_a_visible_task_names_only_linked_records_its_reader_may_see(
    crm: Crm, world: World
) -> None:
    hidden_deal = owned_by(world.deals, "sales_a1")
    hidden_contact = owned_by(world.contacts, "sales_a1")
    task = crm.json("tasks", "add", "Zavolat", "--assignee", "sales_b1",
                    "--deal", str(hidden_deal), "--contact", str(hidden_contact))  # fmt: skip
    assert hidden_deal not in expected("sales_b1", world.deals)
    shown = as_user(crm, "sales_b1")("tasks", "show", str(task["id"]), "-o", "json").stdout
    record = json.loads(shown)
    assert record["deal"] is None and record["contact"] is None
    assert "Obchod sales_a1" not in shown and "Kontakt sales_a1" not in shown
    listed = as_user(crm, "sales_b1")("tasks", "list", "-o", "json").stdout
    assert "Obchod sales_a1" not in listed and "Kontakt sales_a1" not in listed
    # Whoever may see them sees the names.
    record = as_user(crm, "mgr_a").json("tasks", "show", str(task["id"]))
    assert record["deal"] == "Obchod sales_a1" and record["contact"] == "Kontakt sales_a1"


def test_contacts_are_not_found_by_what_their_companys_card_hides(crm: Crm, world: World) -> None:
    """sales_b1 sees a contact at sales_a1's customer, but of that company only the card:
    searching contacts by the company's phone must not tell which company has it."""
    company_id = next(cid for cid, owner in world.companies.items() if owner == "sales_a1")
    crm("companies", "edit", str(company_id), "--phone", "603111222")
    shared = cross(world.contacts)
    assert shared in expected("sales_b1", world.contacts)
    assert as_user(crm, "sales_b1").json("contacts", "list", "--search", "603111222") == []
    # By what the card shows, and by the phone for who sees the company, it is found.
    by_name = as_user(crm, "sales_b1").json("contacts", "list", "--search", "Firma sales_a1")
    assert shared in ordered_ids(by_name)
    found = as_user(crm, "sales_a1").json("contacts", "list", "--search", "603111222")
    assert shared in ordered_ids(found)


# --- conflicts ------------------------------------------------------------------------------


def test_a_taken_email_does_not_name_a_hidden_contact(crm: Crm, world: World) -> None:
    hidden = owned_by(world.contacts, "sales_a1")
    crm("contacts", "edit", str(hidden), "--add-email", "tajny@example.cz")
    result = as_user(crm, "sales_b1")(
        "contacts", "add", "--name", "Nový Kontakt", "--email", "tajny@example.cz", code=4
    )
    assert "already belongs to another contact" in result.stderr
    assert f"#{hidden}" not in result.stderr and f" {hidden}" not in result.stderr
    assert "Kontakt sales_a1" not in result.stderr
    # Who may see the contact is told which one it is, to merge.
    result = as_user(crm, "sales_a1")(
        "contacts", "add", "--name", "Nový Kontakt", "--email", "tajny@example.cz", code=4
    )
    assert f"contact #{hidden}" in result.stderr


def test_a_taken_ico_shows_no_more_than_the_company_card(crm: Crm, world: World) -> None:
    company_id = next(cid for cid, owner in world.companies.items() if owner == "sales_a1")
    crm("companies", "edit", str(company_id), "--ico", "27082440", "--industry", "tajný obor")
    result = as_user(crm, "sales_b1")(
        "companies", "add", "--name", "Jiná firma", "--ico", "27082440", code=4
    )
    assert f"company #{company_id} Firma sales_a1" in result.stderr  # the card: public
    assert "owner: sales_a1" in result.stderr
    assert "777" not in result.stderr and "tajný" not in result.stderr
    assert "merge" not in result.stderr  # not theirs to merge


# --- approvals ------------------------------------------------------------------------------


def test_approving_and_listing_need_reading_the_record(crm: Crm, world: World) -> None:
    deal_id = owned_by(world.deals, "sales_a1")
    with _context(crm.url) as ctx:
        approval = request_approval(ctx, "deal", deal_id, "sleva 40 %", "role:manager")
    # mgr_b is a manager but not over sales_a1: may not see the deal, so may not decide.
    for verb in ("approve", "reject"):
        result = as_user(crm, "mgr_b")("approvals", verb, str(approval["id"]), code=5)
        assert "permission denied" in result.stderr and result.stdout == ""
    pending = crm.json("approvals", "list")
    assert [a["status"] for a in pending if a["id"] == approval["id"]] == ["pending"]
    # Nor is it on their list, reason and all; the deal owner's manager sees it.
    assert approval["id"] not in [a["id"] for a in as_user(crm, "mgr_b").json("approvals", "list")]
    assert approval["id"] in [a["id"] for a in as_user(crm, "mgr_a").json("approvals", "list")]
    as_user(crm, "mgr_a")("approvals", "approve", str(approval["id"]))
    decided = crm.json("approvals", "list", "--all")
    assert [a["status"] for a in decided if a["id"] == approval["id"]] == ["approved"]
