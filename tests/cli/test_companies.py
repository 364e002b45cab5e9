from __future__ import annotations

import csv
import io

import pytest

from tests.conftest import Crm


@pytest.fixture
def companies(crm: Crm) -> Crm:
    crm(
        "companies", "add", "--name", "Strojírny Dvořák s.r.o.", "--ico", "6947",
        "--psc", "60200", "--city", "Brno", "--tag", "vip", "--set", "segment=A",
        "--set", "employees=120", "--phone", "543 210 987",
    )  # fmt: skip
    crm("companies", "add", "--name", "Pekárna Novák", "--city", "Praha 5", "--psc", "252 26")
    crm("companies", "add", "--name", "=HYPERLINK(1)", "--city", "Kladno", "--set", "segment=B")
    return crm


def test_add_normalises_and_derives_region(companies: Crm) -> None:
    first, second, _ = companies.json("companies", "list")
    assert first["ico"] == "00006947"
    assert first["psc"] == "602 00"
    assert first["region"] == "Jihomoravský kraj"
    assert first["phone"] == "+420543210987"
    assert first["custom"] == {"segment": "A", "employees": 120}
    assert first["owner"] == "admin"
    # 252 26 spans two regions; the city picks Praha.
    assert second["region"] == "Hlavní město Praha"


def test_table_shows_national_phone(companies: Crm) -> None:
    out = companies("companies", "list", "--fields", "name,phone").stdout
    assert "543 210 987" in out


@pytest.mark.parametrize(
    ("where", "names"),
    [
        ('city ~ "BRNO"', ["Strojírny Dvořák s.r.o."]),
        ('tags = "vip"', ["Strojírny Dvořák s.r.o."]),
        ('custom.segment = "B"', ["=HYPERLINK(1)"]),
        ("custom.employees > 100 and region is not null", ["Strojírny Dvořák s.r.o."]),
        ('not (city in ("Brno", "Kladno"))', ["Pekárna Novák"]),
        ("created_at >= today and ico is null", ["Pekárna Novák", "=HYPERLINK(1)"]),
    ],
)
def test_where(companies: Crm, where: str, names: list[str]) -> None:
    found = companies.json("companies", "list", "--where", where)
    assert [c["name"] for c in found] == names


@pytest.mark.parametrize("term", ["dvorak", "DVOŘÁK", "00006947", "543210987", "brno"])
def test_search_is_accent_insensitive(companies: Crm, term: str) -> None:
    found = companies.json("companies", "list", "--search", term)
    assert [c["name"] for c in found] == ["Strojírny Dvořák s.r.o."]


def test_sort_limit_fields(companies: Crm) -> None:
    found = companies.json(
        "companies", "list", "--sort", "-name", "--limit", "2", "--fields", "name"
    )
    assert found == [{"name": "Strojírny Dvořák s.r.o."}, {"name": "Pekárna Novák"}]


def test_csv_escapes_formulas(companies: Crm) -> None:
    out = companies("companies", "list", "-o", "csv", "--fields", "name,phone").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[2]["name"] == "'=HYPERLINK(1)"
    # A phone number runs no formula: it stays as it is (issue 20 item 7).
    assert rows[0]["phone"] == "+420543210987"


def test_show_formats(companies: Crm) -> None:
    record = companies.json("companies", "show", "dvorak")
    assert record == companies.json("companies", "list", "--search", "dvorak")[0]
    yaml_out = companies("companies", "show", "00006947", "-o", "yaml").stdout
    assert "ico: '00006947'" in yaml_out
    table = companies("companies", "show", "1").stdout
    assert "Contacts" in table and "Timeline" in table


def test_edit_records_changes_on_timeline(companies: Crm) -> None:
    companies("companies", "edit", "1", "--city", "Praha", "--psc", "11000", "--untag", "vip")
    record = companies.json("companies", "show", "1")
    assert record["region"] == "Hlavní město Praha" and record["tags"] == []
    [event] = companies.json("timeline", "company", "1", "--type", "updated")
    assert event["payload"]["changes"]["city"] == ["Brno", "Praha"]
    assert event["actor"] == "admin"


def test_edit_without_change_writes_no_event(companies: Crm) -> None:
    companies("companies", "edit", "1", "--city", "Brno")
    assert companies.json("timeline", "company", "1", "--type", "updated") == []


def test_rm_is_soft_and_purge_is_final(companies: Crm) -> None:
    companies("companies", "rm", "2")
    assert [c["id"] for c in companies.json("companies", "list")] == [1, 3]
    removed = companies.json("companies", "list", "--include-deleted", "--where", "id = 2")
    assert removed[0]["deleted_at"] is not None
    companies("companies", "rm", "2", "--purge")
    assert companies.json("companies", "list", "--include-deleted", "--where", "id = 2") == []


def test_merge_moves_contacts_events_and_fills_blanks(companies: Crm) -> None:
    companies("contacts", "add", "--name", "Jana Malá", "--company", "3", "--role", "CEO")
    companies("contacts", "add", "--name", "Petr Velký", "--company", "1")
    companies("contacts", "link", "Petr Velký", "--company", "3")
    companies("companies", "edit", "3", "--website", "hyper.cz")
    merged = companies.json("companies", "merge", "2", "3")
    assert merged["website"] == "https://hyper.cz"  # blank in KEEP, filled from DUPLICATE
    assert merged["custom"] == {"segment": "B"}
    jana = companies.json("contacts", "show", "Jana Malá")
    assert [(c["id"], c["role"]) for c in jana["companies"]] == [(2, "CEO")]
    kinds = [e["kind"] for e in companies.json("timeline", "company", "2")]
    assert "company.merged" in kinds and "company.updated" in kinds  # 3's history shows on 2
    # Events are append-only: the duplicate keeps its own history, ending in the merge.
    duplicate = [e["kind"] for e in companies.json("timeline", "company", "3")]
    assert duplicate[0] == "company.merged_into" and "company.updated" in duplicate
    assert companies.json("companies", "list", "--where", "id = 3") == []
