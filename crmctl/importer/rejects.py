"""The rejects file: each rejected row as it was, with its reason, sheet and row number.

The three ``crmctl:`` columns come first, the reason leading (what the admin reads first);
the original columns follow unchanged, so the admin can fix the rows and import the file
again (the importer ignores the extra three). An .xlsx is styled (bold frozen header, a
wide reason column, typed cells); ``excel`` makes the .csv Czech Excel's (``--excel``).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crmctl.errors import UsageError
from crmctl.render import EXCEL_BOM, csv_cell
from crmctl.workbook import records_xlsx

REASON = "crmctl: reason"
REJECT_COLUMNS = (REASON, "crmctl: sheet", "crmctl: row")
REASON_WIDTH = 50
# (sheet, row number, reason, [(header, original text), …])
Reject = tuple[str, int, str, Sequence[tuple[str, Any]]]


def write_rejects(path: Path, rejects: Sequence[Reject], *, excel: bool = False) -> None:
    headers = _headers(rejects)
    rows = [_row(reject, headers) for reject in rejects]
    try:
        if path.suffix.lower() == ".xlsx":
            _write_xlsx(path, [*REJECT_COLUMNS, *headers], rows)
        else:
            _write_csv(path, [*REJECT_COLUMNS, *headers], rows, excel)
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
    return [reason, sheet, number, *(values.get(header) for header in headers)]


def _write_csv(path: Path, header: list[str], rows: list[list[Any]], excel: bool) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        if excel:
            handle.write(EXCEL_BOM)
            writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        else:
            writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([csv_cell(value, excel=excel) for value in row])


def _write_xlsx(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    # A header can repeat across sheets' columns only once (``_headers``): dicts are safe.
    records = [dict(zip(header, row, strict=True)) for row in rows]
    wide = {REASON: REASON_WIDTH}
    path.write_bytes(records_xlsx(records, None, title="Rejects", columns=header, wide=wide))
