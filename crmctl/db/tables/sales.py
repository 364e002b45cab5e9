"""Leads, deals, the contacts of a deal and its stage history."""

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    text,
)

# The tables this module's foreign keys point to (crmctl.db.tables loads on first use).
import crmctl.db.tables.contacts
import crmctl.db.tables.users  # noqa: F401
from crmctl.db.tables.base import JsonType, UtcDateTime, metadata, partial_index, stamps

# An inquiry (poptávka): who asked, about what, who owns it and where it stands.
# What lead response's covering index holds (0014).
LEAD_RESPONSE_COLUMNS = (
    "received_at", "owner_id", "source", "campaign", "status", "first_response_at",
    "response_business_minutes",
)  # fmt: skip

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
    # Business minutes from received to first response, kept by the lead service (0009).
    Column("response_business_minutes", Integer),
    Column("converted_at", UtcDateTime()),
    # No foreign key: deals.lead_id already points here and a cycle breaks table creation.
    Column("deal_id", Integer),
    Column("last_activity_at", UtcDateTime()),
    Column("custom", JsonType, default=dict, nullable=False),
    Column("deleted_at", UtcDateTime()),
    *stamps(),
    Index("ix_leads_status_received_at", "status", "received_at"),
    Index("ix_leads_owner_id", "owner_id"),
    # Lead response's covering index (0014): live leads received in a period, with what
    # the report groups and counts by.
    partial_index("ix_leads_received_report", *LEAD_RESPONSE_COLUMNS, where="deleted_at IS NULL"),
)


# A deal (obchodní případ) moving through the stages of one pipeline.
# What the reports' covering indexes hold (0010), and the condition of the open one.
OPEN_LIVE = "status = 'open' AND deleted_at IS NULL"
OPEN_REPORT_COLUMNS = (
    "pipeline", "stage", "owner_id", "currency", "value", "probability", "created_at",
    "stage_entered_at", "last_touched_at", "expected_close", "forecast_category",
    "company_id", "status", "deleted_at",
)  # fmt: skip
FORECAST_COLUMNS = (
    "expected_close", "status", "forecast_category", "deleted_at", "owner_id", "currency",
    "value", "probability", "company_id", "pipeline", "stage",
)  # fmt: skip
CLOSED_REPORT_COLUMNS = (
    "closed_at", "status", "currency", "value", "owner_id", "created_at", "pipeline",
    "company_id", "deleted_at",
)  # fmt: skip


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
    *stamps(),
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
    # Covering (0016): the forecast (a range of expected close, not lost, not omitted,
    # summed per day, owner and currency, or stage or pipeline) reads the index alone.
    Index("ix_deals_expected_close", *FORECAST_COLUMNS),
    # The reports' covering indexes (0010): open deals in grouping order with what the
    # pipeline and cash flow read; closed deals by close time; the funnel's cohort.
    partial_index("ix_deals_open_report", *OPEN_REPORT_COLUMNS, where=OPEN_LIVE),
    partial_index("ix_deals_closed_report", *CLOSED_REPORT_COLUMNS, where="closed_at IS NOT NULL"),
    Index("ix_deals_created_at", "created_at"),
    # New deals in a period with what performance counts and the filter reads (0014).
    Index(
        "ix_deals_created_report", "created_at", "owner_id", "currency", "company_id", "deleted_at"
    ),
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
