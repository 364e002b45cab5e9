"""Reading an import file into tables: .xlsx/.xlsm, .csv/.txt and .vcf.

Each reader finds the header row and hands over a ``SourceTable`` whose rows are made
lazily, so a CSV of a million rows is read at constant memory. (calamine keeps one
sheet in memory; ``ReadOptions.low_memory`` streams a workbook through openpyxl.)

Every error is an ``ImportFileError`` whose message starts with the file's name and
says what to do about it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from crmctl.errors import FileUnreadable, ImportFileError
from crmctl.importer.model import Cell, SourceRow, SourceTable
from crmctl.importer.values import cell_text, parse_date, parse_number
from crmctl.text import nfc

__all__ = [
    "MAX_COLUMNS",
    "SUPPORTED_SUFFIXES",
    "VCARD_HEADERS",
    "ReadOptions",
    "file_format",
    "open_tables",
]

SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".txt", ".vcf")
MAX_COLUMNS = 500
HEADER_SEARCH_ROWS = 30

# The vCard reader's columns are the importer's canonical field names, so the mapping
# recognises them without a saved mapping.
VCARD_HEADERS = (
    "name",
    "title_before",
    "first_name",
    "last_name",
    "title_after",
    "company",
    "function",
    "email",
    "phone",
    "street",
    "city",
    "psc",
    "country",
    "website",
    "note",
    "tags",
)

_FORMATS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".csv": "csv", ".txt": "csv", ".vcf": "vcf"}
# Spreadsheet formats crmctl does not read but that Excel or LibreOffice can re-save.
_RESAVE_AS_XLSX = (".xls", ".xlsb", ".ods", ".numbers")

_SAMPLE_BYTES = 1 << 20
_CHUNK_BYTES = 1 << 20
_SAMPLE_RECORDS = 50
# On ties the delimiter least likely to occur inside a value wins: TAB never does,
# ";" rarely, "," is the Czech decimal separator.
_DELIMITER_PREFERENCE = ("\t", ";", ",")
# A file with one column: what Czech Excel writes (and ";;" lines then count as blank).
_DEFAULT_DELIMITER = ";"
_DELIMITER_NAMES = {
    "tab": "\t",
    "\\t": "\t",
    "\t": "\t",
    ";": ";",
    "semicolon": ";",
    ",": ",",
    "comma": ",",
}

_CZECH_LETTERS = re.compile("[áčďéěíňóřšťúůýžÁČĎÉĚÍŇÓŘŠŤÚŮÝŽ]")
# ISO-8859-2 has C1 control characters where cp1250 has Š, Ž, š, ž (0x8A, 0x8E, 0x9A,
# 0x9E): a cp1250 file read as ISO-8859-2 is full of them, real text never.
_C1_CONTROLS = re.compile("[\x80-\x9f]")

_ZIP_MAGIC = b"PK"
# An encrypted .xlsx is an OLE compound file, as is the old binary .xls.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

IsKnownHeader = Callable[[str], bool]


@dataclass(frozen=True)
class ReadOptions:
    sheet: str | None = None  # None = first sheet; "all"; a sheet name; or a 1-based number
    header_row: int | None = None  # 1-based; None = detect
    encoding: str | None = None  # CSV only; None = detect
    delimiter: str | None = None  # CSV only; None = detect; "tab" / "\t" / ";" / ","
    low_memory: bool = False  # xlsx: openpyxl read-only (constant memory) instead of calamine


def file_format(path: Path) -> str:
    """``"xlsx"``, ``"csv"`` or ``"vcf"`` by the file's suffix."""
    suffix = path.suffix.lower()
    found = _FORMATS.get(suffix)
    if found:
        return found
    if suffix in _RESAVE_AS_XLSX:
        raise ImportFileError(
            f"{path.name}: crmctl cannot read {suffix} files; open it in Excel or LibreOffice "
            "and save it as .xlsx"
        )
    kind = f"{suffix} files" if suffix else "files without a suffix"
    raise ImportFileError(
        f"{path.name}: crmctl cannot read {kind}; it reads {', '.join(SUPPORTED_SUFFIXES)} "
        "— save the data as .xlsx or .csv"
    )


def open_tables(
    path: Path, options: ReadOptions, is_known_header: IsKnownHeader
) -> Iterator[SourceTable]:
    """The file's tables: one per sheet read (or one for a CSV / vCard file).

    The file's name, its existence and the options are checked at once; the file is
    read as the tables are iterated, and a table's rows as they are iterated.
    """
    fmt = file_format(path)
    if not path.is_file():
        # Nothing to read at all: the same exit code (2) as every command's missing file.
        what = "is a directory, not a file" if path.is_dir() else "does not exist"
        raise FileUnreadable(f"{path.name}: the file {what}; check the path")
    _check_options(path, fmt, options)
    if fmt == "xlsx":
        return _workbook_tables(path, options, is_known_header)
    if fmt == "csv":
        return _csv_tables(path, options, is_known_header)
    return _vcard_tables(path, options)


def _check_options(path: Path, fmt: str, options: ReadOptions) -> None:
    if options.header_row is not None and options.header_row < 1:
        raise ImportFileError(f"{path.name}: --header-row must be 1 or more")
    sheet = None if options.sheet is None else options.sheet.strip().lower()
    if fmt != "xlsx" and sheet not in (None, "all", "1"):
        raise ImportFileError(f"{path.name}: a {fmt.upper()} file has no sheets; leave out --sheet")
    if fmt == "vcf" and options.header_row is not None:
        raise ImportFileError(
            f"{path.name}: a vCard file has no header row; leave out --header-row"
        )
    if options.encoding is not None:
        try:
            codecs.lookup(options.encoding)
        except LookupError:
            raise ImportFileError(
                f"{path.name}: unknown encoding {options.encoding!r}; "
                "use e.g. utf-8, cp1250 or iso-8859-2"
            ) from None
    if fmt == "csv" and options.delimiter is not None:
        _delimiter_option(path, options.delimiter)


def _delimiter_option(path: Path, value: str) -> str:
    delimiter = _DELIMITER_NAMES.get(value) or _DELIMITER_NAMES.get(value.strip().lower())
    if delimiter is None:
        raise ImportFileError(
            f"{path.name}: unsupported delimiter {value!r}; use ';', ',' or 'tab'"
        )
    return delimiter


# --- header detection -----------------------------------------------------------------


def _table(
    where: str,
    sheet: str,
    rows: Iterator[SourceRow],
    header_row: int | None,
    is_known_header: IsKnownHeader,
) -> SourceTable | None:
    """The table below the header row, or ``None`` when there is no non-blank row."""
    first = next(rows, None)
    if first is None:
        return None
    rows = chain([first], rows)
    if header_row is not None:
        header = _given_header(where, rows, header_row)
        return SourceTable(sheet, header.number, _headers(header.cells), rows, len(header.cells))
    # One row more than the search window: the header must be followed by data.
    head = list(islice(rows, HEADER_SEARCH_ROWS + 1))
    index = _header_index(head, is_known_header)
    if index is None:
        raise ImportFileError(
            f"{where}: no header row found in the first {HEADER_SEARCH_ROWS} rows; "
            "pass --header-row N"
        )
    header = head[index]
    rest = chain(head[index + 1 :], rows)
    return SourceTable(sheet, header.number, _headers(header.cells), rest, len(header.cells))


def _given_header(where: str, rows: Iterator[SourceRow], number: int) -> SourceRow:
    last = 0
    for row in rows:
        if row.number == number:
            return row
        if row.number > number:
            break
        last = row.number
    else:
        raise ImportFileError(
            f"{where}: there is no row {number} (the last row with data is {last}); "
            "pass the number of the row with the column names to --header-row"
        )
    raise ImportFileError(
        f"{where}: row {number} is empty; pass the number of the row with the column names "
        "to --header-row"
    )


def _header_index(rows: Sequence[SourceRow], is_known_header: IsKnownHeader) -> int | None:
    candidates = rows[:HEADER_SEARCH_ROWS]
    best, best_known = None, 1
    for index, row in enumerate(candidates):
        known = sum(1 for text in _texts(row.cells) if is_known_header(text))
        if known > best_known:
            best, best_known = index, known
    if best is not None:
        return best
    for index, row in enumerate(candidates):
        if index + 1 < len(rows) and _looks_like_header(row.cells):
            return index
    return None


def _texts(cells: Sequence[Cell]) -> Iterator[str]:
    for cell in cells:
        if type(cell) is str:
            text = cell.strip()
            if text:
                yield text


def _looks_like_header(cells: Sequence[Cell]) -> bool:
    """At least two non-empty cells, each a text that is neither a number nor a date."""
    filled = [cell for cell in cells if not _is_empty(cell)]
    if len(filled) < 2:
        return False
    for cell in filled:
        if not isinstance(cell, str):
            return False
        text = cell.strip()
        if parse_number(text) is not None or parse_date(text) is not None:
            return False
    return True


def _headers(cells: Sequence[Cell]) -> list[str]:
    headers = [cell_text(cell) or "" for cell in cells]
    # Trailing unnamed columns are formatting leftovers, not columns to map.
    while headers and not headers[-1]:
        headers.pop()
    return headers


def _is_empty(cell: Cell) -> bool:
    if cell is None:
        return True
    return isinstance(cell, str) and not cell.strip()


def _is_blank(cells: Sequence[Cell]) -> bool:
    # Returns at the first filled cell, which in a data row is nearly always the first.
    for cell in cells:
        if cell is None or cell == "":
            continue
        if type(cell) is str and cell.isspace():
            continue
        return False
    return True


# --- workbooks --------------------------------------------------------------------------


@dataclass(frozen=True)
class _SheetInfo:
    name: str
    visible: bool


class _Workbook(Protocol):
    sheets: list[_SheetInfo]  # worksheets only, in workbook order (no chart sheets)

    def rows(self, sheet: str) -> Iterator[SourceRow]: ...


def _workbook_tables(
    path: Path, options: ReadOptions, is_known_header: IsKnownHeader
) -> Iterator[SourceTable]:
    book = _open_workbook(path, options.low_memory)
    every = options.sheet is not None and options.sheet.strip().lower() == "all"
    found = False
    for name in _chosen_sheets(path, book.sheets, options.sheet):
        where = f"{path.name}: sheet '{name}'"
        rows = _composed(book.rows(name))
        table = _table(where, name, rows, options.header_row, is_known_header)
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
    with _open_binary(path) as stream:
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
        from python_calamine import (
            CalamineError,
            CalamineWorkbook,
            SheetTypeEnum,
            SheetVisibleEnum,
        )

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
        if _is_blank(cells):
            continue
        yield SourceRow(sheet, number, tuple(pad + cells) if pad else tuple(cells))


class _OpenpyxlWorkbook:
    """The low-memory reader: openpyxl streams the sheet XML row by row."""

    def __init__(self, path: Path) -> None:
        from openpyxl import load_workbook

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
    from openpyxl.utils.exceptions import InvalidFileException

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
            if _is_blank(cells):
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
    while end and _is_empty(cells[end - 1]):
        end -= 1
    return cells[:end]


# --- text files: encoding ---------------------------------------------------------------


def _open_binary(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as error:
        raise ImportFileError(
            f"{path.name}: the file cannot be opened ({error.strerror or error}); check its "
            "permissions"
        ) from None


@dataclass(frozen=True)
class _TextStart:
    encoding: str
    head: bytes  # the first bytes of the file
    complete: bool  # head is the whole file

    def text(self) -> str:
        decoder = codecs.getincrementaldecoder(self.encoding)(errors="replace")
        return decoder.decode(self.head, final=self.complete)


def _text_start(path: Path, options: ReadOptions, kind: str) -> _TextStart:
    """The encoding to read a text file with; also refuses binary files (a NUL byte)."""
    with _open_binary(path) as stream:
        head = stream.read(_SAMPLE_BYTES)
        if not head.strip():
            raise ImportFileError(f"{path.name}: the file is empty")
        complete = len(head) < _SAMPLE_BYTES
        bom = _bom_encoding(head)
        encoding = _given_encoding(options.encoding, bom) or bom
        if encoding is not None and codecs.lookup(encoding).name.startswith("utf-16"):
            return _TextStart(encoding, head, complete)  # NUL bytes are part of UTF-16 text
        fits_utf8 = _scan(path, stream, head, check_utf8=encoding is None, kind=kind)
    if encoding is None and not fits_utf8:
        _refuse_mixed_encodings(path)
        encoding = _single_byte_encoding(head)
    return _TextStart(encoding or "utf-8", head, complete)


def _bom_encoding(head: bytes) -> str | None:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # what Excel's "Unicode text" (.txt) export writes
    return None


def _given_encoding(given: str | None, bom: str | None) -> str | None:
    # "--encoding utf-8" on a file with a BOM must not leave the BOM in the first header.
    if given is not None and bom == "utf-8-sig" and codecs.lookup(given).name == "utf-8":
        return bom
    return given


def _scan(path: Path, stream: BinaryIO, head: bytes, check_utf8: bool, kind: str) -> bool:
    """Read the whole file once, in chunks: refuse a NUL byte; does it all decode as UTF-8?

    A sample could decide UTF-8 wrongly when the first accented letter comes late, and a
    NUL byte would pass silently through the csv module; scanning costs little next to
    parsing.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    fits_utf8 = check_utf8
    chunk, offset = head, 0
    while chunk:
        nul = chunk.find(b"\0")
        if nul >= 0:
            line = _line_of_offset(path, offset + nul)
            raise ImportFileError(
                f"{path.name}: line {line} contains a NUL byte: this is not a text {kind}; "
                f"export it again as {kind}"
            )
        if fits_utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                fits_utf8 = False
        offset += len(chunk)
        chunk = stream.read(_CHUNK_BYTES)
    if fits_utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:  # the file ends inside a character
            fits_utf8 = False
    return fits_utf8


def _line_of_offset(path: Path, offset: int) -> int:
    newlines = 0
    with _open_binary(path) as stream:
        while offset > 0:
            chunk = stream.read(min(_CHUNK_BYTES, offset))
            if not chunk:
                break
            newlines += chunk.count(b"\n")
            offset -= len(chunk)
    return newlines + 1


def _refuse_mixed_encodings(path: Path) -> None:
    """A file that is not UTF-8 but has UTF-8 lines mixes encodings: read either way, some
    lines would be garbled (UTF-8 read as cp1250 decodes without error, as "KĹ™Ă­Ĺľ")."""
    utf8_line = bad_line = 0
    bad = b""
    with _open_binary(path) as stream:
        for number, raw in enumerate(stream, start=1):
            if raw.isascii():
                continue
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as error:
                if not bad_line:
                    bad_line, bad = number, error.object[error.start : error.end]
            else:
                utf8_line = utf8_line or number
            if utf8_line and bad_line:
                raise ImportFileError(
                    f"{path.name}: line {bad_line}: bytes {_hex(bad)} are not valid UTF-8, but "
                    f"line {utf8_line} is UTF-8 text: the file mixes encodings; save the file "
                    "as UTF-8 (or pass --encoding if the whole file is in one)"
                )


def _hex(data: bytes) -> str:
    return " ".join(f"0x{byte:02X}" for byte in data[:4])


def _single_byte_encoding(head: bytes) -> str:
    """cp1250 or ISO-8859-2, whichever makes the sample look more like Czech text."""

    def score(encoding: str) -> int:
        text = head.decode(encoding, errors="replace")
        noise = len(_C1_CONTROLS.findall(text)) + text.count("\ufffd")
        return len(_CZECH_LETTERS.findall(text)) - noise

    # On a tie cp1250 wins: it is what Czech Windows and Excel write.
    return "iso-8859-2" if score("iso-8859-2") > score("cp1250") else "cp1250"


def _decode_error(path: Path, encoding: str) -> ImportFileError:
    line, bad = _undecodable_line(path, encoding)
    where = f"line {line}: bytes {_hex(bad)} are" if line else "the file is"
    name = codecs.lookup(encoding).name
    other = "cp1250" if name.startswith("utf-8") else "utf-8"
    return ImportFileError(
        f"{path.name}: {where} not valid {encoding} text; save the file as UTF-8, or pass "
        f"the file's encoding, e.g. --encoding {other} (or iso-8859-2)"
    )


def _undecodable_line(path: Path, encoding: str) -> tuple[int, bytes]:
    decoder = codecs.getincrementaldecoder(encoding)()
    with _open_binary(path) as stream:
        for number, raw in enumerate(stream, start=1):
            try:
                decoder.decode(raw)
            except UnicodeDecodeError as error:
                return number, error.object[error.start : error.end]
    return 0, b""


# --- CSV --------------------------------------------------------------------------------


def _csv_tables(
    path: Path, options: ReadOptions, is_known_header: IsKnownHeader
) -> Iterator[SourceTable]:
    start = _text_start(path, options, "CSV")
    if options.delimiter is not None:
        delimiter = _delimiter_option(path, options.delimiter)
    else:
        delimiter = _detect_delimiter(start.text(), start.complete)
    rows = _csv_rows(path, start.encoding, delimiter)
    table = _table(path.name, "", rows, options.header_row, is_known_header)
    if table is None:
        raise ImportFileError(f"{path.name}: the file is empty")
    table.rows = _checked_field_counts(table.rows, table.width)
    yield table


def _detect_delimiter(text: str, complete: bool) -> str:
    """The delimiter that splits most of the first records into the same number of fields."""
    best, best_score = _DEFAULT_DELIMITER, 0
    for delimiter in _DELIMITER_PREFERENCE:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            records = list(islice(reader, _SAMPLE_RECORDS + 1))
        except csv.Error:
            continue
        if not complete and len(records) <= _SAMPLE_RECORDS:
            records = records[:-1]  # the sample may end inside the last record
        counts = Counter(len(r) for r in records[:_SAMPLE_RECORDS] if not _is_blank(r))
        score = max((n for fields, n in counts.items() if fields >= 2), default=0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


class _ComposedLines:
    """A text file's lines in NFC, noting when the csv module asked past the last one.

    It asks past the last line only from inside a quoted cell: a quote never closed,
    whose record swallowed the rest of the file.
    """

    def __init__(self, stream: Iterator[str]) -> None:
        self.ended = False
        self._lines = self._read(stream)

    def __iter__(self) -> Iterator[str]:
        return self._lines

    def _read(self, stream: Iterator[str]) -> Iterator[str]:
        for line in stream:
            yield line if line.isascii() else unicodedata.normalize("NFC", line)
        self.ended = True


def _csv_rows(path: Path, encoding: str, delimiter: str) -> Iterator[SourceRow]:
    # The hot loop of a CSV import: no per-cell Python work beyond the csv module.
    # Rows are numbered by record, as a spreadsheet shows them; messages about the
    # file's bytes name physical lines.
    record, line = 0, 1
    try:
        with path.open(encoding=encoding, newline="") as stream:
            lines = _ComposedLines(stream)
            reader = csv.reader(lines, delimiter=delimiter)
            for cells in reader:
                record += 1
                if lines.ended:
                    yield SourceRow("", record, tuple(cells), _unclosed_quote(line, reader))
                    return
                # Blank unless some cell has text; the first cell usually settles it.
                if cells and ((cells[0] and not cells[0].isspace()) or "".join(cells).strip()):
                    if len(cells) > MAX_COLUMNS:
                        raise ImportFileError(
                            f"{path.name}: line {line} has {len(cells)} fields; crmctl reads "
                            f"at most {MAX_COLUMNS} — check the delimiter (pass --delimiter) "
                            "or remove the extra columns"
                        )
                    yield SourceRow("", record, tuple(cells))
                line = reader.line_num + 1
    except UnicodeDecodeError:
        raise _decode_error(path, encoding) from None
    except csv.Error as error:
        raise ImportFileError(
            f"{path.name}: line {line}: {error}; check for a quote that is never closed"
        ) from None


def _unclosed_quote(line: int, reader: Any) -> str:
    return (
        f"a quote opened in this row (line {line}) is never closed, so lines {line}–"
        f"{reader.line_num} (the rest of the file) were read as one row; close the quote "
        "and import the rows from here again"
    )


def _checked_field_counts(rows: Iterator[SourceRow], width: int) -> Iterator[SourceRow]:
    """Rows whose field count differs from the header's, marked to be rejected.

    Such a row has a stray delimiter or quote, so its cells are under the wrong columns.
    Empty fields past the header's last are only trailing formatting and pass.
    """
    for row in rows:
        count = len(row.cells)
        if row.problem is None and count != width and _is_split_wrongly(row.cells, width):
            fields = "field" if count == 1 else "fields"
            problem = (
                f"the row has {count} {fields} but the header has {width}; check the row for "
                "a stray delimiter or quote (or pass --delimiter)"
            )
            row = SourceRow(row.sheet, row.number, row.cells, problem)
        yield row


def _is_split_wrongly(cells: tuple[Cell, ...], width: int) -> bool:
    if len(cells) < width:
        return True
    return not _is_blank(cells[width:])


# --- vCard ------------------------------------------------------------------------------


def _vcard_tables(path: Path, options: ReadOptions) -> Iterator[SourceTable]:
    rows = _vcard_rows(path, _text_start(path, options, "vCard").encoding)
    first = next(rows, None)
    if first is None:
        raise ImportFileError(
            f"{path.name}: no vCard found (no BEGIN:VCARD line); export the contacts again as .vcf"
        )
    # A vCard file has no header row: 0 says so.
    yield SourceTable("", 0, list(VCARD_HEADERS), chain([first], rows))


def _vcard_rows(path: Path, encoding: str) -> Iterator[SourceRow]:
    """One row per card, numbered by its BEGIN:VCARD line; each card parsed on its own."""
    begin = 0
    lines: list[str] = []
    try:
        with path.open(encoding=encoding) as stream:
            for number, line in enumerate(stream, start=1):
                key = line.strip().upper()
                if not begin:
                    if key == "BEGIN:VCARD":
                        begin, lines = number, [line]
                    elif key:
                        raise ImportFileError(
                            f"{path.name}: line {number} is outside a vCard (BEGIN:VCARD … "
                            "END:VCARD); export the contacts again as .vcf"
                        )
                    continue
                lines.append(line)
                if key == "END:VCARD":
                    yield SourceRow("", begin, _vcard_cells(path, begin, nfc("".join(lines))))
                    begin, lines = 0, []
    except UnicodeDecodeError:
        raise _decode_error(path, encoding) from None
    if begin:
        raise ImportFileError(
            f"{path.name}: the vCard at line {begin} has no END:VCARD; the file is cut short — "
            "export the contacts again"
        )


def _vcard_cells(path: Path, begin: int, text: str) -> tuple[Cell, ...]:
    import vobject
    from vobject.base import VObjectError

    try:
        # allowQP: vCard 2.1 folds quoted-printable values with a trailing "=".
        card = vobject.readOne(text, allowQP=True)
    except (VObjectError, ValueError, LookupError, TypeError, AttributeError) as error:
        # vobject counts lines within the card (its first line as 0 or 1).
        inner = getattr(error, "lineNumber", None)
        line = begin + max(int(inner) - 1, 0) if isinstance(inner, int) else begin
        detail = getattr(error, "msg", None) or str(error) or type(error).__name__
        raise ImportFileError(
            f"{path.name}: line {line}: the vCard cannot be read ({detail}); fix the line or "
            "export the contacts again"
        ) from None
    return _card_cells(card)


def _card_cells(card: Any) -> tuple[Cell, ...]:
    contents: dict[str, list[Any]] = card.contents
    name = contents.get("n")
    structured = name[0].value if name else None
    org = _first_value(contents, "org")
    address = _first_value(contents, "adr")
    cells: dict[str, Cell] = {
        "name": _text(_first_value(contents, "fn")),
        "title_before": _part(structured, "prefix"),
        "first_name": _joined([_part(structured, "given"), _part(structured, "additional")]),
        "last_name": _part(structured, "family"),
        "title_after": _part(structured, "suffix"),
        "company": _text(org[0] if isinstance(org, list) and org else org),
        "function": _text(_first_value(contents, "title")),
        "email": _texts_list(line.value for line in contents.get("email", [])),
        "phone": _texts_list(_phone(line.value) for line in contents.get("tel", [])),
        "street": _joined([_part(address, "street"), _part(address, "extended")], ", "),
        "city": _part(address, "city"),
        "psc": _part(address, "code"),
        "country": _part(address, "country"),
        "website": _text(_first_value(contents, "url")),
        "note": _joined([_text(line.value) for line in contents.get("note", [])], "\n"),
        "tags": _joined(_categories(contents), ", "),
    }
    return tuple(cells[header] for header in VCARD_HEADERS)


def _first_value(contents: dict[str, list[Any]], name: str) -> Any:
    lines = contents.get(name)
    return lines[0].value if lines else None


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        return _joined([_text(item) for item in value])
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _part(value: Any, attribute: str) -> str | None:
    return _text(getattr(value, attribute, None)) if value is not None else None


def _joined(parts: list[str | None], separator: str = " ") -> str | None:
    return separator.join(part for part in parts if part) or None


def _texts_list(values: Iterator[Any]) -> list[str] | None:
    texts = [text for text in (_text(value) for value in values) if text]
    return texts or None


def _phone(value: Any) -> Any:
    # vCard 4 writes phones as URIs: TEL;VALUE=uri:tel:+420-777-111-222
    if isinstance(value, str) and value[:4].lower() == "tel:":
        return value[4:]
    return value


def _categories(contents: dict[str, list[Any]]) -> list[str | None]:
    tags: list[str | None] = []
    for line in contents.get("categories", []):
        values = line.value if isinstance(line.value, list) else [line.value]
        tags.extend(_text(value) for value in values)
    return tags
