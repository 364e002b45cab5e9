"""The rejects file: each rejected row as it was, with its sheet, row number and reason.

The three ``crmctl:`` columns come first; the original columns follow unchanged, so the
admin can fix the rows and import the file again (the importer ignores the extra three).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from crmctl.errors import UsageError
from crmctl.render import csv_cell

REJECT_COLUMNS = ("crmctl: sheet", "crmctl: row", "crmctl: reason")
# (sheet, row number, reason, [(header, original text), …])
Reject = tuple[str, int, str, Sequence[tuple[str, Any]]]


def write_rejects(path: Path, rejects: Sequence[Reject]) -> None:
    headers = _headers(rejects)
    rows = [_row(reject, headers) for reject in rejects]
    try:
        if path.suffix.lower() == ".xlsx":
            _write_xlsx(path, [*REJECT_COLUMNS, *headers], rows)
        else:
            _write_csv(path, [*REJECT_COLUMNS, *headers], rows)
    except OSError as error:
        raise UsageError(f"cannot write the rejects file {path}: {error.strerror}") from None


def _headers(rejects: Sequence[Reject]) -> list[str]:
    """The original column names of every rejected row, in first-seen order."""
    seen: dict[str, None] = {}
    for _, _, _, cells in rejects:
        for header, _value in cells:
            seen.setdefault(header, None)
    return list(seen)


def _row(reject: Reject, headers: list[str]) -> list[Any]:
    sheet, number, reason, cells = reject
    values = dict(cells)
    return [sheet, number, reason, *(values.get(header) for header in headers)]


def _write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([csv_cell(value) for value in row])


def _write_xlsx(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Rejects")
    sheet.append(header)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                # Text stays text: a source cell like "=1+1" must not become a formula.
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    workbook.save(path)
