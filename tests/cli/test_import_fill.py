"""Issue 15 item 4: an import fills empty fields of existing records and never
overwrites a value silently; ``--on-duplicate overwrite`` keeps the old behaviour."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import Crm

SLOPPY = (
    "Firma;IČO;Město;Web;Obchodník;Jméno;Příjmení;Funkce;E-mail\n"
    "Pekárna Novák a.s.;45612374;Praha;https://pekarna-novak.cz;petr.kral;"
    "Jan;Novák;kuchař;jan.novak@pekarna-novak.cz\n"
)


def sloppy_import(crm: Crm, tmp_path: Path, *options: str) -> dict[str, Any]:
    crm("init", "--demo")
    source = tmp_path / "sloppy.csv"
    source.write_text(SLOPPY, encoding="utf-8")
    return json.loads(crm("import", str(source), *options, "-o", "json").stdout)


def test_item4_default_import_fills_empty_fields_and_warns_on_conflicts(
    crm: Crm, tmp_path: Path
) -> None:
    report = sloppy_import(crm, tmp_path)
    company = crm.json("companies", "show", "2")
    assert (company["name"], company["city"], company["owner"]) == (
        "Pekárna U Nováků a.s.", "Brno", "eva.mala",
    )  # fmt: skip
    assert company["website"] == "https://pekarna-novak.cz"  # was empty: filled
    contact = crm.json("contacts", "show", "4")
    assert (contact["function"], contact["owner"]) == ("ředitel", "admin")
    warned = {w["field"]: w for w in report["warnings"]}
    for field, kept, offered in (
        ("name", "Pekárna U Nováků a.s.", "Pekárna Novák a.s."),
        ("city", "Brno", "Praha"),
        ("owner", "admin", "petr.kral"),  # the contact's: a contact row owns no firm
        ("function", "ředitel", "kuchař"),
    ):
        assert field in warned, (field, report["warnings"])
        assert warned[field]["row"] == 2
        assert kept in warned[field]["message"] and offered in warned[field]["message"]
    assert report["counts"]["updated"] == 1


def test_item4_on_duplicate_overwrite_keeps_the_old_behaviour(crm: Crm, tmp_path: Path) -> None:
    sloppy_import(crm, tmp_path, "--on-duplicate", "overwrite")
    company = crm.json("companies", "show", "2")
    assert (company["name"], company["city"]) == ("Pekárna Novák a.s.", "Praha")
    contact = crm.json("contacts", "show", "4")
    assert (contact["function"], contact["owner"]) == ("kuchař", "petr.kral")
