"""SQLAlchemy 2.0 typed models. The schema itself is made by the alembic migrations."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

from crmctl.clock import as_utc

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class JsonDocument(TypeDecorator[Any]):
    """JSON, stored as JSONB on PostgreSQL.

    Instead of ``JSON().with_variant(JSONB(), "postgresql")``: that needs the
    PostgreSQL dialect package (and its drivers' modules) imported with the models,
    ~15-30 ms on every SQLite command too; here it is imported when a PostgreSQL
    connection first needs the type.
    """

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

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


def partial_index(name: str, *columns: str, where: str, unique: bool = False) -> Index:
    index = Index(name, *columns, unique=unique, sqlite_where=text(where))
    _PARTIAL_INDEXES.append((index, where))
    return index


def declare_postgresql_options() -> None:
    """Give the partial indexes their ``postgresql_where`` (idempotent)."""
    for index, where in _PARTIAL_INDEXES:
        index.dialect_kwargs["postgresql_where"] = text(where)


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
    __table_args__ = (Index("uq_users_db_role", "db_role", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    # PostgreSQL: the database login of this user; its connections act as this user.
    db_role: Mapped[str | None] = mapped_column(String(63))


class Company(Stamped, Base):
    __tablename__ = "companies"
    __table_args__ = (
        # IČO identifies a live company; merged or removed duplicates may keep theirs.
        partial_index("uq_companies_ico_live", "ico", where="deleted_at IS NULL", unique=True),
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
    # Set by `gdpr erase`: the row stays (deals keep their contact) without personal data.
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


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
        partial_index(
            "ix_events_import_batch_id", "import_batch_id", where="import_batch_id IS NOT NULL"
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


class Lead(Stamped, Base):
    """An inquiry (poptávka): who asked, about what, who owns it and where it stands."""

    __tablename__ = "leads"
    __table_args__ = (
        Index("ix_leads_status_received_at", "status", "received_at"),
        Index("ix_leads_owner_id", "owner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    subject: Mapped[str | None] = mapped_column(String(300))
    product: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(100))
    # What an unknown sender told us, kept as given until the lead is converted.
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    company_name: Mapped[str | None] = mapped_column(String(300))
    ico: Mapped[str | None] = mapped_column(String(8))
    message: Mapped[str | None] = mapped_column(Text)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    campaign: Mapped[str | None] = mapped_column(String(200))
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    converted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # No foreign key: deals.lead_id already points here and a cycle breaks table creation.
    deal_id: Mapped[int | None] = mapped_column(Integer)
    last_activity_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    custom: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Deal(Stamped, Base):
    """A deal (obchodní případ) moving through the stages of one pipeline."""

    __tablename__ = "deals"
    __table_args__ = (
        # `stage = X and idle_days > N` is a range scan on this one index. Both sort
        # indexes also hold what the need-to-know filter reads, so that SQLite skips other
        # owners' deals on a salesperson's page without reading their rows (0008).
        Index(
            "ix_deals_stage_last_touched_at",
            "stage",
            "last_touched_at",
            "owner_id",
            "company_id",
            "deleted_at",
        ),
        Index(
            "ix_deals_last_touched_at", "last_touched_at", "owner_id", "company_id", "deleted_at"
        ),
        Index("ix_deals_expected_close", "expected_close"),
        Index("ix_deals_owner_id", "owner_id"),
        Index("ix_deals_company_id", "company_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    pipeline: Mapped[str] = mapped_column(String(50))
    stage: Mapped[str] = mapped_column(String(50))
    value: Mapped[Decimal] = mapped_column(Numeric(14, 2), server_default="0")
    currency: Mapped[str] = mapped_column(String(3), server_default="CZK")
    # The effective probability 0–100: the stage's unless overridden.
    probability: Mapped[int] = mapped_column(Integer)
    probability_overridden: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    # pipeline | best_case | commit | closed | omitted: the stage's unless overridden.
    forecast_category: Mapped[str] = mapped_column(String(20))
    forecast_category_overridden: Mapped[bool] = mapped_column(
        Boolean, server_default=text("false")
    )
    expected_close: Mapped[date | None] = mapped_column(Date)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(10), server_default="open")
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    won_reason: Mapped[str | None] = mapped_column(Text)
    lost_reason: Mapped[str | None] = mapped_column(Text)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"))
    source: Mapped[str | None] = mapped_column(String(20))
    campaign: Mapped[str | None] = mapped_column(String(200))
    stage_entered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_activity_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Latest of change, activity and stage entry, kept by the services: `idle_days`.
    last_touched_at: Mapped[datetime] = mapped_column(UtcDateTime())
    custom: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class DealContact(Base):
    """A person involved in a deal, in a role (decision maker, technical, …)."""

    __tablename__ = "deal_contacts"

    deal_id: Mapped[int] = mapped_column(
        ForeignKey("deals.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str | None] = mapped_column(String(100))


class DealStageHistory(Base):
    """One stay of a deal in a stage; ``left_at`` is empty for the current stage."""

    __tablename__ = "deal_stage_history"
    __table_args__ = (Index("ix_deal_stage_history_deal_id", "deal_id", "entered_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    pipeline: Mapped[str] = mapped_column(String(50))
    stage: Mapped[str] = mapped_column(String(50))
    entered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Task(Stamped, Base):
    """A task, call or meeting, linked to a company, person, lead or deal."""

    __tablename__ = "tasks"
    __table_args__ = (
        # `has_planned_activity`: an open task of the deal due after now.
        partial_index(
            "ix_tasks_deal_open",
            "deal_id",
            "due_at",
            where="done_at IS NULL AND deleted_at IS NULL",
        ),
        Index("ix_tasks_assignee_due_at", "assignee_id", "due_at"),
        # `tasks overdue --owner U`: a range over one user's open tasks.
        partial_index(
            "ix_tasks_open_assignee_due",
            "assignee_id",
            "due_at",
            where="done_at IS NULL AND deleted_at IS NULL",
        ),
        Index("ix_tasks_deal_id", "deal_id"),
        Index("ix_tasks_company_id", "company_id"),
        Index("ix_tasks_person_id", "person_id"),
        Index("ix_tasks_lead_id", "lead_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), server_default="task")
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # A due date without a time: ``due_at`` is local midnight, due by the end of that day.
    all_day: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    start_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    end_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    priority: Mapped[int] = mapped_column(Integer, server_default="2")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"))
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"))
    reminder_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    done_note: Mapped[str | None] = mapped_column(Text)
    # iCalendar SEQUENCE: bumped on every change so calendars replace the old version.
    sequence: Mapped[int] = mapped_column(Integer, server_default="0")
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Activity(Base):
    """A call, meeting, note or e-mail that happened (``crmctl log``)."""

    __tablename__ = "activities"
    __table_args__ = (
        Index("ix_activities_company_id", "company_id"),
        Index("ix_activities_person_id", "person_id"),
        Index("ix_activities_lead_id", "lead_id"),
        Index("ix_activities_deal_id", "deal_id"),
        # At most one first call and one first meeting per customer, also under races.
        partial_index(
            "uq_activities_first_contact",
            "company_id",
            "first_contact",
            where="first_contact IS NOT NULL",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(200))
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    attendees: Mapped[list[Any]] = mapped_column(JsonType, default=list)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The local calendar day (configured zone) it happened on: reports group by its month.
    occurred_on: Mapped[date] = mapped_column(Date)
    first_contact: Mapped[str | None] = mapped_column(String(10))  # call | meeting
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"))
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Document(Base):
    """An attached file; its content lives in the document store under its SHA-256."""

    __tablename__ = "documents"
    __table_args__ = (
        Index("ix_documents_sha256", "sha256"),
        Index("ix_documents_company_id", "company_id"),
        Index("ix_documents_person_id", "person_id"),
        Index("ix_documents_deal_id", "deal_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    file_name: Mapped[str] = mapped_column(String(500))
    media_type: Mapped[str | None] = mapped_column(String(200))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class CrmMeta(Base):
    """Facts about this installation, e.g. ``install_id`` (calendar UIDs derive from it)."""

    __tablename__ = "crm_meta"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ReportSnapshot(Base):
    """A stored report result (`report forecast --snapshot NAME`) to compare against later."""

    __tablename__ = "report_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    report: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    rows: Mapped[list[Any]] = mapped_column(JsonType, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


# --- workflows (issue 6) ----------------------------------------------------------------


class WorkflowFiring(Base):
    """One rule fired (or tried to) for one record and one trigger: the exactly-once key.

    ``trigger_key`` is ``event:<id>`` for event rules and the window (``2026-03-10``,
    ``once``, ``expected_close=2026-04-01``) for time rules; the unique constraint is what
    makes a second runner's attempt roll back.
    """

    __tablename__ = "workflow_firings"
    __table_args__ = (
        UniqueConstraint(
            "rule_id", "entity_type", "entity_id", "trigger_key", name="uq_workflow_firings_key"
        ),
        Index("ix_workflow_firings_entity", "entity_type", "entity_id"),
        Index("ix_workflow_firings_status", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(100))
    entity_type: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int] = mapped_column(Integer)
    trigger_key: Mapped[str] = mapped_column(String(120))
    event_id: Mapped[int | None] = mapped_column(Integer)
    depth: Mapped[int] = mapped_column(Integer, server_default="0")
    # done | failed (will be retried) | dead (gave up) | cut (loop depth limit)
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, server_default="1")
    error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    fired_at: Mapped[datetime] = mapped_column(UtcDateTime())
    summary: Mapped[list[Any]] = mapped_column(JsonType, default=list)


class WorkflowState(Base):
    """Small named counters: the event cursor, round-robin positions."""

    __tablename__ = "workflow_state"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, server_default="0")


class Notification(Base):
    """An in-app inbox entry for one user."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_id", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    entity_type: Mapped[str | None] = mapped_column(String(20))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    rule_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Delivery(Base):
    """The outbox: one e-mail or webhook POST to send, with retries and backoff."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_status", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))  # email | webhook
    target: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    rule_id: Mapped[str | None] = mapped_column(String(100))
    entity_type: Mapped[str | None] = mapped_column(String(20))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    # pending | sending (claimed until lease_until) | sent | dead
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    claim_token: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Approval(Base):
    """A request for a decision (e.g. a discount over the limit), and the decision."""

    __tablename__ = "approvals"
    __table_args__ = (Index("ix_approvals_entity", "entity_type", "entity_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approver_role: Mapped[str | None] = mapped_column(String(20))
    # Stage moves of the deal wait while the approval is pending.
    blocks_moves: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    status: Mapped[str] = mapped_column(String(10))  # pending | approved | rejected
    rule_id: Mapped[str | None] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)


class DaemonHeartbeat(Base):
    """One running (or stopped) `crmctl daemon`, so `daemon status` can tell."""

    __tablename__ = "daemon_heartbeats"

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    beat_at: Mapped[datetime] = mapped_column(UtcDateTime())
    stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    firings: Mapped[int] = mapped_column(Integer, server_default="0")


class Consent(Base):
    """One GDPR consent decision; the current one per person and purpose is not superseded."""

    __tablename__ = "consents"
    __table_args__ = (
        Index("ix_consents_person_purpose", "person_id", "purpose"),
        partial_index(
            "uq_consents_current",
            "person_id",
            "purpose",
            where="superseded_at IS NULL",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(100))
    granted: Mapped[bool] = mapped_column(Boolean)
    basis: Mapped[str] = mapped_column(String(30))  # consent | contract | legitimate-interest
    source: Mapped[str] = mapped_column(String(200))
    evidence: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    superseded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class PolicyRule(Base):
    """The effective policy, copied by `crmctl policy install` for row-level security."""

    __tablename__ = "policy_rules"

    role: Mapped[str] = mapped_column(String(64), primary_key=True)
    entity: Mapped[str] = mapped_column(String(20), primary_key=True)
    read: Mapped[str] = mapped_column(String(12))
    write: Mapped[str] = mapped_column(String(12))
    limited: Mapped[str | None] = mapped_column(String(12))
