"""Czech order (issue 20 item 10): the key function, SQLite's collation, ``--sort`` on
both databases, and a property that SQLite's order is PostgreSQL's ICU order."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from crmctl.collation import compare, sort_key
from crmctl.db.functions import POSTGRES_CZECH, register_sqlite_functions
from tests.conftest import Crm, postgres_admin_url

NAMES = ["Ábel", "Bedna", "Cézar", "Čáp", "Hrubý", "Chalupa", "Ibl"]


def czech_sorted(words: list[str]) -> list[str]:
    return sorted(words, key=sort_key)


def test_issue_examples_in_czech_order() -> None:
    assert czech_sorted(list(reversed(NAMES))) == NAMES
    # The issue's complaint: `--sort name` put "Ábel a.s." after "Cézar s.r.o.".
    assert czech_sorted(["Cézar s.r.o.", "Ábel a.s."]) == ["Ábel a.s.", "Cézar s.r.o."]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("cz", "č"),  # č is a letter after c, not c with an accent
        ("hz", "ch"),  # ch is a letter after h
        ("chz", "i"),
        ("rz", "ř"),
        ("sz", "š"),
        ("zz", "ž"),
        ("Novak", "Novák"),  # an accent decides only when the letters are equal …
        ("Novák", "Novakova"),  # … and does not beat a later letter
        ("Dvorak", "Dvořák"),
        ("dum", "dům"),
        ("tis", "ťis"),
        ("ne", "ně"),
        ("é", "ě"),  # acute before caron
        ("ú", "ů"),  # acute before ring
        ("novák", "Novák"),  # lower case before upper case
        ("ch", "Ch"),
        ("Ch", "CH"),
        ("Ab", "Abc"),
        ("a b", "ab"),  # a space before every letter
        ("9", "a"),
        ("10", "9"),  # digit by digit, as ICU's default
    ],
)
def test_pairs(before: str, after: str) -> None:
    assert sort_key(before) < sort_key(after)
    assert compare(before, after) == -1
    assert compare(after, before) == 1


def test_equal_only_when_identical() -> None:
    assert compare("Čáp", "Čáp") == 0
    # Decomposed input (a Mac's file names) sorts with its composed twin, then by code points.
    decomposed = "Ča\u0301p"
    levels = sort_key(decomposed)[: -len(decomposed.encode())]
    assert levels == sort_key("Čáp")[: -len("Čáp".encode())]
    assert compare(decomposed, "Čáp") != 0


@pytest.mark.parametrize("order", ["name COLLATE czech", "czech_key(name)"])
def test_sqlite_sorts_in_czech_order(order: str) -> None:
    connection = sqlite3.connect(":memory:")
    register_sqlite_functions(connection)
    connection.execute("CREATE TABLE t (name TEXT)")
    connection.executemany("INSERT INTO t VALUES (?)", [(n,) for n in [*reversed(NAMES), None]])
    rows = connection.execute(f"SELECT name FROM t ORDER BY {order}").fetchall()
    assert [name for (name,) in rows] == [None, *NAMES]


@pytest.fixture
def named(crm: Crm) -> Crm:
    for name in reversed(NAMES):
        crm("companies", "add", "--name", f"{name} s.r.o.", "--city", name)
        crm("contacts", "add", "--first-name", "Jan", "--last-name", name)
    return crm


def test_sort_by_name_on_both_databases(named: Crm) -> None:
    companies = named.json("companies", "list", "--sort", "name")
    assert [c["name"] for c in companies] == [f"{name} s.r.o." for name in NAMES]
    descending = named.json("companies", "list", "--sort", "-city")
    assert [c["city"] for c in descending] == list(reversed(NAMES))
    contacts = named.json("contacts", "list", "--sort", "last_name")
    assert [c["last_name"] for c in contacts] == NAMES


def test_numbers_and_ids_keep_their_order(named: Crm) -> None:
    ids = [c["id"] for c in named.json("companies", "list", "--sort", "-id")]
    assert ids == sorted(ids, reverse=True)


# --- SQLite's order is PostgreSQL's ------------------------------------------------------

LETTERS = "aábcčdďeéěfghiíjklmnňoópqrřsštťuúůvwxyýzž"
# Pieces rather than characters: "ch" in every case must come up often.
czech_words = st.lists(
    st.sampled_from([*LETTERS, *LETTERS.upper(), "ch", "Ch", "CH", "cH", " ", "-", "."]),
    max_size=8,
).map("".join)


@pytest.fixture(scope="module")
def postgres_engine() -> Iterator[Any]:
    url = postgres_admin_url()
    if url is None:
        pytest.skip("PostgreSQL not configured (set CRM_TEST_POSTGRES_URL)")
    engine = create_engine(url)
    yield engine
    engine.dispose()


ICU_ORDER = (
    f'SELECT w FROM unnest(CAST(:words AS text[])) AS w ORDER BY w COLLATE "{POSTGRES_CZECH}"'
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(words=st.lists(czech_words, min_size=2, max_size=40))
def test_sqlite_order_equals_postgres_icu_order(postgres_engine: Any, words: list[str]) -> None:
    connection = sqlite3.connect(":memory:")
    register_sqlite_functions(connection)
    sqlite_order = [
        word
        for (word,) in connection.execute(
            "SELECT column1 FROM (VALUES "
            + ",".join("(?)" for _ in words)
            + ") ORDER BY czech_key(column1)",
            words,
        )
    ]
    with postgres_engine.connect() as pg:
        postgres_order = list(pg.execute(text(ICU_ORDER), {"words": words}).scalars())
    assert sqlite_order == postgres_order


def test_every_text_sort_runs_and_a_rank_keeps_its_order(crm: Crm) -> None:
    """A text field stored as a rank (a task's priority) is not collated: PostgreSQL
    refuses COLLATE on an integer, and high < normal < low is the order wanted."""
    for priority in ("low", "high", "normal"):
        crm("tasks", "add", f"Úkol {priority}", "--priority", priority)
    tasks = crm.json("tasks", "list", "--sort", "priority")
    assert [task["priority"] for task in tasks] == ["high", "normal", "low"]
    subjects = [task["subject"] for task in crm.json("tasks", "list", "--sort", "-subject")]
    assert subjects == ["Úkol normal", "Úkol low", "Úkol high"]
