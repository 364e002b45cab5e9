"""What every reader shares: its options and how a table's header row is found or given.

A reader turns a file into raw rows; ``build_table`` finds the header among the first rows
(or takes the one the user named) and hands over a ``SourceTable`` of the rows after it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice

from crmctl.errors import ImportFileError
from crmctl.importer.model import Cell, SourceRow, SourceTable
from crmctl.importer.values import cell_text, parse_date, parse_number

MAX_COLUMNS = 500
HEADER_SEARCH_ROWS = 30

IsKnownHeader = Callable[[str], bool]


@dataclass(frozen=True)
class ReadOptions:
    sheet: str | None = None  # None = first sheet; "all"; a sheet name; or a 1-based number
    header_row: int | None = None  # 1-based; None = detect
    encoding: str | None = None  # CSV only; None = detect
    delimiter: str | None = None  # CSV only; None = detect; "tab" / "\t" / ";" / ","
    low_memory: bool = False  # xlsx: openpyxl read-only (constant memory) instead of calamine


# --- header detection -----------------------------------------------------------------


def build_table(
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
    filled = [cell for cell in cells if not is_empty(cell)]
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


def is_empty(cell: Cell) -> bool:
    if cell is None:
        return True
    return isinstance(cell, str) and not cell.strip()


def is_blank(cells: Sequence[Cell]) -> bool:
    # Returns at the first filled cell, which in a data row is nearly always the first.
    for cell in cells:
        if cell is None or cell == "":
            continue
        if type(cell) is str and cell.isspace():
            continue
        return False
    return True
