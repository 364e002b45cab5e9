"""What every table is built from: the metadata and its naming convention, the UTC and JSON
column types, partial indexes and the created/updated stamps."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from crmctl.clock import as_utc

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class JsonDocument(TypeDecorator[Any]):
    """JSON, stored as JSONB on PostgreSQL.

    Instead of ``JSON().with_variant(JSONB(), "postgresql")``: that needs the
    PostgreSQL dialect package (and its drivers' modules) imported with the tables,
    ~15-30 ms on every SQLite command too; here it is imported when a PostgreSQL
    connection first needs the type.
    """

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB  # noqa: PLC0415  (start-up)

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


JsonType = JsonDocument()
# SQLite only auto-increments an INTEGER PRIMARY KEY, PostgreSQL wants BIGINT for events.
EventId = BigInteger().with_variant(Integer(), "sqlite")


# Partial indexes have the same WHERE on both databases. Only the SQLite half is given
# at import: a ``postgresql_where`` makes SQLAlchemy import the PostgreSQL dialect
# package (all its drivers' modules) to check the keyword, ~25 ms on every SQLite
# command. ``declare_postgresql_options`` adds it where PostgreSQL is used.
_PARTIAL_INDEXES: list[tuple[Index, str]] = []
# Table modules load on first use (crmctl.db.tables), so one may come after the call.
_POSTGRESQL_DECLARED: list[bool] = []


def partial_index(name: str, *columns: str, where: str, unique: bool = False) -> Index:
    index = Index(name, *columns, unique=unique, sqlite_where=text(where))
    _PARTIAL_INDEXES.append((index, where))
    if _POSTGRESQL_DECLARED:
        index.dialect_kwargs["postgresql_where"] = text(where)
    return index


def declare_postgresql_options() -> None:
    """Give the partial indexes their ``postgresql_where`` (idempotent), also those of
    table modules loaded later."""
    _POSTGRESQL_DECLARED[:] = [True]
    for index, where in _PARTIAL_INDEXES:
        index.dialect_kwargs["postgresql_where"] = text(where)


def made_on(item: Any, dialect: str) -> bool:
    """Whether a schema item is made on ``dialect``: ``False`` for one declared for another
    database only (``Index(…).ddl_if(dialect=…)``); autogenerate compares with this."""
    condition = getattr(item, "_ddl_if", None)
    return condition is None or condition.dialect in (None, dialect)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on the way in and out, also on SQLite (which stores naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        aware = as_utc(value)
        return aware.replace(tzinfo=None) if dialect.name == "sqlite" else aware

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


def stamps() -> tuple[Column[Any], ...]:
    """Who created and last changed a record, and when: last, as the ORM mixin put them.

    A function because a ``Column`` belongs to one table.
    """
    return (
        Column("created_at", UtcDateTime(), nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
        Column("created_by_id", Integer, ForeignKey("users.id")),
        Column("updated_by_id", Integer, ForeignKey("users.id")),
    )
