"""The timeline story's layout: day headers, wrapping at spaces, the compact line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from crmctl.timeline_layout import compact_lines, cut, day_header, story_lines, wrap

TZ = ZoneInfo("Europe/Prague")


@dataclass(frozen=True)
class Entry:
    at: datetime
    who: str
    text: str


def test_day_headers() -> None:
    assert day_header(date(2026, 12, 7), "cs") == "pondělí 7. prosince 2026"
    assert day_header(date(2026, 3, 1), "cs") == "neděle 1. března 2026"
    assert day_header(date(2026, 12, 7), "en") == "Monday 7 December 2026"


words = st.lists(
    st.text(alphabet="abcčdeěfžš,.:–→0123456789\u00a0", min_size=1, max_size=12),
    min_size=0,
    max_size=40,
)


@given(words, st.integers(min_value=12, max_value=120))
def test_wrap_breaks_only_at_spaces(parts: list[str], width: int) -> None:
    text = " ".join(parts)
    lines = wrap(text, width)
    assert all(len(line) <= width for line in lines)
    # Every word whole, in order: the lines joined give the text back.
    assert " ".join(lines).split(" ") == [p for p in text.split(" ") if p] or lines == [""]


def test_wrap_keeps_non_breaking_spaces_and_breaks_only_an_overlong_word() -> None:
    assert wrap("Hodnota 35\u00a0640,00\u00a0Kč", 12) == ["Hodnota", "35\u00a0640,00\u00a0Kč"]
    assert wrap("a " + "x" * 25, 10) == ["a", "x" * 10, "x" * 10, "x" * 5]
    assert wrap("nic se nezalomí", None) == ["nic se nezalomí"]


def entries() -> list[Entry]:
    return [
        Entry(datetime(2026, 12, 7, 14, 5, tzinfo=TZ), "Petr Král", "Fáze: Nabídka → Jednání"),
        Entry(
            datetime(2026, 12, 7, 9, 30, tzinfo=TZ),
            "pravidlo idle-deal",
            "Pravidlo idle-deal upozornilo: Petr Král, Jana Novotná",
        ),
        Entry(datetime(2026, 12, 4, 8, 0, tzinfo=TZ), "Jana Novotná", "Poznámka: Chtějí slevu"),
    ]


def test_story_lines_group_by_day_and_hang_the_text() -> None:
    assert story_lines(entries(), 60, "cs") == [
        "pondělí 7. prosince 2026",
        "  14:05  Petr Král           Fáze: Nabídka → Jednání",
        "  09:30  pravidlo idle-deal  Pravidlo idle-deal upozornilo:",
        "                             Petr Král, Jana Novotná",
        "",
        "pátek 4. prosince 2026",
        "  08:00  Jana Novotná        Poznámka: Chtějí slevu",
    ]


def test_story_lines_without_a_width_do_not_wrap() -> None:
    lines = story_lines(entries(), None, "en")
    assert lines[2] == (
        "  09:30  pravidlo idle-deal  Pravidlo idle-deal upozornilo: Petr Král, Jana Novotná"
    )
    assert lines[4] == "Friday 4 December 2026"


def test_a_narrow_terminal_puts_the_text_under_the_who() -> None:
    lines = story_lines(entries(), 30, "cs")
    assert lines[1:4] == [
        "  14:05  Petr Král",
        "    Fáze: Nabídka → Jednání",
        "  09:30  pravidlo idle-deal",
    ]
    assert all(len(line) <= 30 for line in lines)


def test_compact_and_cut() -> None:
    assert compact_lines(entries(), None) == [
        "2026-12-07 14:05  Petr Král           Fáze: Nabídka → Jednání",
        "2026-12-07 09:30  pravidlo idle-deal  Pravidlo idle-deal upozornilo: Petr Král, "
        "Jana Novotná",
        "2026-12-04 08:00  Jana Novotná        Poznámka: Chtějí slevu",
    ]
    assert compact_lines(entries(), 50) == [
        "2026-12-07 14:05  Petr Král   Fáze: Nabídka →…",
        "2026-12-07 09:30  pravidlo…   Pravidlo idle-deal…",
        "2026-12-04 08:00  Jana Novo…  Poznámka: Chtějí…",
    ]
    assert cut("krátký řádek", 40) == "krátký řádek"
    assert cut("x" * 50, 10) == "x" * 9 + "…"
