"""The people reports' .xlsx open in LibreOffice with numbers equal to the CSV's."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.conftest import Crm
from tests.reports.test_forecast_libreoffice import convert_to_csv, number
from tests.reports.test_people_reports import people  # noqa: F401 (the dataset fixture)

REPORTS = {
    "lead-response": ("--from", "2027-03", "--to", "2027-03"),
    "performance": ("--from", "2027-01", "--to", "2027-01"),
    "commissions": ("--from", "2027-01", "--to", "2027-01", "--details"),
}
NUMERIC = {"int", "money", "percent", "number"}


@pytest.mark.parametrize("report", sorted(REPORTS))
def test_xlsx_numbers_in_libreoffice_equal_the_csv(people: Crm, tmp_path: Path,  # noqa: F811
                                                   report: str) -> None:  # fmt: skip
    args = ("report", report, *REPORTS[report])
    workbook = tmp_path / f"{report}.xlsx"
    people(*args, "-o", "xlsx", "--output", str(workbook))
    exported = list(csv.reader(io.StringIO(people(*args, "-o", "csv").stdout)))
    kinds = {c["key"]: c["kind"] for c in people.json(*args)["columns"]}
    header, data = exported[0], exported[1:]
    sheet = convert_to_csv(workbook, tmp_path)
    assert len(sheet[0]) == len(header) and len(sheet) > len(data) >= 2
    for row, cells in zip(data, sheet[1 : 1 + len(data)], strict=True):
        for name, expected, actual in zip(header, row, cells, strict=True):
            if kinds[name] in NUMERIC:
                assert number(actual) == number(expected), (report, name, row, cells)
