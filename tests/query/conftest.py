"""A small ``companies`` table on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from crmctl.db.functions import postgres_fold_function_sql, register_sqlite_functions
from crmctl.query import EntityRegistry, FieldKind, FieldSpec, compile_where

# 13:00 in Prague (CET, UTC+1): local midnight today is 2026-03-09T23:00Z.
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
TZ = ZoneInfo("Europe/Prague")

metadata = sa.MetaData()
companies = sa.Table(
    "companies",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("city", sa.Text),
    sa.Column("employees", sa.Integer),
    sa.Column("revenue", sa.Numeric(14, 2)),
    sa.Column("founded", sa.Date),
    sa.Column("created_at", sa.DateTime(timezone=True)),
    sa.Column("active", sa.Boolean),
    sa.Column("custom", sa.JSON(none_as_null=True).with_variant(JSONB(), "postgresql")),
)
company_tags = sa.Table(
    "company_tags",
    metadata,
    sa.Column("company_id", sa.ForeignKey("companies.id"), primary_key=True),
    sa.Column("tag", sa.Text, primary_key=True),
)


def _has_tags(tags: list[str]) -> sa.ColumnElement[bool]:
    return sa.exists().where(
        company_tags.c.company_id == companies.c.id, company_tags.c.tag.in_(tags)
    )


def _has_any_tag() -> sa.ColumnElement[bool]:
    return sa.exists().where(company_tags.c.company_id == companies.c.id)


def _spec(name: str, kind: FieldKind) -> FieldSpec:
    return FieldSpec(name, kind, column=companies.c[name])


REGISTRY = EntityRegistry(
    "companies",
    {
        spec.name: spec
        for spec in [
            _spec("id", FieldKind.INTEGER),
            _spec("name", FieldKind.TEXT),
            _spec("city", FieldKind.TEXT),
            _spec("employees", FieldKind.INTEGER),
            _spec("revenue", FieldKind.DECIMAL),
            _spec("founded", FieldKind.DATE),
            _spec("created_at", FieldKind.DATETIME),
            _spec("active", FieldKind.BOOLEAN),
            FieldSpec("tags", FieldKind.TAGS, tags=_has_tags, has_any_tag=_has_any_tag),
        ]
    },
    custom_column=companies.c.custom,
)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# Each row exists to sit on one side of a boundary the compiler tests probe.
ROWS: list[dict[str, Any]] = [
    {
        "id": 1,
        "name": "Dvořák s.r.o.",
        "city": "Praha",
        "employees": 12,
        "revenue": Decimal("1200.50"),
        "founded": date(2020, 1, 31),
        "created_at": _utc("2026-03-09T23:30"),  # 00:30 local today
        "active": True,
        "custom": {"segment": "A", "size": 10, "vip": True, "renewal": "2026-04-01"},
    },
    {
        "id": 2,
        "name": "Šťastný a syn",
        "city": "Brno",
        "employees": 5,
        "revenue": Decimal("99.99"),
        "founded": date(2026, 3, 9),
        "created_at": _utc("2026-03-09T22:59"),  # 23:59 local yesterday
        "active": False,
        "custom": {"segment": "B", "size": "12", "vip": False},  # size stored as text
    },
    {
        "id": 3,
        "name": "100% Čistota",
        "city": "Ostrava",
        "employees": None,
        "revenue": None,
        "founded": None,
        "created_at": _utc("2026-02-07T23:00"),  # local midnight 30 days ago
        "active": True,
        "custom": {"segment": None, "size": 12.5},
    },
    {
        "id": 4,
        "name": "Data_Centrum",
        "city": None,
        "employees": 250,
        "revenue": Decimal("5000000.00"),
        "founded": date(1999, 12, 31),
        "created_at": _utc("2026-02-07T22:59"),  # one minute before that midnight
        "active": None,
        "custom": {},
    },
    {
        "id": 5,
        "name": "DataXCentrum 1000",
        "city": "",
        "employees": 0,
        "revenue": Decimal("0.00"),
        "founded": date(2026, 3, 11),
        "created_at": _utc("2026-03-10T11:00"),  # an hour before NOW
        "active": False,
        "custom": None,
    },
    {
        "id": 6,
        "name": "C:\\temp Dvorak",
        "city": "praha",
        "employees": 40,
        "revenue": Decimal("12.50"),
        "founded": date(2026, 3, 10),
        "created_at": _utc("2026-03-10T23:30"),  # 00:30 local tomorrow
        "active": True,
        "custom": {"segment": "a"},
    },
]
TAGS = [(1, "vip"), (1, "partner"), (2, "vip"), (4, "partner"), (5, "Key Account")]
ALL_IDS = {row["id"] for row in ROWS}


def _fill(engine: sa.Engine) -> None:
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(companies.insert(), ROWS)
        connection.execute(company_tags.insert(), [{"company_id": c, "tag": t} for c, t in TAGS])


def _sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    path = tmp_path_factory.mktemp("query") / "crm.sqlite"
    engine = sa.create_engine(f"sqlite:///{path}")
    sa.event.listen(engine, "connect", lambda dbapi_conn, _: register_sqlite_functions(dbapi_conn))
    _fill(engine)
    yield engine
    engine.dispose()


def _postgres_engine() -> Iterator[sa.Engine]:
    url = os.environ.get("CRM_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("CRM_TEST_POSTGRES_URL not set")
    # A private schema keeps parallel runs and other tests' tables apart.
    schema = f"crm_query_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = sa.create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(postgres_fold_function_sql()))
        _fill(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> Iterator[sa.Engine]:
    if request.param == "sqlite":
        yield from _sqlite_engine(request.getfixturevalue("tmp_path_factory"))
    else:
        yield from _postgres_engine()


@pytest.fixture
def select_ids(engine: sa.Engine) -> Callable[[str], set[int]]:
    """Run ``--where`` text against the companies table and return the matching ids."""

    def run(expression: str) -> set[int]:
        where = compile_where(expression, REGISTRY, now=NOW, tz=TZ)
        with engine.connect() as connection:
            return set(connection.scalars(sa.select(companies.c.id).where(where)))

    return run
