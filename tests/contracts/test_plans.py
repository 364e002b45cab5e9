"""Account plans (issue 19 item 7): progress, whitespace, stakeholders, actions, rights.
Today is 2026-03-10."""

from __future__ import annotations

import pytest

from tests.conftest import Crm, snapshot


@pytest.fixture
def planned(crm: Crm) -> Crm:
    crm("users", "add", "novak", "--name", "Jan Novák", "--role", "sales")
    crm("users", "add", "dvorak", "--name", "Petr Dvořák", "--role", "sales")
    crm("users", "add", "svoboda", "--name", "Eva Svobodová", "--role", "support")
    crm("companies", "add", "--name", "Alfa s.r.o.", "--owner", "novak")
    for code, name, billing in (
        ("SUP", "Podpora", "monthly"),
        ("HW", "Server", "once"),
        ("CONS", "Konzultace", "once"),
        ("OLD", "Starý", "once"),
    ):
        crm("products", "add", code, "--name", name, "--price", "1000", "--billing", billing)
    crm("products", "edit", "OLD", "--inactive")
    return crm


def _deal(crm: Crm, product: str, value: str, *, currency: str = "") -> int:
    crm("leads", "add", "--name", "X", "--company", "Alfa s.r.o.", "--product", product)
    lead = crm.json("leads", "list", "--sort", "-id")[0]["id"]
    deal = crm.json("leads", "convert", str(lead), "--value", f"{value} {currency}".strip())
    return int(deal["id"]) if "id" in deal else int(deal["deal"]["id"])


def test_progress_and_whitespace(planned: Crm) -> None:
    crm = planned
    plan = crm.json("plans", "add", "Alfa", "--period", "2026", "--goal", "Růst",
                    "--target-value", "100 000 Kč")  # fmt: skip
    assert (plan["owner"], plan["target_value"]) == ("novak", "100000.00")
    crm("services", "add", "--company", "Alfa", "--name", "Podpora", "--kind", "ours",
        "--product", "SUP")  # fmt: skip
    crm.now = "2025-12-20T10:00:00+01:00"
    crm("deals", "win", str(_deal(crm, "CONS", "70000")))  # won before the period
    crm.now = "2026-03-10T09:00:00+01:00"
    crm("deals", "win", str(_deal(crm, "CONS", "40000")))
    _deal(crm, "HW", "25000")  # open: HW is offered, not whitespace
    _deal(crm, "HW", "9000", currency="EUR")  # another currency: not in the CZK sums
    for name, at in (("Jan Dvořák", "2026-03-01"), ("Eva Malá", "2025-10-01"), ("Petr Král", "")):
        contact = crm.json("contacts", "add", "--name", name, "--company", "Alfa")
        crm("plans", "stakeholder", "add", "1", str(contact["id"]), "--role", "influencer",
            "--attitude", "supporter")  # fmt: skip
        if at:
            crm("log", "call", "--contact", str(contact["id"]), "--at", at, "--subject", "Hovor")
    crm("plans", "action", "add", "1", "Workshop", "--due", "2026-03-01")  # overdue
    crm("plans", "action", "add", "1", "Nabídka", "--due", "2026-04-01")
    done = crm.json("plans", "action", "add", "1", "Oběd", "--due", "2026-03-05")
    crm("tasks", "done", str(done["id"]))
    shown = crm.json("plans", "show", "1")
    assert shown["progress"] == {
        "won_value": "40000.00", "open_pipeline": "25000.00", "target_value": "100000.00",
        "actions_done": 1, "actions_open": 2, "actions_overdue": 1,
        "stakeholders_without_contact": 2, "attainment_percent": "40.0",
    }  # fmt: skip
    assert [s["quiet"] for s in shown["stakeholders"]] == [False, True, True]
    assert [w["code"] for w in shown["whitespace"]] == ["CONS"]
    assert len(crm.json("tasks", "list", "--where", "plan_id = 1")) == 3
    table = crm("plans", "show", "1").stdout
    for section in ("Progress", "Stakeholders", "Actions", "Whitespace", "Konzultace"):
        assert section in table
    kinds = {e["kind"] for e in crm.json("timeline", "plan", "1")}
    assert {"plan.created", "plan.stakeholder_added", "plan.action_added"} <= kinds
    assert "plan.created" in {e["kind"] for e in crm.json("timeline", "company", "Alfa")}


def test_list_where_sort_fields_edit(planned: Crm) -> None:
    planned("companies", "add", "--name", "Beta a.s.", "--owner", "dvorak")
    planned("plans", "add", "Alfa", "--period", "2026", "--target-value", "5000")
    planned("plans", "add", "Beta", "--period", "2027-Q1", "--target-value", "9000")
    assert [p["id"] for p in planned.json("plans", "list", "--sort", "-target_value")] == [2, 1]
    assert [p["company"] for p in planned.json("plans", "list", "--where", 'period = "2026"')] == [
        "Alfa s.r.o."
    ]
    assert "Beta a.s." in planned("plans", "list", "--fields", "company,period", "-o", "csv").stdout
    edited = planned.json("plans", "edit", "1", "--goal", "Cross-sell", "--owner", "dvorak")
    assert (edited["goal"], edited["owner"]) == ("Cross-sell", "dvorak")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("plans", "add", "Alfa", "--period", "2026"), 4, "already has plan #1 for 2026"),
        (("plans", "add", "Alfa", "--period", "jaro"), 2, "--from 'jaro'"),
        (("plans", "add", "Alfa"), 4, "needs a period"),
        (("plans", "stakeholder", "add", "1", "1", "--role", "boss", "--attitude", "neutral"), 4,
         "--role 'boss'"),
        (("plans", "stakeholder", "add", "1", "1", "--role", "user", "--attitude", "happy"), 4,
         "--attitude 'happy'"),
        (("plans", "show", "9"), 3, "no account plan '9'"),
    ],
)  # fmt: skip
def test_bad_input_changes_nothing(planned: Crm, args: tuple[str, ...], code: int,
                                   message: str) -> None:  # fmt: skip
    planned("plans", "add", "Alfa", "--period", "2026")
    planned("contacts", "add", "--name", "Jan Dvořák", "--company", "Alfa")
    before = snapshot(planned.url)
    result = planned(*args, code=code)
    assert message in result.stderr and "Traceback" not in result.stderr
    assert snapshot(planned.url) == before


def test_rights(planned: Crm) -> None:
    planned("plans", "add", "Alfa", "--period", "2026")
    novak = Crm(planned.url, user="novak")
    assert [p["id"] for p in novak.json("plans", "list")] == [1]
    assert novak.json("plans", "show", "1")["period"] == "2026"
    novak("plans", "edit", "1", "--goal", "Můj cíl")
    for login in ("dvorak", "svoboda"):
        other = Crm(planned.url, user=login)
        assert other.json("plans", "list") == []
        before = snapshot(planned.url)
        other("plans", "show", "1", code=5)
        other("plans", "edit", "1", "--goal", "x", code=5)
        other("plans", "action", "add", "1", "x", code=5)
        other("timeline", "plan", "1", code=5)
        other("plans", "add", "Alfa", "--period", "2027", code=5)
        assert snapshot(planned.url) == before
