"""The plain table renderer prints exactly what tabulate prints, or leaves it to tabulate."""

from __future__ import annotations

import random

import pytest
from tabulate import tabulate

from crmctl.render import _plain, plain_table, table

ALPHABET = "ab zZ09-.:/#@()ěščřžýáíéúůňťďĚŠČŘŽÝÁÍÉÚŮ→€§°"
AWKWARD = [
    "a\nb",
    " lead",
    "trail ",
    "tab\there",
    "wide 漢字",
    "e\u0301",
    "\x1b[31mred",
    "nb\xa0sp",
    "\u200b",  # zero width
]


def tabulated(headers: list[str], body: list[list[str]]) -> str:
    return tabulate(body, headers=headers, tablefmt="simple", disable_numparse=True)


def random_text(rng: random.Random) -> str:
    text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 14)))
    return text.strip(" ")


@pytest.mark.parametrize("seed", range(40))
def test_plain_table_is_tabulates_simple_table(seed: int) -> None:
    rng = random.Random(seed)
    columns, rows = rng.randint(1, 7), rng.randint(1, 30)
    headers = [random_text(rng) or f"h{n}" for n in range(columns)]
    body = [[random_text(rng) for _ in range(columns)] for _ in range(rows)]
    assert all(_plain(text) for line in [headers, *body] for text in line)
    assert plain_table(headers, body) == tabulated(headers, body)


@pytest.mark.parametrize("awkward", AWKWARD)
def test_awkward_cells_go_to_tabulate(awkward: str) -> None:
    assert not _plain(awkward)
    rows = [{"id": "1", "subject": awkward}, {"id": "22", "subject": "plain"}]
    assert table(rows, {}, None) == tabulated(["id", "subject"], [["1", awkward], ["22", "plain"]])


def test_table_uses_the_plain_renderer_for_ordinary_records() -> None:
    rows = [{"id": 7, "company": "Žluťoučký kůň s.r.o.", "deal": None, "done": False}]
    expected = tabulated(
        ["id", "company", "deal", "done"], [["7", "Žluťoučký kůň s.r.o.", "", "no"]]
    )
    assert table(rows, {}, None) == expected
