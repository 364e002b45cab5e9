"""Saved views (shared, scoping, a field gone), the campaign report's numbers on a known
dataset, and the registry's uniform checks for products and campaigns."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine, text

from tests.conftest import Crm, snapshot


@pytest.fixture
def views(crm: Crm) -> Crm:
    crm("users", "add", "novak", "--name", "Jan Novák")
    crm("users", "add", "dvorak", "--name", "Petr Dvořák")
    for name, city, owner in (("Alfa", "Brno", "novak"), ("Beta", "Brno", "dvorak"),
                              ("Gama", "Praha", "novak")):  # fmt: skip
        crm("companies", "add", "--name", name, "--city", city, "--owner", owner)
    for subject, owner in (("A", "novak"), ("B", "dvorak"), ("C", "novak")):
        crm("leads", "add", "--name", subject, "--subject", subject, "--owner", owner)
    return crm


def test_a_view_is_anded_with_where_and_brings_its_sort_and_fields(views: Crm) -> None:
    views("views", "save", "brno", "--entity", "companies", "--where", 'city = "Brno"',
          "--sort", "-name", "--fields", "id,name")  # fmt: skip
    assert views.json("companies", "list", "--view", "brno") == [
        {"id": 2, "name": "Beta"}, {"id": 1, "name": "Alfa"},
    ]  # fmt: skip
    names = [r["name"] for r in views.json("companies", "list", "--view", "brno", "--where",
                                           'owner = "novak"', "--fields", "name")]  # fmt: skip
    assert names == ["Alfa"]


def test_shared_views_are_visible_to_all_and_scoping_still_applies(views: Crm) -> None:
    views("views", "save", "mine", "--entity", "leads", "--where", 'status = "new"', "--shared")
    views("views", "save", "private", "--entity", "leads", "--where", "id > 0")
    novak = Crm(views.url, user="novak")
    assert [v["name"] for v in novak.json("views", "list")] == ["mine"]
    # The admin's shared view shows novak only his own leads.
    assert [r["subject"] for r in novak.json("leads", "list", "--view", "mine")] == ["A", "C"]
    assert len(views.json("leads", "list", "--view", "mine")) == 3
    assert "no view 'private'" in novak("leads", "list", "--view", "private", code=3).stderr
    assert "permission denied" in novak("views", "rm", "mine", code=5).stderr
    # novak's own view of the same name wins over the shared one for him.
    novak("views", "save", "mine", "--entity", "leads", "--where", 'subject = "C"')
    assert [r["subject"] for r in novak.json("leads", "list", "--view", "mine")] == ["C"]
    assert [r["subject"] for r in novak.json("leads", "list", "--view", "admin/mine")] == [
        "A", "C",
    ]  # fmt: skip


def test_a_view_whose_field_is_gone_is_a_clear_error(views: Crm) -> None:
    views("views", "save", "old", "--entity", "companies", "--where", 'city = "Brno"')
    engine = create_engine(views.url)  # as if the field had been removed since
    with engine.begin() as connection:
        connection.execute(text("UPDATE saved_views SET where_text = 'colour = \"red\"'"))
    engine.dispose()
    result = views("companies", "list", "--view", "old", code=4)
    assert "view 'old': unknown field \"colour\"" in result.stderr
    assert "Traceback" not in result.stderr
    wrong = views("leads", "list", "--view", "old", code=2)
    assert "view 'old' filters companies, not leads" in wrong.stderr


def test_bad_views_are_refused_and_nothing_is_written(views: Crm) -> None:
    before = snapshot(views.url)
    views("views", "save", "x", "--entity", "companies", "--where", "colour = 1", code=4)
    views("views", "save", "x", "--entity", "gadgets", "--where", "id > 0", code=2)
    views("views", "save", "x", "--entity", "leads", "--where", "id > 0", "--sort", "nope",
          code=2)  # fmt: skip
    assert snapshot(views.url) == before


# --- the campaign report ----------------------------------------------------------------


@pytest.fixture
def report(views: Crm) -> Crm:
    """Campaign 'Jaro' (budget 10,000) over Alfa, Beta, Gama (owner novak/dvorak/novak):
    lead 4 (Alfa) contacted; lead 5 (Beta) qualified then rejected; lead 6 (Gama)
    converted, its deal won at 30,000. Campaign 'Podzim' without budget or leads."""
    views("campaigns", "add", "Jaro", "--budget", "10 000")
    views("campaigns", "add", "Podzim")
    views("campaigns", "launch", "Jaro", "--where", "id > 0")
    views("leads", "status", "4", "contacted")
    views("leads", "status", "5", "qualified")
    views("leads", "reject", "5", "--reason", "bez rozpočtu")
    deal = views.json("leads", "convert", "6", "--value", "30 000")
    assert deal["deal_id"]
    views("deals", "win", str(deal["deal_id"]))
    return views


def test_campaign_report_numbers(report: Crm) -> None:
    result = json.loads(report("report", "campaign", "-o", "json").stdout)
    jaro, podzim = result["rows"]
    assert {k: jaro[k] for k in ("campaign", "leads", "contacted", "qualified", "converted",
                                 "rejected", "deals_won", "deals_lost", "deals_open")} == {
        "campaign": "Jaro", "leads": 3, "contacted": 3, "qualified": 2, "converted": 1,
        "rejected": 1, "deals_won": 1, "deals_lost": 0, "deals_open": 0,
    }  # fmt: skip
    assert (jaro["won_value"], jaro["budget"], jaro["cost_per_won"]) == (
        "30000.00", "10000.00", "10000.00",
    )  # fmt: skip
    assert jaro["return_on_budget"] == "200.0"
    assert (podzim["leads"], podzim["budget"], podzim["return_on_budget"]) == (0, None, None)
    (total,) = result["totals"]
    assert (total["leads"], total["deals_won"], total["return_on_budget"]) == (3, 1, "200.0")
    one = json.loads(report("report", "campaign", "Podzim", "-o", "json").stdout)
    assert [row["campaign"] for row in one["rows"]] == ["Podzim"]
    failed = report("report", "campaign", "--fail-if", "return_on_budget < 300", code=6)
    assert "return_on_budget = 200.0" in failed.stderr


def test_campaign_report_counts_what_the_reader_may_see(report: Crm) -> None:
    novak = Crm(report.url, user="novak")  # his leads: Alfa's and Gama's
    (jaro, _) = json.loads(novak("report", "campaign", "-o", "json").stdout)["rows"]
    assert (jaro["leads"], jaro["rejected"], jaro["deals_won"]) == (2, 0, 1)
    report("users", "add", "hana", "--role", "support")
    hana = Crm(report.url, user="hana")  # support reads no campaigns
    assert json.loads(hana("report", "campaign", "-o", "json").stdout)["rows"] == []
    report("views", "save", "budgeted", "--entity", "campaigns", "--where", "budget > 0")
    rows = json.loads(report("report", "campaign", "--view", "budgeted", "-o", "json").stdout)
    assert [row["campaign"] for row in rows["rows"]] == ["Jaro"]


# --- registry uniform checks ----------------------------------------------------------------


def _parse(output: str, text_out: str) -> list[dict[str, Any]]:
    if output == "json":
        return json.loads(text_out)  # type: ignore[no-any-return]
    if output == "jsonl":
        return [json.loads(line) for line in text_out.splitlines()]
    if output == "yaml":
        return yaml.safe_load(text_out)  # type: ignore[no-any-return]
    return list(csv.DictReader(io.StringIO(text_out)))


@pytest.mark.parametrize(
    ("noun", "ref", "where", "sort_field"),
    [("products", "CRM", 'billing = "monthly"', "list_price"),
     ("campaigns", "Jaro", "budget > 0", "name")],
)  # fmt: skip
def test_registry_uniform_checks(report: Crm, noun: str, ref: str, where: str,
                                 sort_field: str) -> None:  # fmt: skip
    report("products", "add", "CRM", "--name", "CRM Pro", "--price", "990", "--billing",
           "monthly")  # fmt: skip
    report("products", "add", "SUP", "--name", "Podpora", "--price", "12 000")
    records = report.json(noun, "list")
    assert len(records) == 2
    shown = report.json(noun, "show", ref)
    assert shown in records  # the same record shape in list and show
    (matched,) = report.json(noun, "list", "--where", where)
    assert matched == shown
    ascending = [r[sort_field] for r in report.json(noun, "list", "--sort", sort_field)]
    descending = [r[sort_field] for r in report.json(noun, "list", "--sort", f"-{sort_field}")]
    assert ascending == descending[::-1]
    assert report.json(noun, "list", "--fields", "id,name") == [
        {"id": r["id"], "name": r["name"]} for r in records
    ]
    for output in ("json", "jsonl", "yaml", "csv"):
        parsed = _parse(output, report(noun, "list", "-o", output).stdout)
        assert [str(r["id"]) for r in parsed] == [str(r["id"]) for r in records]
    assert "id" in report(noun, "list").stdout  # the table
    assert report(noun, "show", "999", code=3)
    applied = report(noun, "apply", "-f", "-", input=json.dumps(records))  # round trip
    assert applied.stderr == "no changes: 2 record(s) already up to date\n"
    assert report.json(noun, "list") == records
