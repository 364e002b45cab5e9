"""Tables for a screen: fitted to a width, numbers right-aligned, colour on a terminal.

``render.table`` comes here when the output has a width (``COLUMNS`` or a terminal),
colour or ``-o wide``; a pipe without ``COLUMNS`` keeps the plain layout of
``render.plain_table``. Fitting never cuts numbers, ids or dates: it first narrows the
widest text columns (long text ends in ``…``), then wraps headers wider than their values
onto up to three lines, and only as a last resort drops the rightmost (lowest-priority:
the registry lists columns by importance) columns; columns without a single value go
first.

Every width here is a display width: ANSI colour codes count for nothing, so a coloured
table fits exactly as its plain twin does.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any

ELLIPSIS = "…"
GAP = "  "  # between columns, as tabulate's ``simple`` format has it
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
CONTROLS = {code: " " for code in [*range(0x20), 0x7F]}

# SGR codes: the few a table needs.
RESET = "\x1b[0m"
BOLD = "\x1b[1m"
DIM = "\x1b[2m"
RED = "\x1b[31m"
GREEN = "\x1b[32m"

# How narrow a text column may get before headers of numbers are cut, and at the end.
COMFORTABLE_TEXT = 12
NARROWEST_TEXT = 8
NARROWEST_HEADER = 5
HEADER_LINES = 3
BREAKS = re.compile(r"[^ _]+[ _]*|[ _]+")
KEPT_COLUMNS = 2  # never dropped: the id and the record's name or title


@dataclass(frozen=True)
class Screen:
    """Where a table goes: ``width`` None is no limit; ``wide`` is ``-o wide``."""

    width: int | None = None
    color: bool = False
    wide: bool = False

    @property
    def fitted(self) -> bool:
        """Whether the screen layout applies (else the plain layout of a pipe)."""
        return self.width is not None or self.color or self.wide


PIPE = Screen()


class Kind(StrEnum):
    text = "text"  # may be cut
    number = "number"  # right-aligned, never cut
    fixed = "fixed"  # ids, dates, times, yes/no: never cut


def display_width(text: str) -> int:
    """Columns ``text`` takes on a terminal: escape codes none, East Asian wide two,
    combining marks and zero-width characters none."""
    if text.isascii() and "\x1b" not in text:
        return len(text)  # the usual cell: one column a character
    if "\x1b" in text:
        text = ANSI.sub("", text)
    return sum(map(_char_width, text))


@lru_cache(maxsize=4096)
def _char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Cf", "Mn", "Me"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` columns; a cut one ends in ``…``."""
    if display_width(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        size = _char_width(char)
        if used + size > width - 1:
            break
        kept.append(char)
        used += size
    return "".join(kept).rstrip() + ELLIPSIS


def column_kind(name: str, values: Sequence[Any]) -> Kind:
    """What a column holds, from its raw values (before they became text)."""
    present = [value for value in values if value is not None and value != ""]
    if name == "id" or name.endswith("_id"):
        return Kind.fixed
    if present and all(_is_number(value) for value in present):
        return Kind.number
    if present and all(isinstance(value, date | bool) for value in present):
        return Kind.fixed
    return Kind.text


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


class HeaderCut(StrEnum):
    none = "none"  # the header on one line
    wrap = "wrap"  # on up to three lines
    cut = "cut"  # wrapped and each line cut to NARROWEST_HEADER (only the kept columns)


@dataclass
class _Column:
    header: str
    cells: list[str]
    kind: Kind
    content: int = 0  # the widest cell
    natural: int = 0  # the widest cell or the header

    def __post_init__(self) -> None:
        self.content = max((display_width(text) for text in self.cells), default=0)
        self.natural = max(display_width(self.header), self.content)


def fitted_table(
    headers: Sequence[str],
    body: Sequence[Sequence[str]],
    kinds: Sequence[Kind],
    width: int | None,
    *,
    styles: Sequence[str] | None = None,
    emphasis: Sequence[bool] | None = None,
    color: bool = False,
) -> str:
    """Rows of cell texts as a table no line of which is wider than ``width``.

    ``styles`` is an SGR code per row (``""``: none), ``emphasis`` marks columns to show
    in bold (stage, status); both only with ``color``.
    """
    flat = [[_one_line(text) for text in line] for line in body]
    columns = [
        _Column(header, [line[index] for line in flat], kind)
        for index, (header, kind) in enumerate(zip(headers, kinds, strict=True))
    ]
    emphasis = list(emphasis or [False] * len(columns))
    kept = list(range(len(columns)))
    widths = [column.natural for column in columns]
    if width is not None:
        kept, widths = _fit(columns, width)
    shown = [columns[i] for i in kept]
    bold = [emphasis[i] for i in kept]
    row_styles = list(styles or [""] * len(flat)) if color else [""] * len(flat)
    lines = _header_lines(shown, widths, BOLD if color else "")
    lines.append(GAP.join("-" * w for w in widths))
    for row, style in enumerate(row_styles):
        texts = []
        for column, size, strong in zip(shown, widths, bold, strict=True):
            text = cut(column.cells[row], size)
            strong_style = BOLD if strong and color else ""
            texts.append(_styled(text, size, column.kind, style + strong_style))
        lines.append(GAP.join(texts).rstrip())
    return "\n".join(lines)


def _one_line(text: str) -> str:
    """A cell on one line, without control characters: a tab or an escape code stored in
    a record would otherwise move the cursor or recolour the terminal."""
    return " ".join(text.splitlines()).translate(CONTROLS)


def _header_lines(columns: Sequence[_Column], widths: Sequence[int], style: str) -> list[str]:
    """Headers wrapped to their column (at most ``HEADER_LINES`` lines), bottom-aligned
    so that each sits on its dashes."""
    wrapped = [wrap(c.header, w) for c, w in zip(columns, widths, strict=True)]
    height = max(len(lines) for lines in wrapped)
    wrapped = [[""] * (height - len(lines)) + lines for lines in wrapped]
    return [
        _line(
            [
                _pad(lines[row], w, c.kind)
                for c, w, lines in zip(columns, widths, wrapped, strict=True)
            ],
            style,
        )
        for row in range(height)
    ]


def wrap(header: str, width: int) -> list[str]:
    """A header in lines of at most ``width``, broken after a space or ``_``; what does
    not fit in ``HEADER_LINES`` lines is cut with ``…``."""
    lines: list[str] = []
    for word in BREAKS.findall(header):
        if lines and display_width(lines[-1] + word.rstrip()) <= width:
            lines[-1] += word
        else:
            lines.append(word)
    lines = [line.rstrip() for line in lines] or [""]
    if len(lines) > HEADER_LINES:
        lines = [*lines[: HEADER_LINES - 1], "".join(lines[HEADER_LINES - 1 :]) + ELLIPSIS * 2]
    return [cut(line, width) for line in lines]


def _header_floor(header: str) -> int:
    """The narrowest a header gets by wrapping alone: its longest unbreakable piece, or
    wider if it would need more than ``HEADER_LINES`` lines."""
    size = max((display_width(w.rstrip()) for w in BREAKS.findall(header)), default=0)
    while len(wrap(header, size)) >= HEADER_LINES and ELLIPSIS in wrap(header, size)[-1]:
        size += 1
    return size


def _line(cells: Sequence[str], style: str) -> str:
    text = GAP.join(cells).rstrip()
    return f"{style}{text}{RESET}" if style and text else text


def _pad(text: str, width: int, kind: Kind) -> str:
    room = " " * (width - display_width(text))
    return room + text if kind is Kind.number else text + room


def _styled(text: str, width: int, kind: Kind, style: str) -> str:
    """A padded cell with its colour around the text only (padding stays plain)."""
    if not style or not text:
        return _pad(text, width, kind)
    room = " " * (width - display_width(text))
    coloured = f"{style}{text}{RESET}"
    return room + coloured if kind is Kind.number else coloured + room


def _fit(columns: Sequence[_Column], width: int) -> tuple[list[int], list[int]]:
    """The columns kept (indexes) and their widths: empty ones go when the table is too
    wide, the rightmost others only when cutting text and wrapping headers is not enough."""
    kept = list(range(len(columns)))
    natural = sum(c.natural for c in columns) + len(GAP) * (len(columns) - 1)
    if natural > width:  # too wide: columns without a single value go first
        kept = [i for i in kept if columns[i].content or i < KEPT_COLUMNS] or kept
    while True:
        widths = _shrink([columns[i] for i in kept], width)
        if widths is not None or len(kept) <= min(KEPT_COLUMNS, len(columns)):
            if widths is None:  # even the kept columns at their narrowest are too wide
                widths = [_floor(columns[i], NARROWEST_TEXT, HeaderCut.cut) for i in kept]
            return kept, widths
        kept.pop()


def _shrink(columns: Sequence[_Column], width: int) -> list[int] | None:
    """Widths that fit ``width``, narrowing step by step, or None if nothing does."""
    budget = width - len(GAP) * (len(columns) - 1)
    widths = [column.natural for column in columns]
    phases = (
        (COMFORTABLE_TEXT, HeaderCut.none),
        (COMFORTABLE_TEXT, HeaderCut.wrap),
        (NARROWEST_TEXT, HeaderCut.wrap),
    )
    for text_floor, header_cut in phases:
        floors = [_floor(c, text_floor, header_cut) for c in columns]
        widths = _narrow(widths, floors, budget)
        if sum(widths) <= budget:
            return widths
    return None


def _floor(column: _Column, text_floor: int, header_cut: HeaderCut) -> int:
    """How narrow a column may get: its text down to ``text_floor``, a number, id or date
    never below its values; its header as ``header_cut`` allows."""
    header = display_width(column.header)
    if header_cut is HeaderCut.wrap:
        header = _header_floor(column.header)
    elif header_cut is HeaderCut.cut:
        header = min(_header_floor(column.header), NARROWEST_HEADER)
    content = column.content
    if column.kind is Kind.text:
        content = min(content, text_floor)
    return max(header, content)


def _narrow(widths: list[int], floors: Sequence[int], budget: int) -> list[int]:
    """Take one column at a time from the widest column that may still give some."""
    widths = list(widths)
    while sum(widths) > budget:
        candidates = [i for i, (w, f) in enumerate(zip(widths, floors, strict=True)) if w > f]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: (widths[i], i))
        widths[widest] -= 1
    return widths


# --- colour ------------------------------------------------------------------------------

DONE_STATUSES = frozenset({"lost", "done", "rejected", "closed", "cancelled", "expired"})
GOOD_STATUSES = frozenset({"won", "converted"})
EMPHASISED = frozenset({"stage", "status"})


def row_style(record: Mapping[str, Any], today: date) -> str:
    """Overdue red, won green, lost or closed dimmed; everything else as it is."""
    status = record.get("status")
    if record.get("overdue") is True or status == "overdue" or _past_close(record, today):
        return RED
    if status in GOOD_STATUSES:
        return GREEN
    if status in DONE_STATUSES or record.get("active") is False:
        return DIM
    return ""


def _past_close(record: Mapping[str, Any], today: date) -> bool:
    """An open deal whose expected close date has passed."""
    close = record.get("expected_close")
    if record.get("status") != "open" or not isinstance(close, date):
        return False
    if isinstance(close, datetime):
        close = close.date()
    return close < today


def visible(text: str) -> str:
    """``text`` without its colour codes (what a pipe would have shown)."""
    return ANSI.sub("", text)
