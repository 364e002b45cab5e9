"""CSV and TXT files: the delimiter, quoted fields spanning lines, rows of the wrong width."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections import Counter
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from crmctl.errors import ImportFileError
from crmctl.importer.encoding import decode_error, text_start
from crmctl.importer.model import Cell, SourceRow, SourceTable
from crmctl.importer.source import MAX_COLUMNS, IsKnownHeader, ReadOptions, build_table, is_blank

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


def delimiter_option(path: Path, value: str) -> str:
    delimiter = _DELIMITER_NAMES.get(value) or _DELIMITER_NAMES.get(value.strip().lower())
    if delimiter is None:
        raise ImportFileError(
            f"{path.name}: unsupported delimiter {value!r}; use ';', ',' or 'tab'"
        )
    return delimiter


# --- CSV --------------------------------------------------------------------------------


def csv_tables(
    path: Path, options: ReadOptions, is_known_header: IsKnownHeader
) -> Iterator[SourceTable]:
    start = text_start(path, options, "CSV")
    if options.delimiter is not None:
        delimiter = delimiter_option(path, options.delimiter)
    else:
        delimiter = _detect_delimiter(start.text(), start.complete)
    rows = _csv_rows(path, start.encoding, delimiter)
    table = build_table(path.name, "", rows, options.header_row, is_known_header)
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
        counts = Counter(len(r) for r in records[:_SAMPLE_RECORDS] if not is_blank(r))
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
        raise decode_error(path, encoding) from None
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
    return not is_blank(cells[width:])
