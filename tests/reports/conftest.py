"""A small book of deals for report tests, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import Crm


@pytest.fixture
def book(crm: Crm) -> Crm:
    """Two owners, two pipelines' worth of stages, CZK and EUR, a won and a lost deal."""
    crm("users", "add", "jana", "--name", "Jana Nováková")
    deals = [
        ("Linka", "1 250 000,50", "poptavka", "2026-04-15", "admin"),
        ("Servis", "250 000", "nabidka", "2026-04-30", "jana"),
        ("Licence", "99 999,99", "jednani", "2026-05-02", "jana"),
        ("Export", "€1,200", "analyza", "2026-05-20", "admin"),
        ("Školení", "33 333,33", "nabidka", "2026-06-01", "admin"),
        ("Ztráta", "500 000", "poptavka", "2026-06-10", "jana"),
        ("Výhra", "80 000", "jednani", "2026-03-31", "admin"),
    ]
    for title, value, stage, close, owner in deals:
        crm(
            "deals", "add", "--title", title, "--value", value, "--stage", stage,
            "--expected-close", close, "--owner", owner,
        )  # fmt: skip
    crm("deals", "lose", "6", "--reason", "cena")
    crm("deals", "win", "7")
    return crm


@pytest.fixture
def sales(crm: Crm, tmp_path: Path) -> Crm:
    """A quarter of sales with known answers (see tests/reports/test_analytics.py).

    jana and petr (team Praha) report to marta; sona is support. Prague time (CET).
    """

    def at(day: str) -> Crm:
        return replace(crm, now=f"{day}T09:00:00+01:00")

    crm("teams", "add", "Praha")
    crm("users", "add", "marta", "--name", "Marta Vedoucí", "--role", "manager")
    for login, name in (("jana", "Jana Nováková"), ("petr", "Petr Král")):
        crm("users", "add", login, "--name", name, "--manager", "marta", "--team", "Praha")
    crm("users", "add", "sona", "--name", "Soňa Podpora", "--role", "support")
    deals = [
        ("2027-01-04", "Alfa", "100 000", "poptavka", "2027-02-15", "jana"),
        ("2027-01-04", "Beta", "200 000", "nabidka", "2027-03-10", "petr"),
        ("2027-01-11", "Gama", "50 000", "analyza", "2027-02-28", "jana"),
        ("2027-01-11", "Delta", "€10,000", "jednani", "2027-03-31", "petr"),
    ]
    for day, title, value, stage, close, owner in deals:
        at(day)(
            "deals", "add", "--title", title, "--value", value, "--stage", stage,
            "--expected-close", close, "--owner", owner,
        )  # fmt: skip
    at("2027-01-14")("deals", "move", "1", "analyza")
    at("2027-01-21")("deals", "move", "1", "nabidka")
    # The pipeline as it stood on the evening of 31 January, for --as-of to match.
    evening = replace(crm, now="2027-01-31T20:00:00+01:00")
    for by in ("stage", "owner"):
        recorded = evening("report", "pipeline", "--by", by, "-o", "json").stdout
        (tmp_path / f"pipeline-{by}-2027-01-31.json").write_text(recorded, encoding="utf-8")
    at("2027-02-01")("deals", "win", "3")
    at("2027-02-02")("deals", "update", "--where", "id = 2", "--set", "value=250000")
    at("2027-02-04")("deals", "lose", "2", "--reason", "cena")
    at("2027-02-11")("deals", "win", "1")
    at("2027-02-15")(
        "deals", "add", "--title", "Epsilon", "--value", "80 000", "--stage", "poptavka",
        "--expected-close", "2027-04-30", "--owner", "jana",
    )  # fmt: skip
    return at("2027-02-20")
