"""The timeline story laid out for a terminal: day headers, entries, wrapping to its width.

::

    pondělí 7. prosince 2026
      10:00  Petr Král  Fáze: Nabídka → Jednání — obchod CNC obrábění
      09:12  Eva Malá   Hovor: Domluvena schůzka na příští týden, pošleme
                        upravenou nabídku (Dovoláno, 15 min)

Entries arrive newest first; a header opens each local day. With a width every line fits
it: text wraps at spaces with a hanging indent under the text column, never inside a
word (only a word longer than the whole column has to be broken). Without a width (a
pipe) nothing wraps. ``--compact`` gives one line per event, cut with ``…``.
Only plain spaces break lines: ``35 640,00 Kč`` keeps its non-breaking spaces together.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

DAYS_CS = ("pondělí", "úterý", "středa", "čtvrtek", "pátek", "sobota", "neděle")
MONTHS_CS = (
    "ledna", "února", "března", "dubna", "května", "června", "července", "srpna", "září",
    "října", "listopadu", "prosince",
)  # fmt: skip
DAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS_EN = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip

INDENT = "  "
GAP = "  "
NARROW = 24  # below this many columns for the text, the who goes on a line of its own
WHO_SHARE = 3  # the who column takes at most a third of the width
COMPACT_WHO = 20  # --compact: who gets at most this many columns
WORD_BACKOFF = 12  # a cut line ends at a word boundary within this many columns


class Entry(Protocol):
    @property
    def at(self) -> datetime: ...  # local
    @property
    def who(self) -> str: ...
    @property
    def text(self) -> str: ...


def day_header(day: date, lang: str) -> str:
    """``pondělí 7. prosince 2026`` or ``Monday 7 December 2026``."""
    if lang == "en":
        return f"{DAYS_EN[day.weekday()]} {day.day} {MONTHS_EN[day.month - 1]} {day.year}"
    return f"{DAYS_CS[day.weekday()]} {day.day}. {MONTHS_CS[day.month - 1]} {day.year}"


def story_lines(entries: Sequence[Entry], width: int | None, lang: str) -> list[str]:
    """Day headers and entries; every line at most ``width`` characters (None: no limit)."""
    who_width = _who_width(entries, width)
    lines: list[str] = []
    day: date | None = None
    for entry in entries:
        if entry.at.date() != day:
            day = entry.at.date()
            if lines:
                lines.append("")
            lines += wrap(day_header(day, lang), width)
        lines += _entry_lines(entry, who_width, width)
    return lines


def _who_width(entries: Sequence[Entry], width: int | None) -> int:
    longest = max((len(entry.who) for entry in entries), default=0)
    if width is None:
        return longest
    return min(longest, max(8, width // WHO_SHARE))


def _entry_lines(entry: Entry, who_width: int, width: int | None) -> list[str]:
    head = f"{INDENT}{entry.at:%H:%M}{GAP}"
    text_column = len(head) + who_width + len(GAP)
    if width is not None and width - text_column < NARROW:
        # Too narrow for three columns: time and who, then the text indented below.
        below = INDENT * 2
        who = wrap(entry.who, max(1, width - len(head)))
        return [
            head + who[0],
            *(" " * len(head) + line for line in who[1:]),
            *(below + line for line in wrap(entry.text, max(1, width - len(below)))),
        ]
    who = wrap(entry.who, who_width) if width is not None else [entry.who]
    text = wrap(entry.text, None if width is None else width - text_column)
    lines = []
    for index in range(max(len(who), len(text))):
        left = head if index == 0 else " " * len(head)
        name = who[index] if index < len(who) else ""
        body = text[index] if index < len(text) else ""
        lines.append(f"{left}{name.ljust(who_width)}{GAP}{body}".rstrip())
    return lines


def wrap(text: str, width: int | None) -> list[str]:
    """Lines of at most ``width`` characters, broken at spaces. A word longer than a
    line is the one thing broken."""
    words = [word for word in text.split(" ") if word]
    if width is None or width <= 0:
        return [" ".join(words)]
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while len(word) > width:  # longer than a whole line: no boundary to break at
            lines.append(word[:width])
            word = word[width:]
        current = word
    lines.append(current)
    return lines


def compact_lines(entries: Sequence[Entry], width: int | None) -> list[str]:
    """``2026-12-07 10:00  Petr Král  Fáze: Nabídka → Jednání``, one line per event."""
    longest = max((len(entry.who) for entry in entries), default=0)
    who_width = min(longest, COMPACT_WHO if width is None else max(6, min(COMPACT_WHO, width // 5)))
    lines = []
    for entry in entries:
        who = entry.who if width is None else cut(entry.who, who_width)
        line = f"{entry.at:%Y-%m-%d %H:%M}{GAP}{who.ljust(who_width)}{GAP}{entry.text}"
        lines.append(cut(line.rstrip(), width))
    return lines


def cut(line: str, width: int | None) -> str:
    """The line, or as much as fits ending in ``…`` (at a space when there is one near)."""
    if width is None or len(line) <= width:
        return line
    if width <= 1:
        return "…"[:width]
    kept = line[: width - 1]
    space = kept.rfind(" ")
    if space >= width - min(WORD_BACKOFF, width // 4):  # end at a word ending close by
        kept = kept[:space]
    return kept.rstrip() + "…"
