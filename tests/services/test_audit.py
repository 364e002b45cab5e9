"""``audit list``: every change with before and after; events cannot be rewritten."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from tests.conftest import Crm


@pytest.fixture
def audited(crm: Crm) -> Crm:
    crm("users", "add", "eva", "--role", "sales")
    crm("companies", "add", "--name", "Alfa s.r.o.", "--city", "Brno")
    crm("companies", "edit", "1", "--city", "Praha")
    Crm(crm.url, user="eva")("companies", "add", "--name", "Beta a.s.")
    return crm


def test_audit_lists_changes_with_before_and_after(audited: Crm) -> None:
    rows = audited.json("audit", "list", "--entity", "company:1")
    assert [row["kind"] for row in rows] == ["company.updated", "company.created"]
    assert rows[0]["before"] == {"city": "Brno"} and rows[0]["after"] == {"city": "Praha"}
    assert rows[0]["actor"] == "admin" and rows[1]["after"]["name"] == "Alfa s.r.o."


def test_audit_filters_by_user_entity_and_time(audited: Crm) -> None:
    by_eva = audited.json("audit", "list", "--user", "eva")
    assert [(row["entity"], row["kind"]) for row in by_eva] == [("company:2", "company.created")]
    companies = audited.json("audit", "list", "--entity", "company")
    assert {row["entity"] for row in companies} == {"company:1", "company:2"}
    assert audited.json("audit", "list", "--since", "2026-03-11") == []
    assert len(audited.json("audit", "list", "--since", "2026-03-10")) == 5


def test_only_admins_read_the_audit_log(audited: Crm) -> None:
    result = Crm(audited.url, user="eva")("audit", "list", code=5)
    assert "only an admin" in result.stderr


@pytest.mark.parametrize(
    "statement",
    ["DELETE FROM events", "UPDATE events SET kind = 'x'", "UPDATE events SET actor_id = NULL"],
)
def test_the_database_refuses_to_rewrite_events(audited: Crm, statement: str) -> None:
    engine = create_engine(audited.url)
    try:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
        with engine.begin() as connection:
            # Anonymising a payload (gdpr erase) stays possible.
            connection.execute(text("UPDATE events SET payload = payload WHERE id = 1"))
    finally:
        engine.dispose()
