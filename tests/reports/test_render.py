"""The report renderers on a hand-made result: exact values, escaping, stable bytes."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from crmctl.errors import UsageError
from crmctl.reports.render import ReportFormat, render_text, report_format, write_report
from crmctl.reports.result import ChartSpec, Column, ColumnKind, ReportResult

COLUMNS = (
    Column("owner", "Owner"),
    Column("currency", "Currency"),
    Column("deals", "Deals", ColumnKind.int),
    Column("value", "Value", ColumnKind.money),
    Column("probability", "Probability", ColumnKind.percent),
)


def result(owner: str = '=HYPERLINK("x")') -> ReportResult:
    rows = [
        {"owner": owner, "currency": "CZK", "deals": 2, "value": Decimal("1250000.5"),
         "probability": Decimal("16.66")},
        {"owner": "<b>jana</b>", "currency": "CZK", "deals": 1, "value": Decimal("0.1"),
         "probability": None},
    ]  # fmt: skip
    totals = [{"owner": "Total", "currency": "CZK", "deals": 3, "value": Decimal("1250000.6"),
               "probability": None}]  # fmt: skip
    return ReportResult(
        "forecast", "Forecast", COLUMNS, rows, totals, ChartSpec("t", ("owner",), ("value",)),
        {"by": ["owner"], "where": None},
    )  # fmt: skip


def test_csv_is_exact_and_never_a_formula() -> None:
    text = render_text(result(), ReportFormat.csv, None)
    assert text.splitlines() == [
        "owner,currency,deals,value,probability",
        '"\'=HYPERLINK(""x"")",CZK,2,1250000.50,16.7',
        "<b>jana</b>,CZK,1,0.10,",
    ]


def test_json_decimals_are_fixed_strings_and_generated_at_is_opt_in() -> None:
    plain = json.loads(render_text(result(), ReportFormat.json, None))
    assert plain["rows"][0]["value"] == "1250000.50" and plain["rows"][0]["deals"] == 2
    assert plain["rows"][0]["probability"] == "16.7" and "generated_at" not in plain
    stamped = json.loads(render_text(result(), ReportFormat.json, datetime(2026, 3, 10, 9)))
    assert stamped["generated_at"] == "2026-03-10T09:00:00"


def test_table_uses_czech_number_format() -> None:
    text = render_text(result(), ReportFormat.table, None)
    assert "1 250 000,50" in text and "16,7 %" in text and "Total" in text


def test_html_escapes_text() -> None:
    html = render_text(result(), ReportFormat.html, None)
    assert "&lt;b&gt;jana&lt;/b&gt;" in html and "<b>jana" not in html


def test_xlsx_entries_have_fixed_times(tmp_path: Path) -> None:
    target = tmp_path / "r.xlsx"
    write_report(result(), ReportFormat.xlsx, stdout=io.StringIO(), output=target)
    archive = zipfile.ZipFile(target)
    assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    sheet = load_workbook(target).active
    assert sheet["D2"].value == Decimal("1250000.50") or sheet["D2"].value == 1250000.5
    assert sheet["A2"].value == '=HYPERLINK("x")' and sheet["A2"].data_type == "s"
    assert sheet["D4"].value == "=SUM(D2:D3)" and sheet["C4"].value == "=SUM(C2:C3)"


def test_unknown_format_and_xlsx_to_stdout_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="table\\|wide\\|csv\\|json\\|xlsx\\|html"):
        report_format("pdf")
    with pytest.raises(UsageError, match="--output"):
        write_report(result(), ReportFormat.xlsx, stdout=io.StringIO())
