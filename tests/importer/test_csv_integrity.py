"""Issue 15 item 6: CSV rows are never folded or garbled (on SQLite and PostgreSQL).

An unclosed quote, a record with the wrong number of fields, a file mixing encodings,
emoji and decomposed Unicode (as macOS pastes it) each end in a named row or line and
an unchanged database, or in exactly the text the user typed, composed (NFC).
"""

from __future__ import annotations

import csv
import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmctl.importer.readers import ReadOptions, open_tables
from tests.conftest import Crm, snapshot

HEADER = "Firma;Město;Poznámka\n"


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def company_names(crm: Crm) -> list[str]:
    return sorted(company["name"] for company in crm.json("companies", "list"))


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# --- unclosed quotes and field counts ------------------------------------------------------


def test_item6_unclosed_quote_rejects_that_record_and_folds_nothing(
    crm: Crm, tmp_path: Path
) -> None:
    source = write(
        tmp_path / "quote.csv",
        HEADER + "Alfa s.r.o.;Praha;\n" + '"Beta s.r.o.;Brno;\n' + "Gama s.r.o.;Ostrava;\n",
    )
    result = crm("import", str(source), "--rejects", str(tmp_path / "rejects.csv"), code=4)
    assert "row 3" in result.stderr
    assert "quote" in result.stderr
    assert company_names(crm) == ["Alfa s.r.o."]
    with (tmp_path / "rejects.csv").open(encoding="utf-8", newline="") as handle:
        rejects = list(csv.DictReader(handle))
    assert [reject["crmctl: row"] for reject in rejects] == ["3"]


def test_item6_unclosed_quote_with_matching_field_count_is_still_rejected(
    crm: Crm, tmp_path: Path
) -> None:
    # The open quote swallows the next lines into the last field: three fields, as the
    # header has, but the record runs to the end of the file.
    source = write(tmp_path / "quote.csv", HEADER + 'Alfa s.r.o.;Praha;"pozor\nBeta s.r.o.;Brno;\n')
    result = crm("import", str(source), code=4)
    assert "row 2" in result.stderr
    assert "quote" in result.stderr
    assert company_names(crm) == []


def test_item6_record_with_other_field_count_is_rejected_with_its_number(
    crm: Crm, tmp_path: Path
) -> None:
    source = write(
        tmp_path / "fields.csv",
        HEADER
        + "Alfa s.r.o.;Praha;\n"
        + "Beta s.r.o.;Brno;x;navíc\n"  # 4 fields
        + "Gama s.r.o.\n"  # 1 field
        + "Delta s.r.o.;Plzeň;;\n",  # an empty extra field is only trailing formatting
    )
    result = crm("import", str(source), "-o", "json", code=4)
    rejected = {issue["row"]: issue["message"] for issue in json.loads(result.stdout)["rejects"]}
    assert sorted(rejected) == [3, 4]
    assert "4 fields" in rejected[3] and "3" in rejected[3]
    assert "1 field" in rejected[4]
    assert company_names(crm) == ["Alfa s.r.o.", "Delta s.r.o."]


# --- encodings ------------------------------------------------------------------------------


def test_item6_mixed_utf8_and_cp1250_lines_are_an_error_naming_the_line(
    crm: Crm, tmp_path: Path
) -> None:
    source = tmp_path / "mixed.csv"
    source.write_bytes(
        HEADER.encode()
        + "Kříž s.r.o.;Plzeň;\n".encode()
        + "Žluťoučký kůň a.s.;Brno;\n".encode("cp1250")
        + "Šťastný s.r.o.;Čáslav;\n".encode()
    )
    before = snapshot(crm.url)
    result = crm("import", str(source), code=4)
    assert result.stderr.startswith("error: mixed.csv: line 3: bytes ")
    assert "not valid UTF-8" in result.stderr
    assert "save the file as UTF-8" in result.stderr
    assert snapshot(crm.url) == before


def test_item6_a_utf8_line_in_a_cp1250_file_is_an_error_naming_the_line(
    crm: Crm, tmp_path: Path
) -> None:
    # Read as cp1250, the UTF-8 line would decode without error into "KĹ™Ă­Ĺľ".
    source = tmp_path / "mostly1250.csv"
    source.write_bytes(
        HEADER.encode("cp1250")
        + "Žluťoučký kůň a.s.;Brno;\n".encode("cp1250")
        + "Kříž s.r.o.;Plzeň;\n".encode()
        + "Řepka s.r.o.;Čáslav;\n".encode("cp1250")
    )
    before = snapshot(crm.url)
    result = crm("import", str(source), code=4)
    assert result.stderr.startswith("error: mostly1250.csv: line ")
    assert "save the file as UTF-8" in result.stderr
    assert snapshot(crm.url) == before


def test_item6_bytes_invalid_in_the_given_encoding_are_an_error_naming_line_and_bytes(
    crm: Crm, tmp_path: Path
) -> None:
    source = write(tmp_path / "win.csv", "Firma;Mesto\nAlfa;Praha\nŽluva;Brno\n", "cp1250")
    before = snapshot(crm.url)
    result = crm("import", str(source), "--encoding", "utf-8", code=4)
    assert result.stderr.startswith("error: win.csv: line 3: bytes 0x8E are not valid utf-8")
    assert "save the file as UTF-8" in result.stderr
    assert snapshot(crm.url) == before


def test_item6_a_pure_cp1250_file_still_imports(crm: Crm, tmp_path: Path) -> None:
    source = write(tmp_path / "win.csv", HEADER + "Žluťoučký kůň a.s.;Brno;\n", "cp1250")
    crm("import", str(source))
    assert company_names(crm) == ["Žluťoučký kůň a.s."]


# --- emoji and NFC ----------------------------------------------------------------------------


def test_item6_emoji_survive_in_company_and_person_names(crm: Crm, tmp_path: Path) -> None:
    source = write(
        tmp_path / "emoji.csv",
        "Firma;Jméno;E-mail\n"
        + "🚀 Raketa s.r.o.;Jan 🚀 Novák;jan@raketa.cz\n"
        + ";Eva 👩‍💻;eva@raketa.cz\n",
    )
    crm("import", str(source))
    assert company_names(crm) == ["🚀 Raketa s.r.o."]
    names = sorted(contact["name"] for contact in crm.json("contacts", "list"))
    assert names == ["Eva 👩‍💻", "Jan 🚀 Novák"]
    crm("contacts", "add", "--name", "Petr 🎸 Malý")
    assert "Petr 🎸 Malý" in [contact["name"] for contact in crm.json("contacts", "list")]


def test_item6_decomposed_import_maps_headers_stores_nfc_and_is_found(
    crm: Crm, tmp_path: Path
) -> None:
    source = write(tmp_path / "mac.csv", nfd(HEADER + "Novák s.r.o.;Plzeň;Čeká na nabídku\n"))
    crm("import", str(source))
    (company,) = crm.json("companies", "list")
    assert company["name"] == "Novák s.r.o."  # composed: NFC
    assert company["city"] == "Plzeň"  # "Město" was mapped although decomposed
    assert company["custom"] == {"note": "Čeká na nabídku"}
    found = crm.json("companies", "list", "--search", nfd("Novák"))
    assert [row["id"] for row in found] == [company["id"]]
    assert [row["id"] for row in crm.json("companies", "list", "--search", "Novák")] == [
        company["id"]
    ]


def test_item6_decomposed_cli_arguments_and_apply_input_are_stored_nfc(crm: Crm) -> None:
    added = json.loads(crm("companies", "add", "--name", nfd("Dvořák a.s."), "-o", "json").stdout)
    assert added["name"] == "Dvořák a.s."
    assert [row["id"] for row in crm.json("companies", "list", "--search", "dvořák")] == [
        added["id"]
    ]
    contact = json.loads(crm("contacts", "add", "--name", "Jan Novák", "-o", "json").stdout)
    record = {**contact, "function": nfd("ředitel")}
    crm("contacts", "apply", "-f", "-", input=json.dumps([record], ensure_ascii=True))
    (shown,) = [row for row in crm.json("contacts", "list") if row["id"] == contact["id"]]
    assert shown["function"] == "ředitel"


# --- record numbers ---------------------------------------------------------------------------


def test_item6_row_numbers_are_record_numbers_despite_multiline_cells(
    crm: Crm, tmp_path: Path
) -> None:
    source = write(
        tmp_path / "multi.csv",
        "Firma;IČO;Telefon;Poznámka\n"
        + 'Alfa s.r.o.;;;"první\nřádek\npoznámky"\n'  # record 2 spans three lines
        + "Beta s.r.o.;12345678;;\n"  # record 3: invalid IČO, rejected
        + "Gama s.r.o.;;12;\n",  # record 4: a warning about the phone
    )
    result = crm("import", str(source), "--rejects", str(tmp_path / "rejects.csv"), code=4)
    assert "row 3:" in result.stderr and "row 4:" in result.stderr
    assert "row 5" not in result.stderr and "row 6" not in result.stderr
    with (tmp_path / "rejects.csv").open(encoding="utf-8", newline="") as handle:
        assert [reject["crmctl: row"] for reject in csv.DictReader(handle)] == ["3"]
    (batch,) = crm.json("import", "list")
    issues = crm.json("import", "show", str(batch["id"]))["issues"]
    assert sorted((issue["row"], issue["severity"]) for issue in issues) == [
        (3, "rejected"),
        (4, "warning"),
    ]


# --- property: what csv.writer wrote comes back cell for cell, numbered by record ----------

_CELL = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"),
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(records=st.lists(st.lists(_CELL, min_size=3, max_size=3), min_size=1, max_size=8))
def test_item6_written_records_read_back_unfolded_in_nfc(
    records: list[list[str]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("prop") / "records.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", quoting=csv.QUOTE_ALL)
        writer.writerow(["Firma", "Město", "Poznámka"])
        writer.writerows(records)
    (table,) = open_tables(path, ReadOptions(delimiter=";", header_row=1), lambda _: False)
    expected = [
        (number, tuple(unicodedata.normalize("NFC", cell) for cell in record))
        for number, record in enumerate(records, start=2)
        if "".join(record).strip()  # blank records are skipped, their numbers kept
    ]
    rows = list(table.rows)
    assert [(row.number, row.cells) for row in rows] == expected
    assert all(row.problem is None for row in rows)
