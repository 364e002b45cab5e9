"""Tasks, activities and documents."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    text,
)

# The tables this module's foreign keys point to (crmctl.db.tables loads on first use).
import crmctl.db.tables.contacts
import crmctl.db.tables.sales
import crmctl.db.tables.users  # noqa: F401
from crmctl.db.tables.base import JsonType, UtcDateTime, metadata, partial_index, stamps

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
    *stamps(),
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
