"""A small book of deals for report tests, on SQLite and PostgreSQL."""

from __future__ import annotations

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
