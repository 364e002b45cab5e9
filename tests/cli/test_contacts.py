from __future__ import annotations

import json

import pytest

from tests.conftest import Crm


@pytest.fixture
def people(crm: Crm) -> Crm:
    crm("companies", "add", "--name", "Acme s.r.o.", "--ico", "27082440", "--city", "Ostrava")
    crm("companies", "add", "--name", "Beta a.s.", "--city", "Brno")
    crm(
        "contacts", "add", "--name", "Ing. Karel Dvořák, Ph.D.", "--email", "Karel@Acme.cz",
        "--email", "k.dvorak@seznam.cz", "--phone", "603 111 222", "--company", "Acme",
        "--role", "jednatel", "--function", "jednatel", "--tag", "vip",
    )  # fmt: skip
    crm("contacts", "add", "--name", "Lucie Černá", "--phone", "+421 905 123 456")
    crm("contacts", "add", "--name", "Martin Svoboda", "--company", "Beta")
    return crm


def test_add_splits_name_and_normalises(people: Crm) -> None:
    karel = people.json("contacts", "show", "karel@acme.cz")
    assert (karel["title_before"], karel["first_name"], karel["last_name"]) == (
        "Ing.",
        "Karel",
        "Dvořák",
    )
    assert karel["title_after"] == "Ph.D."
    assert karel["emails"] == ["karel@acme.cz", "k.dvorak@seznam.cz"]
    assert karel["phones"] == ["+420603111222"]
    assert karel["companies"] == [
        {"id": 1, "name": "Acme s.r.o.", "role": "jednatel", "primary": True}
    ]


def test_phones_in_table_are_national(people: Crm) -> None:
    out = people("contacts", "list", "--fields", "name,phones").stdout
    assert "603 111 222" in out and "+421 905 123 456" in out


@pytest.mark.parametrize(
    ("term", "ids"),
    [
        ("dvorak", [1]),
        ("Dvořák", [1]),
        ("CERNA", [2]),
        ("603111222", [1]),
        ("seznam.cz", [1]),
        ("27082440", [1]),  # the company's IČO finds its people
        ("brno", [3]),  # and so does its city
    ],
)
def test_search(people: Crm, term: str, ids: list[int]) -> None:
    assert [c["id"] for c in people.json("contacts", "list", "--search", term)] == ids


def test_where_on_contacts(people: Crm) -> None:
    found = people.json(
        "contacts", "list", "--where", 'company ~ "acme" or (tags = "vip" and phone is null)'
    )
    assert [c["id"] for c in found] == [1]


def test_relations_show_both_ways(people: Crm) -> None:
    people("contacts", "link", "Lucie Černá", "--assistant-of", "1")
    people("contacts", "link", "3", "--reports-to", "1")
    people("contacts", "link", "3", "--relation", "kolega", "--to", "2")
    karel = people.json("contacts", "show", "1")
    assert karel["assistants"] == [2] and karel["direct_reports"] == [3]
    martin = people.json("contacts", "show", "3")
    assert martin["reports_to"] == 1
    assert martin["related"] == [{"id": 2, "label": "kolega"}]
    assert people.json("contacts", "show", "2")["related_from"] == [{"id": 3, "label": "kolega"}]
    table = people("contacts", "show", "1").stdout
    assert "direct report" in table and "Martin Svoboda" in table and "assistant" in table
    people("contacts", "link", "3", "--reports-to", "1", "--remove")
    assert people.json("contacts", "show", "3")["reports_to"] is None


def test_link_second_company(people: Crm) -> None:
    people("contacts", "link", "1", "--company", "Beta", "--role", "poradce", "--primary")
    links = people.json("contacts", "show", "1")["companies"]
    assert [(c["id"], c["primary"]) for c in links] == [(2, True), (1, False)]


@pytest.mark.parametrize("fmt", ["json", "jsonl", "yaml"])
def test_list_output_applies_back_without_changes(people: Crm, fmt: str) -> None:
    people("contacts", "link", "3", "--reports-to", "1")
    listed = people("contacts", "list", "-o", fmt).stdout
    result = people("contacts", "apply", "-f", "-", "--dry-run", input=listed)
    assert result.stdout == ""
    assert "no changes" in result.stderr


def test_apply_updates_by_id_and_email_and_creates(people: Crm) -> None:
    records = people.json("contacts", "list")
    records[0]["function"] = "ředitel"
    del records[1]["id"]  # matched by… nothing: Lucie has no e-mail, so she is created again
    records[1]["emails"] = ["lucie@beta.cz"]
    records = [records[0], records[1], {"last_name": "Nový", "emails": ["KAREL@acme.cz"]}]
    payload = json.dumps(records)
    dry = people("contacts", "apply", "-f", "-", "--dry-run", "-o", "json", input=payload)
    plans = json.loads(dry.stdout)
    assert [p["action"] for p in plans] == ["update", "create", "update"]
    assert people.json("contacts", "show", "1")["function"] == "jednatel"  # dry run wrote nothing
    people("contacts", "apply", "-f", "-", input=payload)
    karel = people.json("contacts", "show", "1")
    assert karel["function"] == "ředitel" and karel["last_name"] == "Nový"
    assert people.json("contacts", "show", "lucie@beta.cz")["last_name"] == "Černá"


def test_apply_from_file(people: Crm, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "c.yaml"
    path.write_text("- last_name: Procházka\n  emails: [p@x.cz]\n", encoding="utf-8")
    people("contacts", "apply", "-f", str(path))
    assert people.json("contacts", "show", "p@x.cz")["last_name"] == "Procházka"


def test_duplicate_email_is_a_conflict(people: Crm) -> None:
    result = people("contacts", "add", "--name", "Jiný", "--email", "karel@acme.cz", code=4)
    assert "karel@acme.cz" in result.stderr and "merge" in result.stderr


def test_merge_contacts_keeps_history(people: Crm) -> None:
    people("contacts", "edit", "2", "--add-email", "lucie@beta.cz", "--function", "asistentka")
    people("contacts", "link", "3", "--reports-to", "2")
    merged = people.json("contacts", "merge", "1", "2")
    assert merged["emails"] == ["karel@acme.cz", "k.dvorak@seznam.cz", "lucie@beta.cz"]
    assert merged["phones"] == ["+420603111222", "+421905123456"]
    assert merged["function"] == "jednatel"
    assert people.json("contacts", "show", "3")["reports_to"] == 1
    kinds = [e["kind"] for e in people.json("timeline", "contact", "1")]
    assert kinds.count("contact.created") == 2 and "contact.merged" in kinds


def test_rm_contact(people: Crm) -> None:
    people("contacts", "rm", "3")
    assert [c["id"] for c in people.json("contacts", "list")] == [1, 2]
    people("contacts", "show", "3", code=3)
