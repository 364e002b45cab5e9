"""crmctl.screen: tables fitted to a width (issue 20 item 2), colour codes that take no room."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from crmctl.render import OutputFormat, write_records
from crmctl.screen import (
    GREEN,
    RED,
    Kind,
    Screen,
    column_kind,
    cut,
    display_width,
    fitted_table,
    row_style,
    visible,
    wrap,
)

TEXT = st.text(alphabet="ab cděščřžýáí→漢-_", max_size=40)


def test_display_width_ignores_colour_and_counts_wide_characters_twice() -> None:
    assert display_width("\x1b[1m\x1b[31mčervená\x1b[0m") == 7
    assert display_width("漢字") == 4
    assert display_width("e\u0301") == 1


def test_cut_ends_in_an_ellipsis_within_the_width() -> None:
    assert cut("Strojírny Dvořák s.r.o.", 10) == "Strojírny…"
    assert cut("Praha a okolí", 8) == "Praha a…"  # no space left before the …
    assert cut("krátké", 6) == "krátké"
    assert display_width(cut("漢字漢字", 5)) <= 5


def test_column_kinds_come_from_the_raw_values() -> None:
    assert column_kind("value", [Decimal("1.50"), None, 3]) is Kind.number
    assert column_kind("id", [1, 2]) is Kind.fixed
    assert column_kind("company_id", [None]) is Kind.fixed
    assert column_kind("due_at", [date(2026, 3, 1), datetime(2026, 3, 1, 9)]) is Kind.fixed
    assert column_kind("active", [True, False]) is Kind.fixed
    assert column_kind("name", ["Alfa", 3]) is Kind.text


def test_headers_wrap_at_spaces_and_underscores() -> None:
    assert wrap("Průměrně dní ve fázi", 9) == ["Průměrně", "dní ve", "fázi"]
    assert wrap("expected_close", 10) == ["expected_", "close"]


@settings(max_examples=150, deadline=None)
@given(
    width=st.integers(min_value=30, max_value=160),
    texts=st.lists(st.lists(TEXT, min_size=4, max_size=4), min_size=1, max_size=8),
    numbers=st.lists(st.integers(min_value=0, max_value=10**9), min_size=8, max_size=8),
)
def test_every_line_fits_and_numbers_ids_and_dates_are_never_cut(
    width: int, texts: list[list[str]], numbers: list[int]
) -> None:
    headers = ["id", "name", "note", "due_at", "value", "city", "tags"]
    kinds = [Kind.fixed, Kind.text, Kind.text, Kind.fixed, Kind.number, Kind.text, Kind.text]
    body = [
        [str(n), *line[:2], "2026-03-10 09:00", f"{numbers[n]:,}".replace(",", " "), *line[2:]]
        for n, line in enumerate(texts)
    ]
    table = fitted_table(headers, body, kinds, width).split("\n")
    assert all(display_width(line) <= width for line in table)
    dashes = next(i for i, line in enumerate(table) if line.startswith("-"))
    for line, row in zip(table[dashes + 1 :], body, strict=True):
        cells = line.split("  ")
        assert row[0] in cells[0]
        assert "2026-03-10 09:00" in line or "due_at" not in " ".join(table[:dashes])
        if "value" in " ".join(table[:dashes]):
            assert row[4] in line  # whole, never cut


def test_numbers_are_right_aligned_and_text_left() -> None:
    table = fitted_table(
        ["name", "value"], [["Alfa", "5"], ["Beta", "1 250"]], [Kind.text, Kind.number], 80
    ).split("\n")
    assert table == ["name  value", "----  -----", "Alfa      5", "Beta  1 250"]


def test_the_rightmost_columns_go_last_and_empty_ones_first() -> None:
    headers = ["id", "name", "empty", "city", "note"]
    body = [["1", "Alfa s.r.o.", "", "Praha", "x" * 30]] * 2
    kinds = [Kind.fixed, Kind.text, Kind.text, Kind.text, Kind.text]
    wide = fitted_table(headers, body, kinds, 200).split("\n")
    assert wide[0].split() == headers
    narrow = fitted_table(headers, body, kinds, 40).split("\n")
    assert narrow[0].split() == ["id", "name", "city", "note"]  # the empty one went
    tiny = fitted_table(headers, body, kinds, 24).split("\n")
    assert tiny[0].split() == ["id", "name", "city"] and all(len(x) <= 24 for x in tiny)


def test_colour_wraps_cells_and_takes_no_room() -> None:
    body = [["1", "won"], ["2", "open"]]
    kinds = [Kind.fixed, Kind.text]
    plain = fitted_table(["id", "status"], body, kinds, 20)
    coloured = fitted_table(
        ["id", "status"], body, kinds, 20, styles=[GREEN, ""], emphasis=[False, True], color=True
    )
    assert visible(coloured) == plain
    assert f"{GREEN}1\x1b[0m" in coloured and "\x1b[1mopen\x1b[0m" in coloured
    assert "\x1b" not in fitted_table(["id", "status"], body, kinds, 20, styles=[GREEN, ""])


def test_row_styles() -> None:
    today = date(2026, 3, 10)
    assert row_style({"status": "overdue"}, today) == RED
    assert row_style({"status": "open", "overdue": True}, today) == RED
    assert row_style({"status": "open", "expected_close": date(2026, 3, 9)}, today) == RED
    assert row_style({"status": "open", "expected_close": date(2026, 3, 10)}, today) == ""
    assert row_style({"status": "won"}, today) == GREEN
    assert row_style({"status": "lost"}, today) == "\x1b[2m"
    assert row_style({"status": "done"}, today) == "\x1b[2m"


def test_write_records_pipe_wide_and_screen() -> None:
    records = [{"id": 1, "name": "Alfa " * 10, "value": Decimal("5.00"), "extra": "x"}]

    def shown(output: OutputFormat, screen: Screen | None) -> str:
        stream = io.StringIO()
        write_records(stream, records, output, table_fields=("id", "name", "value"), screen=screen)
        return stream.getvalue()

    piped = shown(OutputFormat.table, None)
    assert "…" not in piped and "extra" not in piped
    assert piped.split("\n")[2].index("5.00") == piped.index("value")  # left, as before
    fitted = shown(OutputFormat.table, Screen(width=30))
    assert all(display_width(line) <= 30 for line in fitted.split("\n"))
    wide = shown(OutputFormat.wide, Screen(width=30))
    assert wide.split("\n")[0].split() == ["id", "name", "value", "extra"] and "…" not in wide


def test_control_characters_in_data_never_reach_the_terminal() -> None:
    body = [["1", "Alfa\x1b[2J\tb\nc"]]
    table = fitted_table(["id", "name"], body, [Kind.fixed, Kind.text], 40, color=True)
    assert "\x1b[2J" not in table and "\t" not in table
    assert table.split("\n")[-1] == "1   Alfa [2J b c"
