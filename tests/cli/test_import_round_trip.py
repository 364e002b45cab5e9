"""Property: import a list, export it with `contacts list -o csv`, import that: no change."""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from tests.conftest import Crm, snapshot

DATA_TABLES = ("companies", "persons", "person_emails", "person_phones", "person_companies", "tags")
_serial = itertools.count(1)

letters = st.sampled_from("abcdefghijklmnoprstuvyzáčďéěíňóřšťúůýž")
words = st.text(letters, min_size=2, max_size=8).map(str.capitalize)
legal_forms = st.sampled_from(["s.r.o.", "a.s.", "spol. s r.o.", "v.o.s.", ""])
phones = st.integers(601_000_000, 608_999_999).map(lambda n: f"{n:,}".replace(",", " "))
free_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30).map(
    str.strip
)


@st.composite
def contact_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    serial = next(_serial)
    companies = [
        f"{draw(words)} {serial}-{i} {draw(legal_forms)}".strip()
        for i in range(draw(st.integers(0, 3)))
    ]
    rows = []
    for index in range(draw(st.integers(1, 6))):
        first, last = draw(words), f"{draw(words)}{serial}x{index}"
        has_email = draw(st.booleans())
        rows.append(
            {
                "Firma": draw(st.sampled_from(companies)) if companies else "",
                "Titul": draw(st.sampled_from(["", "Ing.", "Mgr.", "MUDr."])),
                "Jméno": first,
                "Příjmení": last,
                "Funkce": draw(st.sampled_from(["", "jednatel", "nákupčí"])),
                "E-mail": f"{serial}.{index}@firma.cz" if has_email else "",
                "Telefon": draw(st.one_of(st.just(""), phones)),
                "Poznámka": draw(free_text),
                "Štítky": draw(st.sampled_from(["", "vip", "vip, velkoodběr"])),
            }
        )
    return rows


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(rows)


def data(url: str) -> dict[str, Any]:
    tables = snapshot(url)
    return {name: tables[name] for name in DATA_TABLES}


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=contact_rows())
def test_import_export_import_changes_nothing(
    crm: Crm, tmp_path: Path, rows: list[dict[str, Any]]
) -> None:
    source = tmp_path / "source.csv"
    write_csv(source, rows)
    first = json.loads(crm("import", str(source), "-o", "json").stdout)["counts"]
    assert first["rejected"] == 0
    exported = tmp_path / "export.csv"
    exported.write_text(crm("contacts", "list", "-o", "csv").stdout, encoding="utf-8")
    before = data(crm.url)
    again = json.loads(crm("import", str(exported), "-o", "json").stdout)["counts"]
    assert (again["created"], again["updated"], again["rejected"]) == (0, 0, 0), again
    assert data(crm.url) == before


# --- issue 15 item 3: export → import / apply on a used database changes nothing -------

ROUND_TRIP_TABLES = (*DATA_TABLES, "person_relations")


def used_database(crm: Crm) -> None:
    """The demo plus what real use leaves behind: a merged company and contact, a
    soft-deleted company that a live contact is still linked to, a GDPR-erased person."""
    crm("init", "--demo")
    crm("companies", "add", "--name", "Kříž Servis s.r.o.", "--city", "Plzeň")  # 6
    crm("companies", "add", "--name", "Kriz Servis Duplicate a.s.")  # 7
    crm("contacts", "add", "--name", "Tomáš Kříž", "--email", "tomas@kriz.cz", "--company", "7",
        "--owner", "eva.mala")  # 9  # fmt: skip
    crm("contacts", "add", "--name", "Tomáš Kříž", "--email", "t.kriz@seznam.cz")  # 10
    crm("contacts", "add", "--name", "Erika Smazaná", "--email", "erika@ucetni-stastna.cz",
        "--company", "3")  # 11  # fmt: skip
    crm("companies", "merge", "6", "7")
    crm("contacts", "merge", "9", "10")
    crm("companies", "rm", "3")
    crm("gdpr", "erase", "8")


def round_trip_data(url: str) -> dict[str, Any]:
    tables = snapshot(url)
    return {name: tables[name] for name in ROUND_TRIP_TABLES}


def csv_as_xlsx(source: Path, target: Path) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    with source.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle):
            sheet.append(row)
    workbook.save(target)
    return target


def import_counts(crm: Crm, path: Path) -> dict[str, int]:
    report = json.loads(crm("import", str(path), "-o", "json").stdout)
    return report["counts"]


@pytest.mark.parametrize("noun", ["contacts", "companies"])
def test_item3_export_import_on_a_used_database_changes_nothing(
    crm: Crm, tmp_path: Path, noun: str
) -> None:
    used_database(crm)
    exported = crm(noun, "list", "-o", "csv").stdout
    before = round_trip_data(crm.url)
    source = tmp_path / f"{noun}.csv"
    source.write_text(exported, encoding="utf-8")
    for path in (source, csv_as_xlsx(source, tmp_path / f"{noun}.xlsx")):
        counts = import_counts(crm, path)
        assert (counts["created"], counts["updated"], counts["rejected"]) == (0, 0, 0), counts
        assert round_trip_data(crm.url) == before, path.name
    assert crm(noun, "list", "-o", "csv").stdout == exported


def test_item3_contact_rows_do_not_reown_their_companies(crm: Crm, tmp_path: Path) -> None:
    crm("init", "--demo")
    owners = {c["id"]: c["owner"] for c in crm.json("companies", "list")}
    assert set(owners.values()) != {"admin"}  # the demo's firms belong to the sales people
    source = tmp_path / "contacts.csv"
    source.write_text(crm("contacts", "list", "-o", "csv").stdout, encoding="utf-8")
    crm("import", str(source))
    assert {c["id"]: c["owner"] for c in crm.json("companies", "list")} == owners


def test_item3_erased_and_deleted_records_are_skipped_with_a_reason(
    crm: Crm, tmp_path: Path
) -> None:
    used_database(crm)
    source = tmp_path / "contacts.csv"
    source.write_text(crm("contacts", "list", "-o", "csv").stdout, encoding="utf-8")
    report = json.loads(crm("import", str(source), "-o", "json").stdout)
    messages = " | ".join(w["message"] for w in report["warnings"])
    assert "erased" in messages and "removed" in messages, messages
    names = [c["name"] for c in crm.json("contacts", "list")]
    assert names.count("[erased]") == 1
    assert "Účetní kancelář Šťastná" not in [c["name"] for c in crm.json("companies", "list")]


@pytest.mark.parametrize("fmt", ["json", "jsonl", "yaml"])
def test_item3_export_apply_on_a_used_database_is_a_no_op(
    crm: Crm, tmp_path: Path, fmt: str
) -> None:
    used_database(crm)
    exported = crm("contacts", "list", "-o", fmt).stdout
    before = round_trip_data(crm.url)
    dry = crm("contacts", "apply", "-f", "-", "--dry-run", "-o", "json", input=exported)
    assert json.loads(dry.stdout) == []  # only changed records are listed
    assert "no changes" in dry.stderr
    crm("contacts", "apply", "-f", "-", input=exported)
    assert round_trip_data(crm.url) == before
    assert crm("contacts", "list", "-o", fmt).stdout == exported


def test_item3_the_same_spreadsheet_twice_reports_nothing_changed(crm: Crm, tmp_path: Path) -> None:
    source = tmp_path / "kriz.csv"
    source.write_text(
        "Firma;IČO;Jméno;Příjmení;E-mail\n"
        "Kriz Servis spol. s r.o.;;Petr;Kříž;petr@kriz.cz\n"
        "Kříž Servis s.r.o.;27082440;Jan;Kříž;jan@kriz.cz\n",
        encoding="utf-8",
    )
    first = import_counts(crm, source)
    assert (first["created"], first["rejected"]) == (2, 0)
    before = round_trip_data(crm.url)
    again = import_counts(crm, source)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2), again
    assert round_trip_data(crm.url) == before
