"""Excel workbooks crmctl writes: lists (``-o xlsx``), the import's rejects, and the
byte-stable saving that reports share.

A list is one sheet with a bold, frozen header and typed cells, so Excel computes and
filters without the user converting anything: numbers as numbers, money as numbers with a
currency format, dates and times as Excel dates in local time (Excel has no time zones),
and text as text — IČO ``00006947``, PSČ ``110 00`` and ``+420 601 123 456`` keep their
zeros and spaces. Column widths follow the content. Equal records give equal bytes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.writer.excel import ExcelWriter

# Fixed workbook timestamps and zip entry times: the file does not change between runs.
FIXED_TIMESTAMP = datetime(2000, 1, 1)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
CURRENCY_SYMBOLS = {"CZK": "Kč", "EUR": "€", "USD": "$", "GBP": "£"}
DATE_FORMAT = "d. m. yyyy"
DATETIME_FORMAT = "d. m. yyyy h:mm"
DECIMAL_FORMAT = "#,##0.00"
TEXT_FORMAT = "@"  # typing into the cell later keeps it text too
MIN_WIDTH, MAX_WIDTH = 6, 60
HEADER_FONT = Font(bold=True)


def money_format(currency: str | None) -> str:
    symbol = CURRENCY_SYMBOLS.get(currency or "CZK", currency or "")
    return f'#,##0.00\\ "{symbol}"'


def records_xlsx(
    rows: Sequence[Mapping[str, Any]],
    tz: ZoneInfo | None,
    *,
    title: str = "crmctl",
    columns: Sequence[str] | None = None,
    wide: Mapping[str, int] | None = None,
) -> bytes:
    """One sheet of ``rows`` (plain records, as the list commands produce them).

    ``columns``: the header (default: the first record's keys). ``wide`` gives columns a
    minimum width (the rejects' reason). Lists and dicts are shown as the table shows
    them; a record's ``currency`` formats its money.
    """
    header = list(columns) if columns is not None else list(rows[0]) if rows else []
    cells = [[_typed(row.get(key), tz) for key in header] for row in rows]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    for position, width in enumerate(_widths(header, cells, wide or {}), start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width
    sheet.append([_header_cell(sheet, name) for name in header])
    for row, values in zip(rows, cells, strict=True):
        currency = row.get("currency")
        sheet.append([_cell(sheet, value, currency) for value in values])
    return normalise_zip(save_workbook(workbook, FIXED_TIMESTAMP))


def _typed(value: Any, tz: ZoneInfo | None) -> Any:
    """What Excel stores: numbers, dates, booleans, or text (the table's text for the rest)."""
    if value is None or isinstance(value, bool | int | float | Decimal | str):
        return value
    if isinstance(value, datetime):
        local = value.astimezone(tz) if tz and value.tzinfo else value
        return local.replace(tzinfo=None)
    if isinstance(value, date):
        return value
    from crmctl.render import cell  # noqa: PLC0415  (render imports this module on use)

    return cell(value, None, tz) or None  # an empty list is an empty cell


def _header_cell(sheet: WriteOnlyWorksheet, name: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=name)
    cell.data_type = "s"
    cell.font = HEADER_FONT
    return cell


def _cell(sheet: WriteOnlyWorksheet, value: Any, currency: Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # "=1+1" from a record is text, never a formula
        cell.number_format = TEXT_FORMAT
        if "\n" in value:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    elif isinstance(value, bool):
        pass
    elif isinstance(value, Decimal):
        cell.number_format = money_format(currency) if isinstance(currency, str) else DECIMAL_FORMAT
    elif isinstance(value, datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    return cell


def _widths(
    header: Sequence[str], cells: Sequence[Sequence[Any]], wide: Mapping[str, int]
) -> list[int]:
    widths = []
    for position, name in enumerate(header):
        longest = max((_shown_length(line[position]) for line in cells), default=0)
        width = max(MIN_WIDTH, len(name) + 2, longest + 2, wide.get(name, 0))
        widths.append(min(MAX_WIDTH, width))
    return widths


def _shown_length(value: Any) -> int:
    """Roughly the characters Excel shows: a date ``7. 12. 2026``, money with its symbol."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 11
    if isinstance(value, Decimal | float):
        return len(f"{value:,.2f}") + 3
    text = str(value)
    return max((len(line) for line in text.splitlines()), default=0)


# --- byte-stable saving (reports and lists) ---------------------------------------------


def save_workbook(workbook: Workbook, stamp: datetime) -> bytes:
    """Like ``Workbook.save`` but without stamping "modified" with the current time."""
    workbook.properties.creator = "crmctl"
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).write_data()
    return buffer.getvalue()


def normalise_zip(
    data: bytes, patches: Mapping[str, Callable[[bytes], bytes]] | None = None
) -> bytes:
    """Rewrite the archive with fixed entry times, so equal workbooks are equal bytes;
    ``patches`` rewrite named entries on the way (the totals' cached values)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    target_buffer = io.BytesIO()
    with zipfile.ZipFile(target_buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            content = source.read(info.filename)
            if patches and info.filename in patches:
                content = patches[info.filename](content)
            target.writestr(entry, content)
    return target_buffer.getvalue()
