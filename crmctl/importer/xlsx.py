"""Excel workbooks (.xlsx/.xlsm): calamine by default, openpyxl streaming for low memory.

Also refuses what only looks like a workbook (an encrypted file, an old .xls, a damaged
zip) with a message saying how to re-save it.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from crmctl.errors import ImportFileError
from crmctl.importer.encoding import open_binary
from crmctl.importer.model import Cell, SourceRow, SourceTable
from crmctl.importer.source import (
    MAX_COLUMNS,
    IsKnownHeader,
    ReadOptions,
    build_table,
    is_blank,
    is_empty,
)
from crmctl.text import nfc

_ZIP_MAGIC = b"PK"
# An encrypted .xlsx is an OLE compound file, as is the old binary .xls.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


# --- workbooks --------------------------------------------------------------------------


@dataclass(frozen=True)
class _SheetInfo:
    name: str
    visible: bool


class _Workbook(Protocol):
    sheets: list[_SheetInfo]  # worksheets only, in workbook order (no chart sheets)

    def rows(self, sheet: str) -> Iterator[SourceRow]: ...


def workbook_tables(
    path: Path, options: ReadOptions, is_known_header: IsKnownHeader
) -> Iterator[SourceTable]:
    book = _open_workbook(path, options.low_memory)
    every = options.sheet is not None and options.sheet.strip().lower() == "all"
    found = False
    for name in _chosen_sheets(path, book.sheets, options.sheet):
        where = f"{path.name}: sheet '{name}'"
        rows = _composed(book.rows(name))
        table = build_table(where, name, rows, options.header_row, is_known_header)
        if table is None:
            if every:
                continue
            raise ImportFileError(
                f"{where} is empty; choose the sheet with the data with --sheet "
                f"(sheets: {_sheet_list(book.sheets)})"
            )
        found = True
        yield table
    if not found:
        raise ImportFileError(f"{path.name}: every sheet of the workbook is empty")


def _composed(rows: Iterator[SourceRow]) -> Iterator[SourceRow]:
    """Texts in NFC: a name typed on a Mac arrives decomposed and would match nothing."""
    for row in rows:
        if any(type(cell) is str and not cell.isascii() for cell in row.cells):
            cells = tuple(nfc(cell) if type(cell) is str else cell for cell in row.cells)
            row = SourceRow(row.sheet, row.number, cells)
        yield row


def _open_workbook(path: Path, low_memory: bool) -> _Workbook:
    _check_workbook_bytes(path)
    # The workbook is not closed explicitly: a table's rows are read after this
    # generator has moved on, and the file closes when the last row iterator lets go.
    return _OpenpyxlWorkbook(path) if low_memory else _CalamineWorkbook(path)


def _check_workbook_bytes(path: Path) -> None:
    """Give the common wrong files a clear message before a library gives a cryptic one."""
    with open_binary(path) as stream:
        magic = stream.read(len(_OLE_MAGIC))
    if not magic:
        raise ImportFileError(f"{path.name}: the file is empty")
    if magic == _OLE_MAGIC:
        raise ImportFileError(
            f"{path.name}: the workbook is password-protected (or an old .xls file named "
            ".xlsx); open it in Excel, remove the password (File → Info → Protect Workbook) "
            "and save it as .xlsx"
        )
    if not magic.startswith(_ZIP_MAGIC):
        raise ImportFileError(
            f"{path.name}: this is not an Excel workbook (an .xlsx file is a zip archive); "
            "open it in Excel and save it as .xlsx, or export the data as CSV"
        )


def _damaged(path: Path, error: BaseException) -> ImportFileError:
    # str() of a KeyError is the repr of its key; its argument reads better.
    raw = error.args[0] if isinstance(error, KeyError) and error.args else error
    detail = str(raw).strip() or type(error).__name__
    return ImportFileError(
        f"{path.name}: the workbook cannot be read ({detail}); it may be damaged or "
        "incomplete — open it in Excel, save it again and retry, or export the data as CSV"
    )


def _chosen_sheets(path: Path, sheets: list[_SheetInfo], choice: str | None) -> list[str]:
    if not sheets:
        raise ImportFileError(f"{path.name}: the workbook has no worksheets")
    wanted = (choice or "").strip()
    if not wanted:
        # The first sheet the user sees: hidden sheets usually hold lookup lists.
        visible = [sheet for sheet in sheets if sheet.visible] or sheets
        return [visible[0].name]
    if wanted.lower() == "all":
        return [sheet.name for sheet in sheets if sheet.visible]
    names = [sheet.name for sheet in sheets]
    if choice is not None and choice in names:
        return [choice]
    folded = [name for name in names if name.strip().casefold() == wanted.casefold()]
    if len(folded) == 1:
        return folded
    if wanted.isdigit() and 1 <= int(wanted) <= len(names):
        return [names[int(wanted) - 1]]
    raise ImportFileError(
        f"{path.name}: there is no sheet {choice!r}; the sheets are {_sheet_list(sheets)} — "
        f"pass --sheet with one of these names, a number from 1 to {len(names)}, or 'all'"
    )


def _sheet_list(sheets: list[_SheetInfo]) -> str:
    return ", ".join(f"'{sheet.name}'" for sheet in sheets)


def _column_letter(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _too_wide(path: Path, sheet: str, columns: int) -> ImportFileError:
    return ImportFileError(
        f"{path.name}: sheet '{sheet}' is {columns} columns wide (to column "
        f"{_column_letter(columns)}); crmctl reads at most {MAX_COLUMNS} — delete the stray "
        f"cells to the right of column {_column_letter(MAX_COLUMNS)} or export the sheet as CSV"
    )


class _CalamineWorkbook:
    """The default reader: fast, but it holds the whole sheet in memory."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._errors = (CalamineError, OSError, ValueError)
        try:
            self._book = CalamineWorkbook.from_path(str(path))
            metadata = self._book.sheets_metadata
        except self._errors as error:
            raise _damaged(path, error) from None
        self.sheets = [
            _SheetInfo(sheet.name, sheet.visible == SheetVisibleEnum.Visible)
            for sheet in metadata
            if sheet.typ == SheetTypeEnum.WorkSheet
        ]

    def rows(self, sheet: str) -> Iterator[SourceRow]:
        try:
            data = self._book.get_sheet_by_name(sheet)
        except self._errors as error:
            raise _damaged(self._path, error) from None
        start, end = data.start, data.end
        if start is None or end is None:
            return iter(())
        if end[1] + 1 > MAX_COLUMNS:
            raise _too_wide(self._path, sheet, end[1] + 1)
        return _calamine_rows(sheet, data, start[1])


def _calamine_rows(sheet: str, data: Any, first_column: int) -> Iterator[SourceRow]:
    # iter_rows yields the empty rows above the used range too, so counting from 1
    # gives the sheet's row numbers; it starts at the range's first column, so rows
    # are padded back to column A (cell positions then match the column letters).
    pad = [""] * first_column
    for number, cells in enumerate(data.iter_rows(), start=1):
        if is_blank(cells):
            continue
        yield SourceRow(sheet, number, tuple(pad + cells) if pad else tuple(cells))


class _OpenpyxlWorkbook:
    """The low-memory reader: openpyxl streams the sheet XML row by row."""

    def __init__(self, path: Path) -> None:
        self._path = path
        try:
            self._book = load_workbook(path, read_only=True, data_only=True)
            worksheets = self._book.worksheets
        except _openpyxl_errors() as error:
            raise _damaged(path, error) from None
        self.sheets = [_SheetInfo(ws.title, ws.sheet_state == "visible") for ws in worksheets]

    def rows(self, sheet: str) -> Iterator[SourceRow]:
        worksheet = self._book[sheet]
        # The <dimension> a file declares can be wrong (some writers put "A1"), and
        # openpyxl would then stop after that many rows: read what is really there.
        worksheet.reset_dimensions()
        return _openpyxl_rows(self._path, sheet, worksheet)


def _openpyxl_errors() -> tuple[type[BaseException], ...]:

    # XML parse errors (ElementTree's and lxml's) are SyntaxError subclasses; openpyxl's
    # descriptors raise TypeError for a part (e.g. the stylesheet) with unexpected content.
    return (
        InvalidFileException,
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        LookupError,
        ValueError,
        TypeError,
        SyntaxError,
    )


def _openpyxl_rows(path: Path, sheet: str, worksheet: Any) -> Iterator[SourceRow]:
    number = 0
    try:
        for number, cells in enumerate(worksheet.iter_rows(values_only=True), start=1):
            if len(cells) > MAX_COLUMNS:
                cells = _without_trailing_empty(cells)
                if len(cells) > MAX_COLUMNS:
                    raise _too_wide(path, sheet, len(cells))
            if is_blank(cells):
                continue
            yield SourceRow(sheet, number, cells)
    except _openpyxl_errors() as error:
        raise ImportFileError(
            f"{path.name}: sheet '{sheet}' cannot be read after row {number} ({error}); the "
            "file may be damaged — open it in Excel, save it again and retry"
        ) from None


def _without_trailing_empty(cells: tuple[Cell, ...]) -> tuple[Cell, ...]:
    # openpyxl keeps formatted empty cells; calamine drops them from the used range.
    end = len(cells)
    while end and is_empty(cells[end - 1]):
        end -= 1
    return cells[:end]
