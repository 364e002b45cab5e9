"""Reading import files (crmctl.importer.readers): xlsx/xlsm, CSV/TXT and vCard."""

from __future__ import annotations

import unicodedata
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from crmctl.errors import ExitCode, FileUnreadable, ImportFileError
from crmctl.importer.model import Cell, SourceTable
from crmctl.importer.readers import (
    MAX_COLUMNS,
    SUPPORTED_SUFFIXES,
    VCARD_HEADERS,
    ReadOptions,
    file_format,
    open_tables,
)
from crmctl.importer.values import cell_text

KNOWN_HEADERS = {
    "firma",
    "název",
    "ičo",
    "e-mail",
    "email",
    "telefon",
    "jméno",
    "příjmení",
    "město",
    "obrat",
    "datum",
    "poznámka",
}


def is_known(text: str) -> bool:
    return text.casefold() in KNOWN_HEADERS


def tables(path: Path, **options: Any) -> list[SourceTable]:
    return list(open_tables(path, ReadOptions(**options), is_known))


def only_table(path: Path, **options: Any) -> SourceTable:
    (table,) = tables(path, **options)
    return table


def texts(cells: tuple[Cell, ...]) -> list[str | None]:
    """Cells as text, without trailing empty ones (readers may pad rows differently)."""
    values = [cell_text(cell) for cell in cells]
    while values and values[-1] is None:
        values.pop()
    return values


def rows(table: SourceTable) -> list[tuple[int, list[str | None]]]:
    return [(row.number, texts(row.cells)) for row in table.rows]


def read_error(path: Path, **options: Any) -> str:
    with pytest.raises(ImportFileError) as caught:
        for table in open_tables(path, ReadOptions(**options), is_known):
            list(table.rows)
    assert caught.value.exit_code == ExitCode.INVALID
    message = caught.value.message
    assert message.startswith(f"{path.name}: "), message
    return message


def write_xlsx(path: Path, sheets: dict[str, dict[str, Any]]) -> Path:
    """A workbook with the given cells ({"B3": "Firma", ...}) on each named sheet."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, cells in sheets.items():
        sheet = book.create_sheet(name)
        for coordinate, value in cells.items():
            sheet[coordinate] = value
    book.save(path)
    return path


BOTH_READERS = pytest.mark.parametrize("low_memory", [False, True], ids=["calamine", "openpyxl"])


# --- file formats -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a.xlsx", "xlsx"),
        ("a.XLSM", "xlsx"),
        ("a.csv", "csv"),
        ("a.txt", "csv"),
        ("a.vcf", "vcf"),
    ],
)
def test_file_format(name: str, expected: str) -> None:
    assert file_format(Path(name)) == expected


@pytest.mark.parametrize("suffix", [".xls", ".ods"])
def test_old_spreadsheet_formats_say_save_as_xlsx(suffix: str) -> None:
    with pytest.raises(ImportFileError, match=r"save it as \.xlsx") as caught:
        file_format(Path(f"adresar{suffix}"))
    assert caught.value.message.startswith(f"adresar{suffix}: ")


def test_unknown_suffix_names_it_and_the_supported_ones(tmp_path: Path) -> None:
    path = tmp_path / "adresar.pdf"
    path.write_bytes(b"%PDF-1.4")
    message = read_error(path)
    assert ".pdf" in message
    for suffix in SUPPORTED_SUFFIXES:
        assert suffix in message


def test_missing_file(tmp_path: Path) -> None:
    # Like every command's missing file: exit 2 (usage), see tests/cli/test_errors_item14.py.
    with pytest.raises(FileUnreadable, match=r"adresar\.csv: the file does not exist"):
        open_tables(tmp_path / "adresar.csv", ReadOptions(), is_known)


# --- xlsx: header detection and sheets -------------------------------------------------------


@BOTH_READERS
def test_title_and_blank_rows_above_the_header_are_skipped(
    tmp_path: Path, low_memory: bool
) -> None:
    path = write_xlsx(
        tmp_path / "adresar.xlsx",
        {
            "Kontakty": {
                "B1": "Adresář firem",
                "B2": "stav k 1. 3. 2024",
                "B4": "Firma",
                "C4": "IČO",
                "D4": "Město",
                "B5": "ACME s.r.o.",
                "C5": 25596641,
                "D5": "Praha",
                "B7": "Beta a.s.",
                "D7": "Brno",
            }
        },
    )
    table = only_table(path, low_memory=low_memory)
    assert table.sheet == "Kontakty"
    assert table.header_row == 4
    # Rows are padded back to column A, so positions match the column letters.
    assert table.headers == ["", "Firma", "IČO", "Město"]
    assert rows(table) == [
        (5, [None, "ACME s.r.o.", "25596641", "Praha"]),
        (7, [None, "Beta a.s.", None, "Brno"]),
    ]


@BOTH_READERS
def test_header_without_known_names_is_the_first_text_row_followed_by_data(
    tmp_path: Path, low_memory: bool
) -> None:
    path = write_xlsx(
        tmp_path / "a.xlsx",
        {
            "List1": {
                "A1": "Report",
                "A3": "Zákazník",
                "B3": "Kód",
                "C3": "Hodnota",
                "A4": "X",
                "B4": "K1",
                "C4": 12,
            }
        },
    )
    table = only_table(path, low_memory=low_memory)
    assert (table.header_row, table.headers) == (3, ["Zákazník", "Kód", "Hodnota"])
    assert rows(table) == [(4, ["X", "K1", "12"])]


@BOTH_READERS
def test_known_headers_win_over_an_earlier_text_row(tmp_path: Path, low_memory: bool) -> None:
    path = write_xlsx(
        tmp_path / "a.xlsx",
        {
            "List1": {
                "A1": "Seznam firem",
                "B1": "interní",
                "A2": "Firma",
                "B2": "E-mail",
                "A3": "ACME",
                "B3": "info@acme.cz",
            }
        },
    )
    assert only_table(path, low_memory=low_memory).header_row == 2


@BOTH_READERS
def test_header_row_option_overrides_detection(tmp_path: Path, low_memory: bool) -> None:
    path = write_xlsx(
        tmp_path / "a.xlsx",
        {"List1": {"A1": "Firma", "B1": "IČO", "A2": "x", "B2": "y", "A3": "ACME", "B3": 1}},
    )
    table = only_table(path, header_row=2, low_memory=low_memory)
    assert (table.header_row, table.headers) == (2, ["x", "y"])
    assert rows(table) == [(3, ["ACME", "1"])]


def test_header_row_option_on_an_empty_row(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", {"List1": {"A1": "Firma", "B1": "IČO", "A3": "x"}})
    assert "row 2 is empty" in read_error(path, header_row=2)
    assert "there is no row 9" in read_error(path, header_row=9)


def test_no_header_row_found(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", {"List1": {f"A{n}": n for n in range(1, 40)}})
    message = read_error(path)
    assert "no header row found in the first 30 rows; pass --header-row N" in message
    assert "sheet 'List1'" in message


def test_numeric_header_cells_become_text(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "a.xlsx",
        {"List1": {"A1": " Firma ", "B1": "IČO", "C1": 2024, "A2": "ACME", "C2": 5}},
    )
    assert only_table(path).headers == ["Firma", "IČO", "2024"]


def several_sheets(path: Path) -> Path:
    write_xlsx(
        path,
        {
            "Firmy": {"A1": "Firma", "B1": "IČO", "A2": "ACME", "B2": 25596641},
            "Prázdný": {},
            "Lidé": {"A2": "Jméno", "B2": "Příjmení", "A3": "Jan", "B3": "Novák"},
        },
    )
    return path


@BOTH_READERS
def test_default_is_the_first_sheet(tmp_path: Path, low_memory: bool) -> None:
    table = only_table(several_sheets(tmp_path / "a.xlsx"), low_memory=low_memory)
    assert table.sheet == "Firmy"
    assert rows(table) == [(2, ["ACME", "25596641"])]


@BOTH_READERS
def test_all_sheets_leave_out_the_empty_one(tmp_path: Path, low_memory: bool) -> None:
    found = tables(several_sheets(tmp_path / "a.xlsx"), sheet="all", low_memory=low_memory)
    assert [(t.sheet, t.header_row) for t in found] == [("Firmy", 1), ("Lidé", 2)]
    assert rows(found[1]) == [(3, ["Jan", "Novák"])]


@BOTH_READERS
@pytest.mark.parametrize("choice", ["Lidé", "lidé", "3"])
def test_sheet_by_name_or_number(tmp_path: Path, low_memory: bool, choice: str) -> None:
    table = only_table(several_sheets(tmp_path / "a.xlsx"), sheet=choice, low_memory=low_memory)
    assert table.sheet == "Lidé"


@BOTH_READERS
def test_unknown_sheet_lists_the_sheets(tmp_path: Path, low_memory: bool) -> None:
    path = several_sheets(tmp_path / "a.xlsx")
    for choice in ("Adresy", "7"):
        message = read_error(path, sheet=choice, low_memory=low_memory)
        assert f"no sheet '{choice}'" in message
        assert "'Firmy', 'Prázdný', 'Lidé'" in message


def test_chosen_empty_sheet(tmp_path: Path) -> None:
    message = read_error(several_sheets(tmp_path / "a.xlsx"), sheet="Prázdný")
    assert "sheet 'Prázdný' is empty" in message


@BOTH_READERS
def test_hidden_sheets_are_not_read_by_default(tmp_path: Path, low_memory: bool) -> None:
    path = tmp_path / "a.xlsx"
    book = openpyxl.Workbook()
    hidden = book.active
    hidden.title = "Číselník"
    hidden.append(["Kód", "Název"])
    hidden.append(["A", "B"])
    hidden.sheet_state = "hidden"
    visible = book.create_sheet("Data")
    visible.append(["Firma", "IČO"])
    visible.append(["ACME", "1"])
    book.save(path)
    assert only_table(path, low_memory=low_memory).sheet == "Data"
    assert [t.sheet for t in tables(path, sheet="all", low_memory=low_memory)] == ["Data"]
    assert only_table(path, sheet="Číselník", low_memory=low_memory).sheet == "Číselník"


# --- xlsx: values -----------------------------------------------------------------------------


@BOTH_READERS
def test_excel_dates_numbers_and_ico(tmp_path: Path, low_memory: bool) -> None:
    path = write_xlsx(
        tmp_path / "a.xlsx",
        {
            "List1": {
                "A1": "Firma",
                "B1": "IČO",
                "C1": "Datum",
                "D1": "Obrat",
                "E1": "Poznámka",
                "A2": "ACME",
                "B2": 25596641,
                "C2": date(2024, 3, 1),
                "D2": 1234.5,
                "E2": datetime(2024, 3, 1, 10, 5),
            }
        },
    )
    (row,) = only_table(path, low_memory=low_memory).rows
    firm, ico, day, turnover, moment = row.cells[:5]
    assert firm == "ACME"
    assert ico == 25596641 and cell_text(ico) == "25596641"
    assert isinstance(day, date) and cell_text(day) == "2024-03-01"
    assert turnover == 1234.5
    assert isinstance(moment, datetime) and cell_text(moment) == "2024-03-01T10:05:00"


def formula_workbook(path: Path) -> Path:
    """A minimal hand-written xlsx whose formula cells carry cached values (<f> and <v>)."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relationships = "http://schemas.openxmlformats.org/package/2006/relationships"
    office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    book_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"

    def text(ref: str, value: str) -> str:
        return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'

    sheet = (
        f'<worksheet xmlns="{main}"><sheetData>'
        f'<row r="1">{text("A1", "Firma")}{text("B1", "Obrat")}{text("C1", "E-mail")}</row>'
        f'<row r="2">{text("A2", "ACME")}<c r="B2"><f>100*12</f><v>1200</v></c>'
        '<c r="C2" t="str"><f>"jan"&amp;"@acme.cz"</f><v>jan@acme.cz</v></c></row>'
        "</sheetData></worksheet>"
    )
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{book_type}"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{sheet_type}"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{relationships}"><Relationship Id="rId1" '
            f'Type="{office}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{main}" xmlns:r="{office}"><sheets>'
            '<sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{relationships}"><Relationship Id="rId1" '
            f'Type="{office}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": sheet,
    }
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return path


@BOTH_READERS
def test_formula_cells_give_their_cached_values(tmp_path: Path, low_memory: bool) -> None:
    table = only_table(formula_workbook(tmp_path / "vzorce.xlsx"), low_memory=low_memory)
    assert table.headers == ["Firma", "Obrat", "E-mail"]
    (row,) = table.rows
    assert row.number == 2
    assert row.cells[1] == 1200
    assert row.cells[2] == "jan@acme.cz"


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm"])
def test_low_memory_gives_the_same_rows_as_calamine(tmp_path: Path, suffix: str) -> None:
    path = write_xlsx(
        tmp_path / f"a{suffix}",
        {
            "List1": {
                "A1": "Seznam",
                "A3": "Firma",
                "B3": "IČO",
                "C3": "Datum",
                "D3": "Obrat",
                "E3": "Aktivní",
                **{f"A{n}": f"Firma {n}" for n in range(4, 40)},
                **{f"B{n}": 25596641 + n for n in range(4, 40, 2)},
                **{f"C{n}": date(2024, 1, n % 28 + 1) for n in range(4, 40, 3)},
                **{f"D{n}": n * 1.25 for n in range(4, 40)},
                **{f"E{n}": n % 2 == 0 for n in range(4, 40)},
            }
        },
    )
    fast, small = only_table(path), only_table(path, low_memory=True)
    assert (fast.header_row, fast.headers) == (small.header_row, small.headers)
    assert rows(fast) == rows(small)


# --- xlsx: broken files -----------------------------------------------------------------------


@BOTH_READERS
def test_truncated_workbook(tmp_path: Path, low_memory: bool) -> None:
    whole = several_sheets(tmp_path / "whole.xlsx").read_bytes()
    path = tmp_path / "adresar.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    assert "cannot be read" in read_error(path, low_memory=low_memory)


@BOTH_READERS
def test_not_a_zip(tmp_path: Path, low_memory: bool) -> None:
    path = tmp_path / "adresar.xlsx"
    path.write_text("Firma;IČO\nACME;25596641\n", encoding="utf-8")
    assert "not an Excel workbook" in read_error(path, low_memory=low_memory)


@BOTH_READERS
def test_a_zip_that_is_not_a_workbook(tmp_path: Path, low_memory: bool) -> None:
    path = tmp_path / "adresar.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "cannot be read" in read_error(path, low_memory=low_memory)


def test_password_protected_workbook(tmp_path: Path) -> None:
    path = tmp_path / "adresar.xlsx"
    # An encrypted .xlsx is an OLE compound file.
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))
    assert "password-protected" in read_error(path)


@pytest.mark.parametrize("name", ["a.xlsx", "a.csv", "a.vcf"])
def test_empty_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    assert read_error(path) == f"{name}: the file is empty"


def test_csv_of_blank_lines_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"\r\n;;\r\n  \r\n")
    assert read_error(path) == "a.csv: the file is empty"


@BOTH_READERS
def test_absurdly_wide_sheet(tmp_path: Path, low_memory: bool) -> None:
    path = tmp_path / "a.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet.append(["Firma", "IČO"])
    sheet.append(["ACME", 1])
    sheet.cell(row=1, column=2000, value="x")
    book.save(path)
    message = read_error(path, low_memory=low_memory)
    assert "sheet 'Data' is 2000 columns wide" in message
    assert f"at most {MAX_COLUMNS}" in message
    assert "export the sheet as CSV" in message


@BOTH_READERS
def test_formatting_far_to_the_right_does_not_count(tmp_path: Path, low_memory: bool) -> None:
    path = tmp_path / "a.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Firma", "IČO"])
    sheet.append(["ACME", 1])
    sheet.cell(row=1, column=900).font = openpyxl.styles.Font(bold=True)
    book.save(path)
    assert rows(only_table(path, low_memory=low_memory)) == [(2, ["ACME", "1"])]


# --- CSV --------------------------------------------------------------------------------------

CZECH_ROWS = "Příjmení;Město;Obrat\r\nŠťastný;Žďár nad Sázavou;1 234,50\r\nŽák;Říčany;99,9\r\n"


@pytest.mark.parametrize("encoding", ["cp1250", "iso-8859-2", "utf-8", "utf-8-sig"])
def test_czech_csv_in_each_encoding(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "adresar.csv"
    path.write_bytes(CZECH_ROWS.encode(encoding))
    table = only_table(path)
    assert (table.sheet, table.header_row) == ("", 1)
    assert table.headers == ["Příjmení", "Město", "Obrat"]
    assert [(row.number, row.cells) for row in table.rows] == [
        (2, ("Šťastný", "Žďár nad Sázavou", "1 234,50")),
        (3, ("Žák", "Říčany", "99,9")),
    ]


def test_cp1250_and_iso_8859_2_bytes_differ_for_s_and_z() -> None:
    # The test above only proves detection if the two encodings write Š/Ž/š/ž differently.
    assert "ŠŽšž".encode("cp1250") == b"\x8a\x8e\x9a\x9e"
    assert "ŠŽšž".encode("iso-8859-2") == b"\xa9\xae\xb9\xbe"


def test_utf16_text_from_excel(tmp_path: Path) -> None:
    path = tmp_path / "adresar.txt"
    path.write_bytes("Firma\tIČO\r\nŠťastný s.r.o.\t25596641\r\n".encode("utf-16"))
    assert rows(only_table(path)) == [(2, ["Šťastný s.r.o.", "25596641"])]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("Firma\tIČO\tMěsto\nACME, a.s.\t25596641\tPraha\n", ["ACME, a.s.", "25596641", "Praha"]),
        ('Firma,IČO,Město\n"ACME; a.s.",25596641,Praha\n', ["ACME; a.s.", "25596641", "Praha"]),
        ("Firma;IČO;Obrat\nACME;25596641;1,5\n", ["ACME", "25596641", "1,5"]),
        # Every row has a decimal comma, but the header only splits on ";".
        ("Firma;Obrat\nA;1,5\nB;2,5\n", ["A", "1,5"]),
    ],
    ids=["tab", "comma", "semicolon", "decimal-commas"],
)
def test_delimiter_detection(tmp_path: Path, content: str, expected: list[str]) -> None:
    path = tmp_path / "a.csv"
    path.write_text(content, encoding="utf-8")
    table = only_table(path)
    assert len(table.headers) == len(expected)
    assert next(iter(table.rows)).cells == tuple(expected)


@pytest.mark.parametrize("option", ["tab", "\\t", "\t", "TAB"])
def test_delimiter_option_names_tab(tmp_path: Path, option: str) -> None:
    path = tmp_path / "a.csv"
    path.write_text("Firma\tIČO;x\nACME\t1;2\n", encoding="utf-8")
    assert only_table(path, delimiter=option).headers == ["Firma", "IČO;x"]


def test_delimiter_option_overrides_detection(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("Firma;IČO,x\nACME;1,2\n", encoding="utf-8")
    assert only_table(path, delimiter=",").headers == ["Firma;IČO", "x"]
    assert "unsupported delimiter" in read_error(path, delimiter="|")


def test_encoding_option_overrides_detection(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes("Firma;Město\nA;Žďár\n".encode("cp1250"))
    # cp1250's Ž (0x8E) is a control character in ISO-8859-2.
    assert rows(only_table(path, encoding="iso-8859-2")) == [(2, ["A", "\x8eďár"])]
    assert "unknown encoding" in read_error(path, encoding="klingon")


def test_quoted_fields_with_newlines_keep_record_numbers(tmp_path: Path) -> None:
    # Rows are numbered as a spreadsheet shows the file: one number per record.
    path = tmp_path / "a.csv"
    path.write_bytes(
        b"Firma;Pozn\xc3\xa1mka\r\n"
        b'ACME;"first line\r\nsecond line"\r\n'
        b"\r\n"
        b'Beta;"a ""quote"""\r\n'
        b'Gama;"x\ny\nz"\n'
        b"Delta;end\n"
    )
    table = only_table(path)
    assert [(row.number, row.cells) for row in table.rows] == [
        (2, ("ACME", "first line\r\nsecond line")),
        (4, ("Beta", 'a "quote"')),
        (5, ("Gama", "x\ny\nz")),
        (6, ("Delta", "end")),
    ]


def test_csv_title_rows_and_header_row_option(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(
        "Export z účetnictví;;\n;;\nFirma;IČO;Město\nACME;25596641;Praha\n", encoding="utf-8"
    )
    table = only_table(path)
    assert (table.header_row, table.headers) == (3, ["Firma", "IČO", "Město"])
    assert rows(table) == [(4, ["ACME", "25596641", "Praha"])]
    table = only_table(path, header_row=4)
    assert (table.header_row, table.headers) == (4, ["ACME", "25596641", "Praha"])
    assert rows(table) == []


def test_csv_cells_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("Firma;IČO;Obrat\nACME;00123;1 234,50\nB;;\n", encoding="utf-8")
    assert [row.cells for row in only_table(path).rows] == [
        ("ACME", "00123", "1 234,50"),
        ("B", "", ""),
    ]


def test_csv_whitespace_rows_are_blank(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("Firma;IČO\n ; \n;ACME\n", encoding="utf-8")
    assert rows(only_table(path)) == [(3, [None, "ACME"])]


def test_nul_byte(tmp_path: Path) -> None:
    path = tmp_path / "adresar.csv"
    path.write_bytes(b"Firma;ICO\nACME;1\nBeta\x00;2\n")
    assert read_error(path) == (
        "adresar.csv: line 3 contains a NUL byte: this is not a text CSV; export it again as CSV"
    )


def test_decode_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "adresar.csv"
    path.write_bytes(b"Firma;Mesto\nACME;Praha\nBeta;\x8a\n")
    message = read_error(path, encoding="utf-8")
    assert "line 3: bytes 0x8A are not valid utf-8 text" in message
    assert "--encoding cp1250" in message


def test_too_many_fields(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("Firma;IČO\nACME;1\n" + "x;" * 600 + "\n", encoding="utf-8")
    assert f"line 3 has 601 fields; crmctl reads at most {MAX_COLUMNS}" in read_error(path)


def test_sheet_option_on_a_csv(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("Firma;IČO\nACME;1\n", encoding="utf-8")
    assert "leave out --sheet" in read_error(path, sheet="Data")
    assert only_table(path, sheet="all").sheet == ""


def test_csv_rows_are_lazy(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    # A broken line far down: reading the header must not reach it.
    path.write_bytes(b"Firma;IC\n" + b"ACME;1\n" * 20_000 + b"Beta;\x8a\n")
    table = only_table(path, encoding="utf-8")
    assert table.headers == ["Firma", "IC"]
    with pytest.raises(ImportFileError, match="line 20002: bytes 0x8A are not valid utf-8"):
        list(table.rows)


# --- vCard ------------------------------------------------------------------------------------

VCARD_3 = """BEGIN:VCARD
VERSION:3.0
FN:Ing. Jan Novák Ph.D.
N:Novák;Jan;Petr;Ing.;Ph.D.
ORG:ACME s.r.o.;Obchod
TITLE:Ředitel
EMAIL;TYPE=INTERNET,WORK:jan@acme.cz
EMAIL;TYPE=HOME:jan@seznam.cz
TEL;TYPE=CELL:+420 603 123 456
TEL;TYPE=WORK:+420 271 123 456
ADR;TYPE=WORK:;;Vodičkova 12;Praha;;110 00;Česká republika
URL:https://acme.cz
NOTE:Poznámka\\, s čárkou
CATEGORIES:VIP,Partner
END:VCARD

BEGIN:VCARD
VERSION:3.0
FN:Eva Malá
N:Malá;Eva;;;
END:VCARD
"""

VCARD_4 = """BEGIN:VCARD
VERSION:4.0
FN:Eva Malá
N:Malá;Eva;;;
EMAIL;TYPE=work:eva@firma.cz
EMAIL:eva@gmail.com
TEL;VALUE=uri;TYPE="voice,cell":tel:+420-777-111-222
TEL;TYPE=work:+420 222 333 444
ORG:Firma a.s.
END:VCARD
"""


def vcard_rows(table: SourceTable) -> list[tuple[int, dict[str, Cell]]]:
    return [
        (row.number, {h: c for h, c in zip(table.headers, row.cells, strict=True) if c})
        for row in table.rows
    ]


def test_vcard_3(tmp_path: Path) -> None:
    path = tmp_path / "kontakty.vcf"
    path.write_text(VCARD_3, encoding="utf-8")
    table = only_table(path)
    assert (table.sheet, table.headers) == ("", list(VCARD_HEADERS))
    assert vcard_rows(table) == [
        (
            1,
            {
                "name": "Ing. Jan Novák Ph.D.",
                "title_before": "Ing.",
                "first_name": "Jan Petr",
                "last_name": "Novák",
                "title_after": "Ph.D.",
                "company": "ACME s.r.o.",
                "function": "Ředitel",
                "email": ["jan@acme.cz", "jan@seznam.cz"],
                "phone": ["+420 603 123 456", "+420 271 123 456"],
                "street": "Vodičkova 12",
                "city": "Praha",
                "psc": "110 00",
                "country": "Česká republika",
                "website": "https://acme.cz",
                "note": "Poznámka, s čárkou",
                "tags": "VIP, Partner",
            },
        ),
        (17, {"name": "Eva Malá", "first_name": "Eva", "last_name": "Malá"}),
    ]


def test_vcard_4(tmp_path: Path) -> None:
    path = tmp_path / "kontakty.vcf"
    path.write_bytes(b"\xef\xbb\xbf" + VCARD_4.replace("\n", "\r\n").encode("utf-8"))
    assert vcard_rows(only_table(path)) == [
        (
            1,
            {
                "name": "Eva Malá",
                "first_name": "Eva",
                "last_name": "Malá",
                "company": "Firma a.s.",
                "email": ["eva@firma.cz", "eva@gmail.com"],
                "phone": ["+420-777-111-222", "+420 222 333 444"],
            },
        )
    ]


def test_vcard_2_1_quoted_printable_in_cp1250(tmp_path: Path) -> None:
    path = tmp_path / "kontakty.vcf"
    path.write_bytes(
        "BEGIN:VCARD\r\nVERSION:2.1\r\n"
        "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Nov=C3=A1k;Jan;;;\r\n"
        "FN:Jan Novák\r\nTEL;CELL:+420603123456\r\nEND:VCARD\r\n".encode("cp1250")
    )
    assert vcard_rows(only_table(path)) == [
        (
            1,
            {
                "name": "Jan Novák",
                "first_name": "Jan",
                "last_name": "Novák",
                "phone": ["+420603123456"],
            },
        )
    ]


def test_broken_vcard_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "kontakty.vcf"
    path.write_text(VCARD_4 + "BEGIN:VCARD\nVERSION:3.0\nFN:x\nno colon here\nEND:VCARD\n")
    message = read_error(path)
    assert message.startswith("kontakty.vcf: line 14: the vCard cannot be read"), message


def test_unterminated_vcard(tmp_path: Path) -> None:
    path = tmp_path / "kontakty.vcf"
    path.write_text(VCARD_4 + "BEGIN:VCARD\nVERSION:3.0\nFN:x\n")
    assert "the vCard at line 11 has no END:VCARD" in read_error(path)


def test_not_a_vcard(tmp_path: Path) -> None:
    path = tmp_path / "kontakty.vcf"
    path.write_text("Firma;IČO\n", encoding="utf-8")
    assert "line 1 is outside a vCard" in read_error(path)


def test_vcard_refuses_header_row(tmp_path: Path) -> None:
    path = tmp_path / "kontakty.vcf"
    path.write_text(VCARD_4, encoding="utf-8")
    assert "no header row" in read_error(path, header_row=2)


# --- NFC (issue 15 item 6) ----------------------------------------------------------------------


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@BOTH_READERS
def test_item6_workbook_texts_are_composed(tmp_path: Path, low_memory: bool) -> None:
    path = write_xlsx(
        tmp_path / "mac.xlsx",
        {"List": {"A1": _nfd("Firma"), "B1": _nfd("Město"), "A2": _nfd("Novák"), "B2": 7}},
    )
    table = only_table(path, low_memory=low_memory)
    assert table.headers == ["Firma", "Město"]
    assert [row.cells[:2] for row in table.rows] == [("Novák", 7)]


def test_item6_vcard_texts_are_composed(tmp_path: Path) -> None:
    path = tmp_path / "mac.vcf"
    card = "BEGIN:VCARD\nVERSION:3.0\nFN:Jiří Dvořák\nN:Dvořák;Jiří;;;\nEND:VCARD\n"
    path.write_text(_nfd(card), encoding="utf-8")
    (row,) = only_table(path).rows
    cells = dict(zip(VCARD_HEADERS, row.cells, strict=True))
    assert (cells["first_name"], cells["last_name"]) == ("Jiří", "Dvořák")
