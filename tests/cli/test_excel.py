"""Excel as a client for lists (issue 20 item 7): ``-o xlsx --output F`` on every list,
``--excel`` CSV for Czech Excel, the formula guard, and the styled rejects.xlsx."""

from __future__ import annotations

import csv
import io
import os
import pty
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.main import get_command

from crmctl.cli import app
from crmctl.render import csv_cell, needs_formula_guard
from tests.conftest import Crm
from tests.reports.test_forecast_libreoffice import convert_to_csv

CRMCTL = Path(sys.executable).with_name("crmctl")


@pytest.fixture
def book(crm: Crm) -> Crm:
    crm(
        "companies", "add", "--name", "Ábel a.s.", "--ico", "6947", "--dic", "CZ00006947",
        "--psc", "11000", "--city", "Praha", "--phone", "+420 601 123 456",
    )  # fmt: skip
    crm("companies", "add", "--name", "=HYPERLINK(1)", "--city", "Kladno")
    crm(
        "contacts", "add", "--name", "Jan Čáp", "--phone", "+420 601 123 456",
        "--company", "Ábel a.s.",
    )  # fmt: skip
    crm(
        "deals", "add", "--title", "Dodávka", "--company", "Ábel a.s.", "--value",
        "1 234,50", "--expected-close", "2026-06-30",
    )  # fmt: skip
    crm("tasks", "add", "Zavolat", "--due", "2026-03-12")
    return crm


def sheet_rows(path: Path) -> tuple[object, list[dict[str, object]]]:
    sheet = load_workbook(path).active
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]
    return sheet, rows  # type: ignore[return-value]


def test_companies_xlsx_has_typed_cells_and_a_frozen_bold_header(book: Crm, tmp_path: Path) -> None:
    target = tmp_path / "firmy.xlsx"
    result = book("companies", "list", "--sort", "name", "-o", "xlsx", "--output", str(target))
    assert result.stdout == ""
    sheet, rows = sheet_rows(target)
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1])
    # Czech order: "=" is punctuation, before every letter.
    assert [row["name"].value for row in rows] == ["=HYPERLINK(1)", "Ábel a.s."]
    formula, first = rows
    # IČO, DIČ, PSČ and phone are text cells: zeros and spaces stay.
    for key, value in [("ico", "00006947"), ("dic", "CZ00006947"), ("psc", "110 00")]:
        assert first[key].value == value and first[key].data_type == "s", key
    assert first["phone"].value == "+420601123456" and first["phone"].data_type == "s"
    assert first["ico"].number_format == "@"
    # Times are Excel dates in local time (Prague, UTC+1 in March), without a zone.
    created = first["created_at"].value
    assert isinstance(created, datetime) and created.tzinfo is None
    assert created == datetime(2026, 3, 10, 9, 0)
    assert first["id"].data_type == "n"
    # A formula-like name is text, never a formula.
    assert formula["name"].data_type == "s"
    # Widths follow the content: the name column is wider than the id column.
    widths = {c.value: sheet.column_dimensions[c.column_letter].width for c in sheet[1]}
    assert widths["name"] > widths["id"] and widths["name"] >= len("=HYPERLINK(1)")


def test_deal_money_is_a_number_with_a_currency_format(book: Crm, tmp_path: Path) -> None:
    target = tmp_path / "obchody.xlsx"
    book("deals", "list", "-o", "xlsx", "--output", str(target))
    _, rows = sheet_rows(target)
    value = rows[0]["value"]
    assert value.data_type == "n" and Decimal(str(value.value)) == Decimal("1234.50")
    assert "Kč" in value.number_format and "0.00" in value.number_format
    close = rows[0]["expected_close"]
    assert close.value == datetime(2026, 6, 30) and close.number_format == "d. m. yyyy"


def test_same_records_give_the_same_bytes(book: Crm, tmp_path: Path) -> None:
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    book("companies", "list", "-o", "xlsx", "--output", str(first))
    book("companies", "list", "-o", "xlsx", "--output", str(second))
    assert first.read_bytes() == second.read_bytes()


def list_commands() -> list[list[str]]:
    """Every ``… list`` command of the CLI that takes ``--output``."""
    found: list[list[str]] = []

    def walk(command: object, path: list[str]) -> None:
        for name, sub in (getattr(command, "commands", None) or {}).items():
            if getattr(sub, "commands", None):
                walk(sub, [*path, name])
            elif name == "list" and any("--output" in p.opts for p in sub.params):
                found.append([*path, name])

    walk(get_command(app), [])
    return found


def test_every_list_takes_xlsx(book: Crm, tmp_path: Path) -> None:
    commands = list_commands()
    nouns = {path[0] for path in commands}
    expected = {"contacts", "companies", "deals", "leads", "tasks", "products", "campaigns"}
    assert expected | {"services", "plans", "mail", "users", "import"} <= nouns
    rules = ["--workflows", str(Path(__file__).parents[2] / "workflows.yaml")]
    for path in commands:
        target = tmp_path / f"{'-'.join(path)}.xlsx"
        extra = rules if path[0] == "workflows" else []
        book(*path, *extra, "-o", "xlsx", "--output", str(target))
        load_workbook(target)  # a workbook, even for an empty list


def test_agenda_and_show_take_xlsx_too(book: Crm, tmp_path: Path) -> None:
    agenda, card = tmp_path / "agenda.xlsx", tmp_path / "card.xlsx"
    book("tasks", "agenda", "-o", "xlsx", "--output", str(agenda))
    assert [row["subject"].value for row in sheet_rows(agenda)[1]] == ["Zavolat"]
    book("companies", "show", "00006947", "-o", "xlsx", "--output", str(card))
    assert sheet_rows(card)[1][0]["ico"].value == "00006947"


def test_output_file_for_text_formats_and_the_old_spelling(book: Crm, tmp_path: Path) -> None:
    target = tmp_path / "firmy.json"
    book("companies", "list", "-o", "json", "--output", str(target))
    assert '"00006947"' in target.read_text(encoding="utf-8")
    # Before issue 20 `--output` was the format; a format's name still works as one.
    assert book("companies", "list", "--output", "json").stdout.lstrip().startswith("[")


def test_a_failed_command_writes_no_file(book: Crm, tmp_path: Path) -> None:
    target = tmp_path / "none.xlsx"
    result = book("companies", "show", "99", "-o", "xlsx", "--output", str(target), code=3)
    assert "error:" in result.stderr and not target.exists()


def test_unwritable_output_is_one_error_line(book: Crm, tmp_path: Path) -> None:
    result = book(
        "companies", "list", "-o", "xlsx", "--output", str(tmp_path / "no" / "f.xlsx"), code=2
    )
    assert result.stderr.startswith("error: --output") and "Traceback" not in result.stderr


def test_excel_with_json_is_a_usage_error(book: Crm) -> None:
    result = book("companies", "list", "-o", "json", "--excel", code=2)
    assert result.stderr.startswith("error: --excel")


# --- a terminal and a pipe --------------------------------------------------------------


def run_on_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """``crmctl ARGS`` with stdout and stderr on a real pseudo-terminal."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [str(CRMCTL), *args], stdout=follower, stderr=follower, stdin=subprocess.DEVNULL,
        env=env,
    )  # fmt: skip
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


def test_xlsx_refuses_a_terminal_and_flows_into_a_pipe(book: Crm, tmp_path: Path) -> None:
    env = {**os.environ, "CRM_DATABASE_URL": book.url, "CRM_USER": book.user,
           "CRM_NOW": book.now}  # fmt: skip
    code, shown = run_on_terminal(["companies", "list", "-o", "xlsx"], env)
    assert code == 2
    assert shown.startswith("error: -o xlsx") and "--output FILE" in shown
    piped = subprocess.run(
        [str(CRMCTL), "companies", "list", "-o", "xlsx"], capture_output=True, env=env,
        check=True, timeout=60,
    )  # fmt: skip
    target = tmp_path / "piped.xlsx"
    target.write_bytes(piped.stdout)
    assert sheet_rows(target)[1][0]["ico"].value == "00006947"


# --- CSV for Czech Excel -----------------------------------------------------------------


def test_excel_csv_has_bom_semicolons_crlf_and_decimal_commas(book: Crm) -> None:
    result = book("deals", "list", "-o", "csv", "--excel", "--fields", "title,value,created_at")
    data = result.stdout_bytes
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows == [["title", "value", "created_at"], ["Dodávka", "1234,50", "2026-03-10 09:00:00"]]


def test_excel_csv_keeps_phones_and_guards_formulas(book: Crm) -> None:
    text = book("companies", "list", "-o", "csv", "--excel", "--sort", "name").stdout
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=";"))
    assert rows[1]["phone"] == "+420601123456" and rows[1]["ico"] == "00006947"
    assert rows[0]["name"] == "'=HYPERLINK(1)"


@pytest.mark.parametrize(
    ("text", "guarded"),
    [
        ("=1+1", True),
        ("=HYPERLINK(1)", True),
        ("@SUM(A1)", True),
        ("+A1", True),
        ("-2+3", True),
        ("-cmd|' /C calc'!A0", True),
        ("\t123", True),
        ("\r123", True),
        ("+", True),
        ("+420 601 123 456", False),
        ("+420601123456", False),
        ("-5", False),
        ("-1234.50", False),
        ("+1 (555) 010-999", False),
        ("Novák", False),
        ("", False),
    ],
)
def test_formula_guard_only_where_a_formula_would_run(text: str, guarded: bool) -> None:
    assert needs_formula_guard(text) is guarded
    assert csv_cell(text).startswith("'") is (guarded or text.startswith("'"))


def test_csv_cell_in_excel_dialect() -> None:
    assert csv_cell(Decimal("1234.50"), excel=True) == "1234,50"
    assert csv_cell(Decimal("1234.50")) == "1234.50"
    assert csv_cell(date(2026, 12, 7), excel=True) == "2026-12-07"
    assert csv_cell(["a", "b"], excel=True) == "a, b"
    assert csv_cell(["a", "b"]) == '["a", "b"]'


def test_report_csv_for_excel(book: Crm) -> None:
    data = book("report", "forecast", "--by", "month", "-o", "csv", "--excel").stdout_bytes
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    assert text.endswith("\r\n") and rows[0]["value"] == "1234,50"
    plain = book("report", "forecast", "--by", "month", "-o", "csv").stdout
    assert plain.startswith("month,") and "1234.50" in plain
    assert book("report", "forecast", "-o", "json", "--excel", code=2).stderr.startswith(
        "error: --excel"
    )


# --- the import's rejects ------------------------------------------------------------------

REJECTED = (
    "Název;IČO;Telefon\r\nŠpatné IČO s.r.o.;12345678;+420 601 123 456\r\nDobrá a.s.;00006947;\r\n"
)


def test_rejects_xlsx_is_styled_with_the_reason_first_and_wide(crm: Crm, tmp_path: Path) -> None:
    source, rejects = tmp_path / "adresar.csv", tmp_path / "rejects.xlsx"
    source.write_text(REJECTED, encoding="utf-8")
    crm("import", str(source), "--rejects", str(rejects), code=4)
    sheet, rows = sheet_rows(rejects)
    header = [cell.value for cell in sheet[1]]
    assert header[0] == "crmctl: reason" and header[3:] == ["Název", "IČO", "Telefon"]
    assert sheet.freeze_panes == "A2" and all(cell.font.b for cell in sheet[1])
    assert sheet.column_dimensions["A"].width >= 50
    assert "IČO" in rows[0]["crmctl: reason"].value
    assert rows[0]["Telefon"].value == "+420 601 123 456"


def test_rejects_csv_for_excel(crm: Crm, tmp_path: Path) -> None:
    source, rejects = tmp_path / "adresar.csv", tmp_path / "rejects.csv"
    source.write_text(REJECTED, encoding="utf-8")
    crm("import", str(source), "--rejects", str(rejects), "--excel", code=4)
    data = rejects.read_bytes()
    assert data.startswith("\ufeff".encode()) and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0][0] == "crmctl: reason" and rows[1][3:] == [
        "Špatné IČO s.r.o.", "12345678", "+420 601 123 456"
    ]  # fmt: skip


# --- LibreOffice reads it as Excel would -----------------------------------------------------


def test_libreoffice_keeps_text_as_text_and_numbers_as_numbers(book: Crm, tmp_path: Path) -> None:
    """Real LibreOffice (headless) converts the workbooks to CSV with raw values: IČO and
    PSČ keep their zeros and spaces, the phone its +, money is a plain number."""
    companies, deals = tmp_path / "firmy.xlsx", tmp_path / "obchody.xlsx"
    book("companies", "list", "--sort", "-name", "-o", "xlsx", "--output", str(companies))
    book("deals", "list", "-o", "xlsx", "--output", str(deals))
    header, first, _ = convert_to_csv(companies, tmp_path)
    row = dict(zip(header, first, strict=True))
    assert (row["ico"], row["psc"], row["phone"]) == ("00006947", "110 00", "+420601123456")
    header, first = convert_to_csv(deals, tmp_path)
    assert Decimal(dict(zip(header, first, strict=True))["value"]) == Decimal("1234.5")
