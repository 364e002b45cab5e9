"""Campaigns: add/edit/rm, launch (idempotent, assignment, skips, dry run, workflow
rules), conversion keeping the campaign, the free-text migration and rights."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from crmctl.db.migrate import alembic_config
from tests.conftest import Crm, snapshot


@pytest.fixture
def sales(crm: Crm) -> Crm:
    """Managers petra (over novak) and admin; sales novak, dvorak; support hana.
    Companies: 1 Alfa (Brno, novak, contact Jan Dvořák), 2 Beta (Praha, no owner),
    3 Gama (Brno, dvorak), 4 Delta (Brno, novak)."""
    crm("users", "add", "petra", "--name", "Petra Malá", "--role", "manager")
    crm("users", "add", "novak", "--name", "Jan Novák", "--manager", "petra")
    crm("users", "add", "dvorak", "--name", "Petr Dvořák")
    crm("users", "add", "hana", "--name", "Hana Zelená", "--role", "support")
    crm("companies", "add", "--name", "Alfa s.r.o.", "--city", "Brno", "--owner", "novak",
        "--psc", "602 00")  # fmt: skip
    crm("companies", "add", "--name", "Beta a.s.", "--city", "Praha")
    _without_owner(crm.url, "Beta a.s.")  # as imported records may be
    crm("companies", "add", "--name", "Gama", "--city", "Brno", "--owner", "dvorak")
    crm("companies", "add", "--name", "Delta", "--city", "Brno", "--owner", "novak")
    crm("contacts", "add", "--name", "Jan Dvořák", "--company", "Alfa s.r.o.")
    crm("products", "add", "CRM", "--name", "CRM Pro", "--price", "990", "--billing", "monthly")
    crm("campaigns", "add", "Jaro 2027", "--product", "CRM", "--budget", "10 000 Kč",
        "--starts", "2027-03-01", "--ends", "2027-04-30",
        "--description", "Jarní akce")  # fmt: skip
    return crm


def _without_owner(url: str, name: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE companies SET owner_id = NULL WHERE name = :n"), {"n": name}
        )
    engine.dispose()


def launch(crm: Crm, *args: str) -> list[dict[str, Any]]:
    return crm.json("campaigns", "launch", "1", *args)  # type: ignore[no-any-return]


def opened(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(r["company"], r["owner"]) for r in rows if r["action"] == "opened"]


def skipped(rows: list[dict[str, Any]]) -> dict[str, str]:
    return {r["company"]: r["reason"] for r in rows if r["action"] == "skipped"}


def test_add_show_edit(sales: Crm) -> None:
    record = sales.json("campaigns", "show", "Jaro 2027")
    assert (record["product"], record["budget"], record["starts_on"], record["owner"]) == (
        "CRM", "10000.00", "2027-03-01", "admin",
    )  # fmt: skip
    edited = sales.json("campaigns", "edit", "1", "--budget", "12 000", "--owner", "petra")
    assert (edited["budget"], edited["owner"]) == ("12000.00", "petra")
    kinds = [e["kind"] for e in sales.json("timeline", "campaign", "1")]
    assert kinds == ["campaign.updated", "campaign.created"]


def test_launch_opens_one_lead_per_company_and_is_idempotent(sales: Crm) -> None:
    first = launch(sales, "--where", 'city = "Brno"')
    assert opened(first) == [("Alfa s.r.o.", "novak"), ("Gama", "dvorak"), ("Delta", "novak")]
    leads = sales.json("leads", "list", "--where", "campaign_id = 1")
    assert {(lead["source"], lead["campaign"], lead["status"]) for lead in leads} == {
        ("campaign", "Jaro 2027", "new")
    }
    alfa = next(lead for lead in leads if lead["company_id"] == 1)
    assert (alfa["person_id"], alfa["contact_name"], alfa["product"]) == (
        1,
        "Jan Dvořák",
        "CRM Pro",
    )
    # A second launch opens nothing new; a new match is opened alone.
    again = launch(sales, "--where", 'city = "Brno"')
    assert opened(again) == []
    assert skipped(again)["Gama"].startswith("already has lead #")
    sales("companies", "add", "--name", "Epsilon", "--city", "Brno", "--owner", "dvorak")
    assert opened(launch(sales, "--where", 'city = "Brno"')) == [("Epsilon", "dvorak")]
    assert len(sales.json("leads", "list", "--where", "campaign_id = 1")) == 4
    assert sales.json("campaigns", "show", "1")["leads"] == 4


def test_every_lead_has_its_created_event(sales: Crm) -> None:
    rows = launch(sales, "--where", 'city = "Brno"')
    lead_id = next(r["lead_id"] for r in rows if r["company"] == "Gama")
    (event,) = sales.json("timeline", "lead", str(lead_id))
    assert event["kind"] == "lead.created"


def test_assignment_round_robin_and_territory(sales: Crm, tmp_path: Path) -> None:
    rows = launch(sales, "--where", "id > 0", "--assign", "round_robin:novak,dvorak")
    assert opened(rows) == [
        ("Alfa s.r.o.", "novak"), ("Beta a.s.", "dvorak"), ("Gama", "novak"), ("Delta", "dvorak"),
    ]  # fmt: skip
    sales("campaigns", "add", "Podzim")
    (tmp_path / "crmctl.yaml").write_text(
        "territories:\n  by: region\n  table: {Jihomoravský kraj: dvorak}\n"
    )
    rows = sales.json("campaigns", "launch", "Podzim", "--where", "id > 0", "--assign", "territory")
    assert opened(rows) == [("Alfa s.r.o.", "dvorak")]  # PSČ 602 00 → Jihomoravský kraj
    assert "matches no territory" in skipped(rows)["Gama"]
    (tmp_path / "crmctl.yaml").write_text(
        "territories:\n  by: region\n  table: {Jihomoravský kraj: dvorak}\n  fallback: novak\n"
    )
    rows = sales.json("campaigns", "launch", "Podzim", "--where", "id > 0", "--assign", "territory")
    assert opened(rows) == [("Beta a.s.", "novak"), ("Gama", "novak"), ("Delta", "novak")]


def test_skipped_companies_with_reasons(sales: Crm) -> None:
    sales("users", "edit", "dvorak", "--inactive")
    rows = launch(sales, "--where", "id > 0")
    assert opened(rows) == [("Alfa s.r.o.", "novak"), ("Delta", "novak")]
    assert skipped(rows) == {
        "Beta a.s.": "the company has no owner",
        "Gama": "owner dvorak is inactive",
    }
    sales("users", "edit", "dvorak", "--active")
    # A manager opens leads only for owners in her write scope (novak, not dvorak).
    sales("campaigns", "add", "Léto")
    manager = Crm(sales.url, user="petra")
    rows = manager.json("campaigns", "launch", "Léto", "--where", "id > 0")
    assert skipped(rows)["Gama"] == "you may not give leads to dvorak"


def test_dry_run_writes_nothing(sales: Crm) -> None:
    before = snapshot(sales.url)
    rows = launch(sales, "--where", 'city = "Brno"', "--dry-run")
    assert [r["lead_id"] for r in rows] == [None, None, None]
    assert len(opened(rows)) == 3
    assert snapshot(sales.url) == before


def test_follow_up_task_per_lead(sales: Crm) -> None:
    launch(sales, "--where", 'city = "Brno"', "--task", "Zavolat", "--due", "+5d")
    tasks = sales.json("tasks", "list")
    assert sorted((t["assignee"], t["subject"]) for t in tasks) == [
        ("dvorak", "Zavolat"), ("novak", "Zavolat"), ("novak", "Zavolat"),
    ]  # fmt: skip
    assert {t["due_at"][:10] for t in tasks} == {"2026-03-15"}  # FIXED_NOW + 5 days


def test_launch_from_a_view_and_bad_input(sales: Crm) -> None:
    sales("views", "save", "brno", "--entity", "companies", "--where", 'city = "Brno"')
    rows = launch(sales, "--view", "brno", "--where", 'owner = "novak"')
    assert opened(rows) == [("Alfa s.r.o.", "novak"), ("Delta", "novak")]
    before = snapshot(sales.url)
    for args, code, message in [
        ((), 2, "say which companies"),
        (("--where", "colour = 1"), 4, "colour"),
        (("--where", "id > 0", "--assign", "random"), 2, "--assign 'random'"),
        (("--where", "id > 0", "--assign", "round_robin:nobody"), 3, "nobody"),
        (("--where", "id > 0", "--assign", "territory"), 2, "territories"),
        (("--where", "id > 0", "--due", "+5d"), 2, "--due needs --task"),
        (("--view", "nope"), 3, "no view 'nope'"),
    ]:
        result = sales("campaigns", "launch", "1", *args, code=code)
        assert message in result.stderr and "Traceback" not in result.stderr
    sales("campaigns", "launch", "99", "--where", "id > 0", code=3)
    assert snapshot(sales.url) == before


def test_lead_rules_fire_for_launched_leads(sales: Crm, tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text(
        "rules:\n"
        "  - id: campaign-call\n"
        "    trigger: {event: lead.created}\n"
        "    when: 'source = \"campaign\"'\n"
        "    actions:\n"
        "      - create_task: {title: Obvolat z kampaně, due: +2d}\n"
    )
    (tmp_path / "crmctl.yaml").write_text("workflows: rules.yaml\n")
    launch(sales, "--where", 'city = "Brno"')
    sales("leads", "add", "--name", "Web", "--source", "web")  # not a campaign lead
    sales("workflows", "run", "--once")
    tasks = sales.json("tasks", "list", "--where", 'subject = "Obvolat z kampaně"')
    assert sorted(t["lead_id"] for t in tasks) == [1, 2, 3]
    sales("workflows", "run", "--once")  # exactly once
    assert len(sales.json("tasks", "list", "--where", 'subject = "Obvolat z kampaně"')) == 3


def test_conversion_keeps_the_campaign_as_a_reference(sales: Crm) -> None:
    launch(sales, "--where", 'name = "Alfa s.r.o."')
    sales("leads", "convert", "1", "--value", "30 000")
    (deal,) = sales.json("deals", "list", "--where", "campaign_id = 1")
    assert (deal["campaign"], deal["source"], deal["company"]) == (
        "Jaro 2027",
        "campaign",
        "Alfa s.r.o.",
    )
    assert sales.json("deals", "list", "--where", "product_id = 1")[0]["id"] == deal["id"]
    # Renaming the campaign renames what its leads and deals show.
    sales("campaigns", "edit", "1", "--name", "Jaro 27")
    assert sales.json("deals", "show", str(deal["id"]))["campaign"] == "Jaro 27"


def test_free_text_campaigns_link_by_name(sales: Crm) -> None:
    sales("leads", "add", "--name", "A", "--campaign", "Jaro 2027")  # an existing campaign
    sales("leads", "add", "--name", "B", "--campaign", "veletrh")  # none yet: text only
    assert [r["id"] for r in sales.json("leads", "list", "--where", "campaign_id = 1")] == [1]
    sales("campaigns", "add", "veletrh")  # picks up the leads that named it
    assert [r["id"] for r in sales.json("leads", "list", "--where", "campaign_id = 2")] == [2]


def test_rm_only_an_unused_campaign(sales: Crm) -> None:
    launch(sales, "--where", 'name = "Gama"')
    result = sales("campaigns", "rm", "1", code=4)
    assert "has 1 lead(s)" in result.stderr
    sales("campaigns", "add", "Omyl")
    sales("campaigns", "rm", "Omyl")
    assert [c["name"] for c in sales.json("campaigns", "list")] == ["Jaro 2027"]


def test_rights_on_every_campaign_path(sales: Crm) -> None:
    launch(sales, "--where", 'city = "Brno"')
    novak = Crm(sales.url, user="novak")
    assert [c["name"] for c in novak.json("campaigns", "list")] == ["Jaro 2027"]
    assert novak.json("campaigns", "show", "1")["leads"] == 3
    assert len(novak.json("timeline", "campaign", "1")) == 2
    before = snapshot(sales.url)
    for args in (
        ("campaigns", "add", "Moje"),
        ("campaigns", "edit", "1", "--budget", "1"),
        ("campaigns", "rm", "1"),
        ("campaigns", "launch", "1", "--where", "id > 0"),
    ):
        assert "permission denied" in novak(*args, code=5).stderr
    assert snapshot(sales.url) == before
    hana = Crm(sales.url, user="hana")  # support: no campaigns
    assert hana.json("campaigns", "list") == []
    hana("campaigns", "show", "1", code=5)
    hana("timeline", "campaign", "1", code=5)


def test_free_text_campaigns_become_records_on_upgrade(db_url: str) -> None:
    """Migration 0011 turns each distinct free-text campaign into a campaign record."""
    engine = create_engine(db_url)
    config = alembic_config(engine)
    command.downgrade(config, "0010")  # the test database is made at head
    now = "2026-03-10 09:00:00"
    with engine.begin() as connection:
        for number, campaign in enumerate(["jaro26", "jaro26", "veletrh", None], start=1):
            connection.execute(
                text(
                    "INSERT INTO leads (id, source, received_at, status, campaign, custom, "
                    "created_at, updated_at) VALUES (:id, 'web', :now, 'new', :c, '{}', :now, :now)"
                ),
                {"id": number, "now": now, "c": campaign},
            )
    command.upgrade(config, "head")
    with engine.connect() as connection:
        names = dict(connection.execute(text("SELECT name, id FROM campaigns")).all())
        links = connection.execute(text("SELECT id, campaign_id FROM leads ORDER BY id")).all()
    engine.dispose()
    assert set(names) == {"jaro26", "veletrh"}
    assert [tuple(row) for row in links] == [
        (1, names["jaro26"]), (2, names["jaro26"]), (3, names["veletrh"]), (4, None),
    ]  # fmt: skip


def test_gdpr_export_and_erase_cover_launched_leads(sales: Crm) -> None:
    """A launched lead copies its primary contact's name: it is that person's data."""
    launch(sales, "--where", 'name = "Alfa s.r.o."')
    exported = sales.json("gdpr", "export", "1")
    assert [lead["contact_name"] for lead in exported["leads"]] == ["Jan Dvořák"]
    sales("gdpr", "erase", "1")
    (lead,) = sales.json("leads", "list", "--where", "campaign_id = 1")
    assert lead["contact_name"] != "Jan Dvořák"
    events = sales("timeline", "lead", str(lead["id"]), "-o", "json").stdout
    assert "Jan Dvořák" not in events and "Dvořák" not in events


def test_launched_rows_name_their_own_leads_and_events(sales: Crm) -> None:
    """The bulk write allocates the ids itself: with leads and events there before, each
    printed lead id is the lead of that company, with one lead.created event about it."""
    sales("leads", "add", "--json", "-", input='{"name": "Jana Malá", "company": "Alfa s.r.o."}')
    rows = [r for r in launch(sales, "--where", 'city = "Brno"') if r["action"] == "opened"]
    assert len(rows) == 3 and len({r["lead_id"] for r in rows}) == 3
    for row in rows:
        lead = sales.json("leads", "show", str(row["lead_id"]))
        assert (lead["company_id"], lead["owner"], lead["campaign"], lead["source"]) == (
            row["company_id"], row["owner"], "Jaro 2027", "campaign",
        )  # fmt: skip
        (event,) = sales.json("timeline", "lead", str(row["lead_id"]))
        assert event["kind"] == "lead.created"
        assert row["company"] in json.dumps(event, ensure_ascii=False)
