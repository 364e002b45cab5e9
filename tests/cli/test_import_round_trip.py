"""Property: import a list, export it with `contacts list -o csv`, import that: no change."""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
