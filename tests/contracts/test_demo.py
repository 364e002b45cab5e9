"""`init --demo --history` (`make demo`): services of each kind, contracts ending soon,
one account plan (issue 19 item 9)."""

from __future__ import annotations

from tests.conftest import Crm

NOW = "2027-03-31T12:00:00+02:00"


def test_demo_has_services_of_each_kind_and_an_account_plan(db_url: str) -> None:
    crm = Crm(db_url, now=NOW)
    result = crm("init", "--demo", "--history")
    assert "demo services loaded: 5 services, 1 account plan(s)" in result.stderr
    assert {s["kind"] for s in crm.json("services", "list")} == {"ours", "competitor", "purchase"}
    soon = crm.json("services", "expiring", "--within", "90d")
    assert {s["kind"] for s in soon} == {"ours", "competitor"}
    (plan,) = crm.json("plans", "list")
    shown = crm.json("plans", "show", str(plan["id"]))
    assert len(shown["stakeholders"]) == 2 and len(shown["actions"]) == 2
    again = crm("init", "--demo", "--history")
    assert "demo services skipped" in again.stderr
