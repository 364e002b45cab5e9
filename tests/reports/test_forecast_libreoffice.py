"""Acceptance: the forecast .xlsx opens in LibreOffice and its numbers equal the CSV's.

LibreOffice converts the workbook to CSV with raw (not "as shown") values, recomputing
the totals formulas. Outside CI the test skips when LibreOffice is missing; under
``CI=true`` a missing LibreOffice fails it (``.ci/run`` installs it).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import Crm

# Comma-separated, "-quoted, UTF-8, from line 1; token 9 false: values, not as shown.
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false"


def libreoffice() -> str:
    found = shutil.which("libreoffice") or shutil.which("soffice")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but LibreOffice is not installed (.ci/run installs it)")
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    return found


def convert_to_csv(xlsx: Path, workdir: Path) -> list[list[str]]:
    profile = workdir / "lo-profile"
    command = [
        libreoffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless",
        "--convert-to", CSV_FILTER, "--outdir", str(workdir / "out"), str(xlsx),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    converted = workdir / "out" / (xlsx.stem + ".csv")
    assert done.returncode == 0 and converted.exists(), done.stderr + done.stdout
    return list(csv.reader(io.StringIO(converted.read_text(encoding="utf-8"))))


def number(text: str) -> Decimal:
    return Decimal(text) if text else Decimal(0)


@pytest.mark.parametrize("by", ["month", "month,owner"])
def test_xlsx_numbers_in_libreoffice_equal_the_csv_export(
    book: Crm, tmp_path: Path, by: str
) -> None:
    workbook = tmp_path / "forecast.xlsx"
    book("report", "forecast", "--by", by, "-o", "xlsx", "--output", str(workbook))
    exported = list(
        csv.reader(io.StringIO(book("report", "forecast", "--by", by, "-o", "csv").stdout))
    )
    header, data = exported[0], exported[1:]
    sheet = convert_to_csv(workbook, tmp_path)
    sheet_rows, sheet_totals = sheet[1 : 1 + len(data)], sheet[1 + len(data) :]
    assert len(sheet[0]) == len(header) and len(data) >= 4
    numeric = {"deals", "value", "weighted", "probability"}
    for row, cells in zip(data, sheet_rows, strict=True):
        for name, expected, actual in zip(header, row, cells, strict=True):
            if name in numeric:
                assert number(actual) == number(expected), (name, row, cells)
            else:
                assert actual == expected, (name, row, cells)
    # The totals row per currency: formulas that LibreOffice computed, equal to the CSV sums.
    assert [cells[header.index("currency")] for cells in sheet_totals] == ["CZK", "EUR"]
    for cells in sheet_totals:
        currency = cells[header.index("currency")]
        for name in ("deals", "value", "weighted"):
            column = header.index(name)
            expected = sum(
                number(r[column]) for r in data if r[header.index("currency")] == currency
            )
            assert number(cells[column]) == expected, (name, currency)
