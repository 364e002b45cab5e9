"""`crmctl import` end to end on generated messy files, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from tests.conftest import Crm, snapshot

HEADERS = [
    "Firma", "IČO", "Kontaktní osoba", "Funkce", "E-mail", "Telefon", "Mobil", "Ulice",
    "Město", "PSČ", "Obchodník", "Poznámka", "Počet zaměstnanců",
]  # fmt: skip
ROWS: list[list[Any]] = [
    # 4: a firm with its IČO typed as a number, a titled name, two phone formats
    ["ACME s.r.o.", 27082440, "Ing. Jan Novák", "jednatel", "Jan.Novak@Acme.cz",
     "603 123 456", "+420 777 111 222", "Průmyslová 1", "Ostrava", "70200", "admin", "VIP", 120],
    # 5: the same firm spelled differently, no IČO; a new person
    ["Acme, s. r. o.", None, "Petra Malá", "nákupčí", "petra@acme.cz", "00420603123457",
     None, None, None, None, None, None, None],
    # 6: the same firm a third way, the same person by e-mail: adds a phone
    ["ACME spol. s r.o.", "27082440", "Jan Novák", None, "jan.novak@acme.cz", "603-123-458",
     None, None, None, None, None, None, None],
    [None] * 13,  # 7: blank row
    # 8: IČO that lost its leading zeros
    ["Pekárna U Nováků a.s.", 6947, "Mgr. Věra Kolářová", "ředitelka", "vera@pekarna.cz",
     "+420 543 210 987", None, "Náměstí 3", "Brno", "602 00", None, None, 45],
    # 9: an IČO whose checksum fails → rejected
    ["Špatné IČO s.r.o.", 12345678, "Karel Zlý", None, "karel@zly.cz", None, None, None,
     None, None, None, None, None],
    # 10: nothing to import but a broken e-mail → rejected
    [None, None, None, None, "not-an-email", None, None, None, None, None, None, None, None],
    # 11: a bad e-mail and a bad phone: imported with two warnings
    ["Beta a.s.", None, "Eva Dvořáková", None, "eva@beta", "12", None, None, None, None,
     None, None, None],
    # 12: the person of row 4 at a second firm → one person, two links
    ["Beta a.s.", None, "Jan Novák", "konzultant", "jan.novak@acme.cz", None, None, None,
     None, None, None, None, None],
]  # fmt: skip


def messy_workbook(path: Path) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Zákazníci"
    sheet.append(["Adresář zákazníků – stav k 1. 3. 2026"])
    sheet.append([])
    sheet.append(HEADERS)
    for row in ROWS:
        sheet.append(row)
    other = workbook.create_sheet("Další")
    other.append(["Firma", "IČO", "Jméno", "Příjmení", "E-mail"])
    other.append(["Gama s.r.o.", "25596641", "Tomáš", "Veselý", "tomas@gama.cz"])
    workbook.save(path)
    return path


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    return messy_workbook(tmp_path / "adresar.xlsx")


def counts(crm: Crm, *args: str, code: int = 0) -> dict[str, Any]:
    return json.loads(crm("import", *args, "-o", "json", code=code).stdout)["counts"]


def test_messy_workbook_exact_counts(crm: Crm, messy: Path) -> None:
    result = counts(crm, str(messy), code=4)
    assert result == {
        "rows": 8, "created": 4, "updated": 2, "unchanged": 0, "skipped": 0, "rejected": 2,
        "warnings": 2, "companies_created": 3, "companies_updated": 0, "contacts_created": 4,
        "contacts_updated": 0,
    }  # fmt: skip
    companies = {c["name"]: c for c in crm.json("companies", "list")}
    assert set(companies) == {"ACME s.r.o.", "Pekárna U Nováků a.s.", "Beta a.s."}
    acme = companies["ACME s.r.o."]
    assert (acme["ico"], acme["psc"], acme["region"]) == (
        "27082440",
        "702 00",
        "Moravskoslezský kraj",
    )
    assert companies["Pekárna U Nováků a.s."]["ico"] == "00006947"
    jan = crm.json("contacts", "show", "jan.novak@acme.cz")
    assert (jan["title_before"], jan["first_name"], jan["last_name"]) == ("Ing.", "Jan", "Novák")
    assert jan["phones"] == ["+420603123456", "+420777111222", "+420603123458"]
    assert [c["name"] for c in jan["companies"]] == ["ACME s.r.o.", "Beta a.s."]
    assert jan["note"] == "VIP"
    assert jan["owner"] == "admin"
    eva = crm.json("contacts", "show", "Eva Dvořáková")
    assert eva["emails"] == [] and eva["phones"] == []
    vera = crm.json("contacts", "show", "vera@pekarna.cz")
    assert vera["custom"] == {"pocet_zamestnancu": 45}


def test_reimport_is_idempotent(crm: Crm, messy: Path) -> None:
    counts(crm, str(messy), code=4)
    before = snapshot(crm.url)
    again = counts(crm, str(messy), code=4)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 6)
    after = snapshot(crm.url)
    for table in ("companies", "persons", "person_emails", "person_phones", "person_companies"):
        assert after[table] == before[table], table


def test_dry_run_prints_mapping_and_writes_nothing(crm: Crm, messy: Path) -> None:
    before = snapshot(crm.url)
    result = crm("import", str(messy), "--dry-run", code=4)
    assert "Kontaktní osoba" in result.stdout and "name" in result.stdout
    assert "dry run: nothing was written" in result.stderr
    assert snapshot(crm.url) == before


def test_strict_rolls_back_everything(crm: Crm, messy: Path) -> None:
    before = snapshot(crm.url)
    result = crm("import", str(messy), "--strict", code=4)
    assert "rolled back" in result.stderr
    assert snapshot(crm.url) == before


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_rejects_file_has_row_sheet_reason(crm: Crm, messy: Path, suffix: str) -> None:
    rejects = messy.with_name(f"rejects{suffix}")
    crm("import", str(messy), "--rejects", str(rejects), code=4)
    if suffix == ".csv":
        with rejects.open(encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    else:
        rows = [list(r) for r in load_workbook(rejects).active.iter_rows(values_only=True)]
    header, *data = rows
    assert header[:3] == ["crmctl: reason", "crmctl: sheet", "crmctl: row"]
    assert header[3:] == HEADERS
    assert [(r[1], int(r[2])) for r in data] == [("Zákazníci", 9), ("Zákazníci", 10)]
    assert "IČO" in data[0][0] and data[0][3] == "Špatné IČO s.r.o."


def test_all_sheets(crm: Crm, messy: Path) -> None:
    result = counts(crm, str(messy), "--sheet", "all", code=4)
    assert result["rows"] == 9 and result["companies_created"] == 4
    assert crm.json("contacts", "show", "tomas@gama.cz")["last_name"] == "Veselý"


def test_named_sheet(crm: Crm, messy: Path) -> None:
    assert counts(crm, str(messy), "--sheet", "Další")["created"] == 1


def test_on_duplicate_skip_and_fail(crm: Crm, tmp_path: Path) -> None:
    first = tmp_path / "first.csv"
    header = "Firma;IČO;Jméno;Příjmení;E-mail;Funkce\n"
    first.write_text(
        header + "ACME s.r.o.;27082440;Jan;Novák;jan@acme.cz;jednatel\n", encoding="utf-8"
    )
    counts(crm, str(first))
    second = tmp_path / "second.csv"
    second.write_text(
        header + "ACME s.r.o.;27082440;Jan;Novák;jan@acme.cz;ředitel\n", encoding="utf-8"
    )
    skipped = counts(crm, str(second), "--on-duplicate", "skip")
    assert skipped["skipped"] == 1
    assert crm.json("contacts", "show", "jan@acme.cz")["function"] == "jednatel"
    before = snapshot(crm.url)
    failed = counts(crm, str(second), "--on-duplicate", "fail", code=4)
    assert failed["rejected"] == 1
    assert snapshot(crm.url)["persons"] == before["persons"]
    updated = counts(crm, str(second), "--on-duplicate", "overwrite")
    assert updated["updated"] == 1 and updated["contacts_updated"] == 1
    assert crm.json("contacts", "show", "jan@acme.cz")["function"] == "ředitel"


def test_cp1250_csv_with_semicolons(crm: Crm, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    text = (
        "Firma;IČO;Kontaktní osoba;Telefon;Obrat\n"
        "Železárna Kůň s.r.o.;27082440;Šárka Žluťoučká;603 123 456;1 234,50\n"
    )
    path.write_bytes(text.encode("cp1250"))
    assert counts(crm, str(path))["created"] == 1
    sarka = crm.json("contacts", "show", "Šárka Žluťoučká")
    assert sarka["custom"] == {"obrat": 1234.5}


def test_undo_removes_created_and_restores_updated(crm: Crm, tmp_path: Path, messy: Path) -> None:
    crm(
        "contacts",
        "add",
        "--name",
        "Jan Novák",
        "--email",
        "jan.novak@acme.cz",
        "--function",
        "CEO",
    )
    before = snapshot(crm.url)
    crm("import", str(messy), "--on-duplicate", "overwrite", code=4)
    assert crm.json("contacts", "show", "jan.novak@acme.cz")["function"] == "jednatel"
    batch = crm.json("import", "list")[0]["id"]
    crm("import", "undo", str(batch))
    after = snapshot(crm.url)
    for table in ("companies", "person_emails", "person_phones", "person_companies", "tags"):
        assert after[table] == before[table], table
    jan = crm.json("contacts", "show", "jan.novak@acme.cz")
    assert jan["function"] == "CEO" and jan["phones"] == [] and jan["title_before"] is None
    assert crm.json("import", "show", str(batch))["status"] == "undone"
    crm("import", "undo", str(batch), code=4)


def test_undo_refuses_when_later_edits_would_be_lost(crm: Crm, messy: Path) -> None:
    crm("import", str(messy), code=4)
    crm("contacts", "edit", "petra@acme.cz", "--function", "ředitelka nákupu")
    before = snapshot(crm.url)
    result = crm("import", "undo", "1", code=4)
    assert "contact #" in result.stderr and "later changes would be lost" in result.stderr
    assert snapshot(crm.url) == before


def test_show_lists_mapping_and_issues(crm: Crm, messy: Path) -> None:
    crm("import", str(messy), code=4)
    shown = crm.json("import", "show", "1")
    assert shown["file"] == "adresar.xlsx" and len(shown["file_sha256"]) == 64
    assert shown["mapping"]["Zákazníci"]["columns"]["Kontaktní osoba"] == "name"
    assert {i["severity"] for i in shown["issues"]} == {"rejected", "warning"}


def test_saved_mapping_round_trip(crm: Crm, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("Subjekt,Kdo,Spojení\nACME s.r.o.,Jan Novák,jan@acme.cz\n", encoding="utf-8")
    mapping = tmp_path / "m.yaml"
    crm("import", str(path), "--dry-run", "--save-mapping", str(mapping), code=4)
    text = mapping.read_text(encoding="utf-8")
    assert "Kdo: custom.kdo" in text
    text = text.replace("custom.subjekt", "company").replace("custom.kdo", "name")
    text = text.replace("custom.spojeni", "email")
    mapping.write_text(text, encoding="utf-8")
    counts(crm, str(path), "--mapping", str(mapping))
    jan = crm.json("contacts", "show", "jan@acme.cz")
    assert jan["companies"][0]["name"] == "ACME s.r.o."


BAD_FILES = {
    "empty.csv": b"",
    "header.csv": "Firma;IČO;E-mail\n".encode(),
    "nul.csv": b"Firma;E-mail\nAcme\x00;a@b.cz\n",
    "notzip.xlsx": b"this is not a workbook",
    "report.pdf": b"%PDF-1.4",
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_one_error_exit_4_nothing_written(crm: Crm, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(BAD_FILES[name])
    before = snapshot(crm.url)
    result = crm("import", str(path), code=4)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {name}"), result.stderr
    assert snapshot(crm.url) == before


def test_truncated_and_wide_xlsx(crm: Crm, tmp_path: Path, messy: Path) -> None:
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(messy.read_bytes()[: messy.stat().st_size // 2])
    wide = tmp_path / "wide.xlsx"
    workbook = Workbook()
    workbook.active.append(["Firma", "E-mail"])
    workbook.active.cell(row=2, column=5000, value="x")
    workbook.save(wide)
    before = snapshot(crm.url)
    for path in (truncated, wide):
        result = crm("import", str(path), code=4)
        assert result.stderr.startswith(f"error: {path.name}"), result.stderr
    assert snapshot(crm.url) == before


def test_vcard(crm: Crm, tmp_path: Path) -> None:
    path = tmp_path / "kontakty.vcf"
    path.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Nováková;Jana;;Ing.;\r\nFN:Ing. Jana Nováková\r\n"
        "ORG:ACME s.r.o.\r\nTITLE:obchodní ředitelka\r\nEMAIL;TYPE=work:jana@acme.cz\r\n"
        "EMAIL;TYPE=home:jana@seznam.cz\r\nTEL;TYPE=cell:+420 603 123 456\r\nEND:VCARD\r\n",
        encoding="utf-8",
    )
    assert counts(crm, str(path))["created"] == 1
    jana = crm.json("contacts", "show", "jana@acme.cz")
    assert jana["emails"] == ["jana@acme.cz", "jana@seznam.cz"]
    assert jana["function"] == "obchodní ředitelka" and jana["title_before"] == "Ing."


def test_timeline_shows_the_import(crm: Crm, messy: Path) -> None:
    crm("import", str(messy), code=4)
    events = crm.json("timeline", "contact", "jan.novak@acme.cz")
    # Rows 4, 6 and 12 name him within one chunk: one creation event with the end state.
    assert [event["kind"] for event in events] == ["contact.created"]
    payload = events[0]["payload"]
    assert len(payload["fields"]["companies"]) == 2
    assert payload["import"] == {"batch": 1, "file": "adresar.xlsx"}


def test_error_in_background_reader_is_one_clean_error(crm: Crm, tmp_path: Path) -> None:
    """Files over 1 MB are read by a worker process; its errors reach the user the same way."""
    path = tmp_path / "big.csv"
    lines = ["Firma;Jméno;Příjmení;E-mail"]
    lines += [f"Firma {i} s.r.o.;Jan;Novák{i};jan{i}@firma.cz" for i in range(30_000)]
    path.write_bytes(("\n".join(lines) + "\nKonec\x00;x;y;z@x.cz\n").encode())
    assert path.stat().st_size > 1 << 20
    before = snapshot(crm.url)
    result = crm("import", str(path), code=4)
    assert result.stderr.startswith("error: big.csv: line 30002"), result.stderr
    assert snapshot(crm.url) == before


def test_undo_restores_an_updated_company(crm: Crm, tmp_path: Path) -> None:
    crm("companies", "add", "--name", "ACME s.r.o.", "--ico", "27082440", "--city", "Brno")
    crm("companies", "edit", "27082440", "--tag", "vip", "--set", "segment=A")
    before = snapshot(crm.url)
    path = tmp_path / "firmy.csv"
    path.write_text(
        "Firma;IČO;Město;PSČ;Štítky;Segment\nAcme, s. r. o.;27082440;Ostrava;70200;nový;B\n",
        encoding="utf-8",
    )
    assert counts(crm, str(path), "--on-duplicate", "overwrite")["companies_updated"] == 1
    acme = crm.json("companies", "show", "27082440")
    assert (acme["city"], acme["region"], acme["custom"]) == (
        "Ostrava", "Moravskoslezský kraj", {"segment": "B"},
    )  # fmt: skip
    assert sorted(acme["tags"]) == ["nový", "vip"]
    crm("import", "undo", "1")
    restored = crm.json("companies", "show", "27082440")
    assert (restored["city"], restored["region"], restored["psc"]) == ("Brno", None, None)
    assert restored["tags"] == ["vip"] and restored["custom"] == {"segment": "A"}
    assert snapshot(crm.url)["tags"] == before["tags"]


def test_bad_option_values_are_usage_errors_before_anything_is_written(
    crm: Crm, messy: Path
) -> None:
    before = snapshot(crm.url)
    result = crm("import", str(messy), "--on-duplicate", "merge", code=2)
    assert "--on-duplicate 'merge': use one of update, overwrite, skip, fail" in result.stderr
    result = crm("import", str(messy), "--rejects", str(messy.parent / "no" / "r.csv"), code=2)
    assert "does not exist" in result.stderr
    assert snapshot(crm.url) == before


def test_import_list_takes_fields_like_every_command_that_prints_records(
    crm: Crm, tmp_path: Path
) -> None:
    source = tmp_path / "firmy.csv"
    source.write_text("Firma,Město\nAcme s.r.o.,Praha\n", encoding="utf-8")
    crm("import", str(source))
    assert crm.json("import", "list", "--fields", "id,status,created") == [
        {"id": 1, "status": "completed", "created": 1}
    ]


def test_undo_twice_names_the_local_time_of_the_first_undo(crm: Crm, tmp_path: Path) -> None:
    source = tmp_path / "firmy.csv"
    source.write_text("Firma,Město\nAcme s.r.o.,Praha\n", encoding="utf-8")
    crm("import", str(source))
    crm("import", "undo", "1")
    again = crm("import", "undo", "1", code=4)  # CRM_NOW is 09:00 in Prague (08:00 UTC)
    assert "already undone at 2026-03-10 09:00" in again.stderr
