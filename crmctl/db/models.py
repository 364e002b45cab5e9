"""SQLAlchemy 2.0 typed models. The schema itself is made by the alembic migrations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from crmctl.clock import as_utc

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JsonType = JSON().with_variant(JSONB(), "postgresql")
# SQLite only auto-increments an INTEGER PRIMARY KEY, PostgreSQL wants BIGINT for events.
EventId = BigInteger().with_variant(Integer(), "sqlite")


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


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Stamped:
    """Who created and last changed a record, and when."""

    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # No foreign key: users.team_id already points here and a cycle breaks table creation.
    created_by_id: Mapped[int | None] = mapped_column(Integer)


class User(Stamped, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))


class Company(Stamped, Base):
    __tablename__ = "companies"
    __table_args__ = (
        # IČO identifies a live company; merged or removed duplicates may keep theirs.
        Index(
            "uq_companies_ico_live",
            "ico",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index("ix_companies_owner_id", "owner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    ico: Mapped[str | None] = mapped_column(String(8))
    dic: Mapped[str | None] = mapped_column(String(14))
    street: Mapped[str | None] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(200))
    psc: Mapped[str | None] = mapped_column(String(6))
    region: Mapped[str | None] = mapped_column(String(100))
    district: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2), server_default="CZ")
    industry: Mapped[str | None] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    custom: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    # Folded name, IČO, e-mail, phone and city: accent-insensitive search on any database.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Folded name without legal form and punctuation: the import's dedup key.
    name_key: Mapped[str] = mapped_column(String(300), default="", server_default="", index=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))


class Person(Stamped, Base):
    __tablename__ = "persons"
    __table_args__ = (Index("ix_persons_owner_id", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title_before: Mapped[str | None] = mapped_column(String(50))
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    title_after: Mapped[str | None] = mapped_column(String(50))
    function: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    custom: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Folded first and last name without titles: the import's dedup key within a company.
    name_key: Mapped[str] = mapped_column(String(200), default="", server_default="", index=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))


class PersonEmail(Base):
    __tablename__ = "person_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class PersonPhone(Base):
    __tablename__ = "person_phones"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class PersonCompany(Base):
    """A person works at (or for) a company, in a role; one link may be primary."""

    __tablename__ = "person_companies"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str | None] = mapped_column(String(200))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)


class PersonRelation(Base):
    """``person`` reports to / is assistant of / is related to ``other``."""

    __tablename__ = "person_relations"
    __table_args__ = (UniqueConstraint("person_id", "other_person_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    other_person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    label: Mapped[str | None] = mapped_column(String(200))


class Tag(Base):
    __tablename__ = "tags"
    __table_args__ = (Index("ix_tags_entity_tag", "entity_type", "tag"),)

    entity_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    entity_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tag: Mapped[str] = mapped_column(String(100), primary_key=True)


class Event(Base):
    """The append-only event log: timeline, audit log and workflow outbox in one."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_entity", "entity_type", "entity_id", "id"),
        Index("ix_events_kind", "kind"),
        Index(
            "ix_events_import_batch_id",
            "import_batch_id",
            sqlite_where=text("import_batch_id IS NOT NULL"),
            postgresql_where=text("import_batch_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(EventId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entity_type: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    # The import batch that wrote this event, so `import undo` finds what it did.
    import_batch_id: Mapped[int | None] = mapped_column(Integer)


class ImportBatch(Base):
    """One run of `crmctl import`: the file, the mapping used and what came of it."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_size: Mapped[int] = mapped_column(BigInteger)
    file_format: Mapped[str] = mapped_column(String(10))
    sheets: Mapped[list[Any]] = mapped_column(JsonType, default=list)
    mapping: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    options: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    counts: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    undone_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ImportIssue(Base):
    """A rejected row (with its original cells) or a warning about one field of a row."""

    __tablename__ = "import_issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("import_batches.id", ondelete="CASCADE"), index=True
    )
    sheet: Mapped[str] = mapped_column(String(200))
    row_number: Mapped[int] = mapped_column(Integer)
    severity: Mapped[str] = mapped_column(String(10))
    field: Mapped[str | None] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text)
    row: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
