"""The schema as SQLAlchemy Core tables: one ``MetaData``, the one source of truth.

Read-only commands (``tasks overdue`` from cron) build their queries on these tables and
never import ``sqlalchemy.orm``: the ORM, the mapped classes and their configuration cost
about 250 ms at start-up, half of issue 5's whole-process budget. ``crmctl.db.models``
maps its ORM classes onto these same tables for the services that write. The schema in
a database is made by the alembic migrations; tests/db/test_migrations.py checks that
they agree with this metadata.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
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


def _stamps() -> tuple[Column[Any], ...]:
    """Who created and last changed a record, and when: last, as the ORM mixin put them.

    A function because a ``Column`` belongs to one table.
    """
    return (
        Column("created_at", UtcDateTime(), nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
        Column("created_by_id", Integer, ForeignKey("users.id")),
        Column("updated_by_id", Integer, ForeignKey("users.id")),
    )


teams = Table(
    "teams",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), unique=True, nullable=False),
    Column("description", Text),
    Column("created_at", UtcDateTime(), nullable=False),
    # No foreign key: users.team_id already points here and a cycle breaks table creation.
    Column("created_by_id", Integer),
)


users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("login", String(64), unique=True, nullable=False),
    Column("name", String(200), nullable=False),
    Column("email", String(254)),
    Column("role", String(20), nullable=False),
    Column("manager_id", Integer, ForeignKey("users.id")),
    Column("team_id", Integer, ForeignKey("teams.id")),
    Column("active", Boolean, server_default=text("true"), nullable=False),
    # PostgreSQL: the database login of this user; its connections act as this user.
    Column("db_role", String(63)),
    *_stamps(),
    Index("uq_users_db_role", "db_role", unique=True),
)


companies = Table(
    "companies",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(300), nullable=False),
    Column("ico", String(8)),
    Column("dic", String(14)),
    Column("street", String(300)),
    Column("city", String(200)),
    Column("psc", String(6)),
    Column("region", String(100)),
    Column("district", String(100)),
    Column("country", String(2), server_default="CZ", nullable=False),
    Column("industry", String(200)),
    Column("website", String(300)),
    Column("phone", String(20)),
    Column("email", String(254)),
    Column("owner_id", Integer, ForeignKey("users.id")),
    Column("custom", JsonType, default=dict, nullable=False),
    # Folded name, IČO, e-mail, phone and city: accent-insensitive search on any database.
    Column("search_text", Text, default="", nullable=False),
    # Folded name without legal form and punctuation: the import's dedup key.
    Column("name_key", String(300), default="", server_default="", index=True, nullable=False),
    Column("deleted_at", UtcDateTime()),
    Column("merged_into_id", Integer, ForeignKey("companies.id")),
    *_stamps(),
    # IČO identifies a live company; merged or removed duplicates may keep theirs.
    partial_index("uq_companies_ico_live", "ico", where="deleted_at IS NULL", unique=True),
    Index("ix_companies_owner_id", "owner_id"),
)


persons = Table(
    "persons",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title_before", String(50)),
    Column("first_name", String(100)),
    Column("last_name", String(100), nullable=False),
    Column("title_after", String(50)),
    Column("function", String(200)),
    Column("note", Text),
    Column("owner_id", Integer, ForeignKey("users.id")),
    Column("custom", JsonType, default=dict, nullable=False),
    Column("search_text", Text, default="", nullable=False),
    # Folded first and last name without titles: the import's dedup key within a company.
    Column("name_key", String(200), default="", server_default="", index=True, nullable=False),
    Column("deleted_at", UtcDateTime()),
    Column("merged_into_id", Integer, ForeignKey("persons.id")),
    # Set by `gdpr erase`: the row stays (deals keep their contact) without personal data.
    Column("erased_at", UtcDateTime()),
    *_stamps(),
    Index("ix_persons_owner_id", "owner_id"),
)


person_emails = Table(
    "person_emails",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "person_id",
        Integer,
        ForeignKey("persons.id", ondelete="CASCADE"),
        index=True,
        nullable=False,
    ),
    Column("email", String(254), unique=True, nullable=False),
    Column("position", Integer, default=0, nullable=False),
)


person_phones = Table(
    "person_phones",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "person_id",
        Integer,
        ForeignKey("persons.id", ondelete="CASCADE"),
        index=True,
        nullable=False,
    ),
    Column("phone", String(20), index=True, nullable=False),
    Column("position", Integer, default=0, nullable=False),
)


# A person works at (or for) a company, in a role; one link may be primary.
person_companies = Table(
    "person_companies",
    metadata,
    Column("person_id", Integer, ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "company_id",
        Integer,
        ForeignKey("companies.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
    Column("role", String(200)),
    Column("is_primary", Boolean, default=False, nullable=False),
)


# ``person`` reports to / is assistant of / is related to ``other``.
person_relations = Table(
    "person_relations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "person_id",
        Integer,
        ForeignKey("persons.id", ondelete="CASCADE"),
        index=True,
        nullable=False,
    ),
    Column(
        "other_person_id",
        Integer,
        ForeignKey("persons.id", ondelete="CASCADE"),
        index=True,
        nullable=False,
    ),
    Column("kind", String(20), nullable=False),
    Column("label", String(200)),
    UniqueConstraint("person_id", "other_person_id", "kind"),
)


tags = Table(
    "tags",
    metadata,
    Column("entity_type", String(20), primary_key=True),
    Column("entity_id", Integer, primary_key=True),
    Column("tag", String(100), primary_key=True),
    Index("ix_tags_entity_tag", "entity_type", "tag"),
)


# The append-only event log: timeline, audit log and workflow outbox in one.
events = Table(
    "events",
    metadata,
    Column("id", EventId, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor_id", Integer, ForeignKey("users.id")),
    Column("entity_type", String(20), nullable=False),
    Column("entity_id", Integer, nullable=False),
    Column("kind", String(60), nullable=False),
    Column("payload", JsonType, default=dict, nullable=False),
    # The import batch that wrote this event, so `import undo` finds what it did.
    Column("import_batch_id", Integer),
    Index("ix_events_entity", "entity_type", "entity_id", "id"),
    # Kinds, and time ranges of one kind or of the whole log: `report pipeline --as-of` (0010).
    Index("ix_events_kind_at", "kind", "at"),
    Index("ix_events_at", "at"),
    partial_index(
        "ix_events_import_batch_id", "import_batch_id", where="import_batch_id IS NOT NULL"
    ),
)


# One run of `crmctl import`: the file, the mapping used and what came of it.
import_batches = Table(
    "import_batches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("file_name", String(500), nullable=False),
    Column("file_sha256", String(64), index=True, nullable=False),
    Column("file_size", BigInteger, nullable=False),
    Column("file_format", String(10), nullable=False),
    Column("sheets", JsonType, default=list, nullable=False),
    Column("mapping", JsonType, default=dict, nullable=False),
    Column("options", JsonType, default=dict, nullable=False),
    Column("counts", JsonType, default=dict, nullable=False),
    Column("status", String(20), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by_id", Integer, ForeignKey("users.id")),
    Column("undone_at", UtcDateTime()),
    Column("undone_by_id", Integer, ForeignKey("users.id")),
)


# A rejected row (with its original cells) or a warning about one field of a row.
import_issues = Table(
    "import_issues",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "batch_id",
        Integer,
        ForeignKey("import_batches.id", ondelete="CASCADE"),
        index=True,
        nullable=False,
    ),
    Column("sheet", String(200), nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("severity", String(10), nullable=False),
    Column("field", String(100)),
    Column("message", Text, nullable=False),
    Column("row", JsonType),
)


# An inquiry (poptávka): who asked, about what, who owns it and where it stands.
leads = Table(
    "leads",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(20), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("subject", String(300)),
    Column("product", String(200)),
    Column("region", String(100)),
    # What an unknown sender told us, kept as given until the lead is converted.
    Column("contact_name", String(200)),
    Column("contact_email", String(254)),
    Column("contact_phone", String(40)),
    Column("company_name", String(300)),
    Column("ico", String(8)),
    Column("message", Text),
    Column("company_id", Integer, ForeignKey("companies.id"), index=True),
    Column("person_id", Integer, ForeignKey("persons.id"), index=True),
    Column("owner_id", Integer, ForeignKey("users.id")),
    Column("status", String(20), nullable=False),
    Column("reject_reason", Text),
    Column("campaign", String(200)),
    Column("first_response_at", UtcDateTime()),
    Column("converted_at", UtcDateTime()),
    # No foreign key: deals.lead_id already points here and a cycle breaks table creation.
    Column("deal_id", Integer),
    Column("last_activity_at", UtcDateTime()),
    Column("custom", JsonType, default=dict, nullable=False),
    Column("deleted_at", UtcDateTime()),
    *_stamps(),
    Index("ix_leads_status_received_at", "status", "received_at"),
    Index("ix_leads_owner_id", "owner_id"),
)


# What the reports' covering indexes hold (0010), and the condition of the open one.
OPEN_LIVE = "status = 'open' AND deleted_at IS NULL"
OPEN_REPORT_COLUMNS = (
    "pipeline", "stage", "owner_id", "currency", "value", "probability", "created_at",
    "stage_entered_at", "last_touched_at", "expected_close", "forecast_category",
    "company_id", "status", "deleted_at",
)  # fmt: skip
CLOSED_REPORT_COLUMNS = (
    "closed_at", "status", "currency", "value", "owner_id", "created_at", "pipeline",
    "company_id", "deleted_at",
)  # fmt: skip


# A deal (obchodní případ) moving through the stages of one pipeline.
deals = Table(
    "deals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(300), nullable=False),
    Column("company_id", Integer, ForeignKey("companies.id")),
    Column("pipeline", String(50), nullable=False),
    Column("stage", String(50), nullable=False),
    Column("value", Numeric(14, 2), server_default="0", nullable=False),
    Column("currency", String(3), server_default="CZK", nullable=False),
    # The effective probability 0–100: the stage's unless overridden.
    Column("probability", Integer, nullable=False),
    Column("probability_overridden", Boolean, server_default=text("false"), nullable=False),
    # pipeline | best_case | commit | closed | omitted: the stage's unless overridden.
    Column("forecast_category", String(20), nullable=False),
    Column("forecast_category_overridden", Boolean, server_default=text("false"), nullable=False),
    Column("expected_close", Date),
    Column("owner_id", Integer, ForeignKey("users.id")),
    Column("status", String(10), server_default="open", nullable=False),
    Column("closed_at", UtcDateTime()),
    Column("won_reason", Text),
    Column("lost_reason", Text),
    Column("lead_id", Integer, ForeignKey("leads.id")),
    Column("source", String(20)),
    Column("campaign", String(200)),
    Column("stage_entered_at", UtcDateTime(), nullable=False),
    Column("last_activity_at", UtcDateTime()),
    # Latest of change, activity and stage entry, kept by the services: `idle_days`.
    Column("last_touched_at", UtcDateTime(), nullable=False),
    Column("custom", JsonType, default=dict, nullable=False),
    Column("deleted_at", UtcDateTime()),
    *_stamps(),
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
    Index("ix_deals_last_touched_at", "last_touched_at", "owner_id", "company_id", "deleted_at"),
    Index("ix_deals_expected_close", "expected_close"),
    # The reports' covering indexes (0010): open deals in grouping order with what the
    # pipeline and cash flow read; closed deals by close time; the funnel's cohort.
    partial_index("ix_deals_open_report", *OPEN_REPORT_COLUMNS, where=OPEN_LIVE),
    partial_index("ix_deals_closed_report", *CLOSED_REPORT_COLUMNS, where="closed_at IS NOT NULL"),
    Index("ix_deals_created_at", "created_at"),
    Index("ix_deals_owner_id", "owner_id"),
    Index("ix_deals_company_id", "company_id"),
)


# A person involved in a deal, in a role (decision maker, technical, …).
deal_contacts = Table(
    "deal_contacts",
    metadata,
    Column("deal_id", Integer, ForeignKey("deals.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "person_id",
        Integer,
        ForeignKey("persons.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
    Column("role", String(100)),
)


# One stay of a deal in a stage; ``left_at`` is empty for the current stage.
deal_stage_history = Table(
    "deal_stage_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("deal_id", Integer, ForeignKey("deals.id", ondelete="CASCADE"), nullable=False),
    Column("pipeline", String(50), nullable=False),
    Column("stage", String(50), nullable=False),
    Column("entered_at", UtcDateTime(), nullable=False),
    Column("left_at", UtcDateTime()),
    Column("entered_by_id", Integer, ForeignKey("users.id")),
    # Covering (0015): the reports read a deal's stays (stage at a moment, first entries)
    # from the index alone.
    Index("ix_deal_stage_history_deal_id", "deal_id", "entered_at", "stage", "left_at"),
)


# A task, call or meeting, linked to a company, person, lead or deal.
tasks = Table(
    "tasks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(10), server_default="task", nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body", Text),
    Column("due_at", UtcDateTime()),
    # A due date without a time: ``due_at`` is local midnight, due by the end of that day.
    Column("all_day", Boolean, server_default=text("false"), nullable=False),
    Column("start_at", UtcDateTime()),
    Column("end_at", UtcDateTime()),
    Column("priority", Integer, server_default="2", nullable=False),
    Column("assignee_id", Integer, ForeignKey("users.id")),
    Column("company_id", Integer, ForeignKey("companies.id")),
    Column("person_id", Integer, ForeignKey("persons.id")),
    Column("lead_id", Integer, ForeignKey("leads.id")),
    Column("deal_id", Integer, ForeignKey("deals.id")),
    Column("reminder_at", UtcDateTime()),
    Column("done_at", UtcDateTime()),
    Column("done_note", Text),
    # iCalendar SEQUENCE: bumped on every change so calendars replace the old version.
    Column("sequence", Integer, server_default="0", nullable=False),
    Column("deleted_at", UtcDateTime()),
    *_stamps(),
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


# A call, meeting, note or e-mail that happened (``crmctl log``).
activities = Table(
    "activities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(10), nullable=False),
    Column("subject", String(300)),
    Column("body", Text),
    Column("outcome", String(200)),
    Column("duration_minutes", Integer),
    Column("attendees", JsonType, default=list, nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    # The local calendar day (configured zone) it happened on: reports group by its month.
    Column("occurred_on", Date, nullable=False),
    Column("first_contact", String(10)),  # call | meeting
    Column("company_id", Integer, ForeignKey("companies.id")),
    Column("person_id", Integer, ForeignKey("persons.id")),
    Column("lead_id", Integer, ForeignKey("leads.id")),
    Column("deal_id", Integer, ForeignKey("deals.id")),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by_id", Integer, ForeignKey("users.id")),
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


# An attached file; its content lives in the document store under its SHA-256.
documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("file_name", String(500), nullable=False),
    Column("media_type", String(200)),
    Column("company_id", Integer, ForeignKey("companies.id")),
    Column("person_id", Integer, ForeignKey("persons.id")),
    Column("deal_id", Integer, ForeignKey("deals.id")),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by_id", Integer, ForeignKey("users.id")),
    Column("deleted_at", UtcDateTime()),
    Index("ix_documents_sha256", "sha256"),
    Index("ix_documents_company_id", "company_id"),
    Index("ix_documents_person_id", "person_id"),
    Index("ix_documents_deal_id", "deal_id"),
)


# Facts about this installation, e.g. ``install_id`` (calendar UIDs derive from it).
crm_meta = Table(
    "crm_meta",
    metadata,
    Column("key", String(50), primary_key=True),
    Column("value", Text, nullable=False),
)


# A stored report result (`report forecast --snapshot NAME`) to compare against later.
report_snapshots = Table(
    "report_snapshots",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), unique=True, nullable=False),
    Column("report", String(40), nullable=False),
    Column("params", JsonType, default=dict, nullable=False),
    Column("rows", JsonType, default=list, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by_id", Integer, ForeignKey("users.id")),
)


# --- workflows (issue 6) ----------------------------------------------------------------
# One rule fired (or tried to) for one record and one trigger: the exactly-once key.
#
# ``trigger_key`` is ``event:<id>`` for event rules and the window (``2026-03-10``,
# ``once``, ``expected_close=2026-04-01``) for time rules; the unique constraint is what
# makes a second runner's attempt roll back.
workflow_firings = Table(
    "workflow_firings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("rule_id", String(100), nullable=False),
    Column("entity_type", String(20), nullable=False),
    Column("entity_id", Integer, nullable=False),
    Column("trigger_key", String(120), nullable=False),
    Column("event_id", Integer),
    Column("depth", Integer, server_default="0", nullable=False),
    # done | failed (will be retried) | dead (gave up) | cut (loop depth limit)
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, server_default="1", nullable=False),
    Column("error", Text),
    Column("next_attempt_at", UtcDateTime()),
    Column("fired_at", UtcDateTime(), nullable=False),
    Column("summary", JsonType, default=list, nullable=False),
    UniqueConstraint(
        "rule_id", "entity_type", "entity_id", "trigger_key", name="uq_workflow_firings_key"
    ),
    Index("ix_workflow_firings_entity", "entity_type", "entity_id"),
    Index("ix_workflow_firings_status", "status", "next_attempt_at"),
)


# Small named counters: the event cursor, round-robin positions.
workflow_state = Table(
    "workflow_state",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("value", BigInteger, server_default="0", nullable=False),
)


# An in-app inbox entry for one user.
notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("entity_type", String(20)),
    Column("entity_id", Integer),
    Column("subject", String(300), nullable=False),
    Column("body", Text, default="", nullable=False),
    Column("rule_id", String(100)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("read_at", UtcDateTime()),
    Index("ix_notifications_user_id", "user_id", "read_at"),
)


# The outbox: one e-mail or webhook POST to send, with retries and backoff.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("channel", String(10), nullable=False),  # email | webhook
    Column("target", String(500), nullable=False),
    Column("subject", String(300)),
    Column("body", Text),
    Column("payload", JsonType, default=dict, nullable=False),
    Column("rule_id", String(100)),
    Column("entity_type", String(20)),
    Column("entity_id", Integer),
    # pending | sending (claimed until lease_until) | attempting (being sent) | sent | dead
    # | uncertain (maybe received, never resent by itself; `workflows resend ID`)
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, server_default="0", nullable=False),
    Column("last_error", Text),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("lease_until", UtcDateTime()),
    Column("claim_token", String(40)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime()),
    Index("ix_deliveries_status", "status", "next_attempt_at"),
)


# A request for a decision (e.g. a discount over the limit), and the decision.
approvals = Table(
    "approvals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("entity_type", String(20), nullable=False),
    Column("entity_id", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("approver_id", Integer, ForeignKey("users.id")),
    Column("approver_role", String(20)),
    # Stage moves of the deal wait while the approval is pending.
    Column("blocks_moves", Boolean, server_default=text("true"), nullable=False),
    Column("status", String(10), nullable=False),  # pending | approved | rejected
    Column("rule_id", String(100)),
    Column("requested_at", UtcDateTime(), nullable=False),
    Column("decided_at", UtcDateTime()),
    Column("decided_by_id", Integer, ForeignKey("users.id")),
    Column("note", Text),
    Index("ix_approvals_entity", "entity_type", "entity_id", "status"),
)


# One running (or stopped) `crmctl daemon`, so `daemon status` can tell.
daemon_heartbeats = Table(
    "daemon_heartbeats",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("host", String(200), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("beat_at", UtcDateTime(), nullable=False),
    Column("stopped_at", UtcDateTime()),
    Column("firings", Integer, server_default="0", nullable=False),
)


# One GDPR consent decision; the current one per person and purpose is not superseded.
consents = Table(
    "consents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("persons.id", ondelete="CASCADE"), nullable=False),
    Column("purpose", String(100), nullable=False),
    Column("granted", Boolean, nullable=False),
    Column("basis", String(30), nullable=False),  # consent | contract | legitimate-interest
    Column("source", String(200), nullable=False),
    Column("evidence", Text),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor_id", Integer, ForeignKey("users.id")),
    Column("superseded_at", UtcDateTime()),
    Index("ix_consents_person_purpose", "person_id", "purpose"),
    partial_index(
        "uq_consents_current",
        "person_id",
        "purpose",
        where="superseded_at IS NULL",
        unique=True,
    ),
)


# The effective policy, copied by `crmctl policy install` for row-level security.
policy_rules = Table(
    "policy_rules",
    metadata,
    Column("role", String(64), primary_key=True),
    Column("entity", String(20), primary_key=True),
    Column("read", String(12), nullable=False),
    Column("write", String(12), nullable=False),
    Column("limited", String(12)),
)
