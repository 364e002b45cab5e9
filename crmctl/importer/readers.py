"""Reading an import file into tables: .xlsx/.xlsm, .csv/.txt and .vcf.

Each reader finds the header row and hands over a ``SourceTable`` whose rows are made
lazily, so a CSV of a million rows is read at constant memory. (calamine keeps one
sheet in memory; ``ReadOptions.low_memory`` streams a workbook through openpyxl.)

Every error is an ``ImportFileError`` whose message starts with the file's name and
says what to do about it.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path

from crmctl.errors import FileUnreadable, ImportFileError
from crmctl.importer.csv_reader import csv_tables, delimiter_option
from crmctl.importer.model import SourceTable
from crmctl.importer.source import MAX_COLUMNS, IsKnownHeader, ReadOptions
from crmctl.importer.vcard import VCARD_HEADERS, vcard_tables
from crmctl.importer.xlsx import workbook_tables

__all__ = [
    "MAX_COLUMNS",
    "SUPPORTED_SUFFIXES",
    "VCARD_HEADERS",
    "ReadOptions",
    "file_format",
    "open_tables",
]

SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".txt", ".vcf")

_FORMATS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".csv": "csv", ".txt": "csv", ".vcf": "vcf"}
# Spreadsheet formats crmctl does not read but that Excel or LibreOffice can re-save.
_RESAVE_AS_XLSX = (".xls", ".xlsb", ".ods", ".numbers")


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
        return workbook_tables(path, options, is_known_header)
    if fmt == "csv":
        return csv_tables(path, options, is_known_header)
    return vcard_tables(path, options)


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
        delimiter_option(path, options.delimiter)
