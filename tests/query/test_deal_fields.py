"""Computed deal fields compile to plain ranges on indexed columns."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.dialects import postgresql, sqlite
from typer.testing import CliRunner

from crmctl.cli import app
from crmctl.db.models import Deal
from crmctl.query import compile_where
from crmctl.query.entities import deal_registry

NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
TZ = ZoneInfo("Europe/Prague")


def _sql(where: str, dialect: object) -> str:
    condition = compile_where(where, deal_registry(), now=NOW, tz=TZ)
    statement = select(Deal.id).where(condition)
    return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()])
def test_idle_days_is_a_range_on_last_touched_at(dialect: object) -> None:
    sql = _sql('idle_days > 10 and stage = "Nabídka"', dialect)
    assert "deals.last_touched_at <= '2026-02-27 08:00:00" in sql
    assert "deals.stage = 'nabidka'" in sql
    assert "julianday" not in sql and "extract" not in sql.lower()


@pytest.mark.parametrize(
    ("where", "bound"),
    [
        ("idle_days >= 10", "last_touched_at <= '2026-02-28 08:00:00"),
        ("idle_days < 10", "last_touched_at > '2026-02-28 08:00:00"),
        ("idle_days <= 10", "last_touched_at > '2026-02-27 08:00:00"),
        ("days_in_stage > 0", "stage_entered_at <= '2026-03-09 08:00:00"),
    ],
)
def test_day_boundaries(where: str, bound: str) -> None:
    assert bound in _sql(where, sqlite.dialect())


def test_sqlite_plan_uses_the_stage_index(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/plan.db"
    result = CliRunner().invoke(app, ["--db", url, "init", "--admin", "admin"])
    assert result.exit_code == 0, result.stderr
    engine = create_engine(url)
    condition = compile_where(
        'idle_days > 10 and stage = "nabidka"', deal_registry(), now=NOW, tz=TZ
    )
    statement = select(Deal.id).where(condition).order_by(Deal.id).limit(50)
    compiled = statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
    with engine.connect() as connection:
        plan = " ".join(
            str(row[-1]) for row in connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
        )
    engine.dispose()
    assert "ix_deals_stage_last_touched_at" in plan
