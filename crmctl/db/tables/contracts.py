"""Services and contracts, account plans and their stakeholders (issue 19)."""

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

# The tables this module's foreign keys point to (crmctl.db.tables loads on first use).
import crmctl.db.tables.campaigns
import crmctl.db.tables.contacts
import crmctl.db.tables.users  # noqa: F401
from crmctl.db.tables.base import metadata, stamps
from crmctl.db.tables.work import tasks

# What a customer has: our contract, a competitor's contract (to win at its end) or a
# one-time purchase. ``notice_on`` (ends_on minus notice_days) is stored, not computed,
# so renewal rules and `services expiring` read it through an index like ends_on.
services = Table(
    "services",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("company_id", Integer, ForeignKey("companies.id"), nullable=False),
    Column("product_id", Integer, ForeignKey("products.id")),
    Column("name", String(200), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("starts_on", Date),
    Column("ends_on", Date),
    Column("notice_days", Integer),
    Column("notice_on", Date),
    Column("value", Numeric(14, 2)),
    Column("currency", String(3), server_default="CZK", nullable=False),
    Column("billing", String(10)),
    Column("provider", String(200)),
    Column("serial", String(200)),
    Column("note", Text),
    Column("deal_id", Integer, ForeignKey("deals.id")),
    *stamps(),
    # `services expiring`: one range of end dates, read in (ends_on, id) order as listed
    # (purchases have no end date: not in the index range at all).
    Index("ix_services_ends_on", "ends_on"),
    Index("ix_services_company_id", "company_id"),
)
# `services expiring` on SQLite (0017): the contracts with an end date in (ends_on, id)
# order with every column the listing shows, so a range is read from the index alone
# instead of one table lookup per row. Not on PostgreSQL: a B-tree entry there must fit
# in a third of a page, and a long note would make the insert fail.
EXPIRING_COLUMNS = (
    "ends_on", "id", "kind", "company_id", "product_id", "name", "starts_on", "notice_days",
    "notice_on", "value", "currency", "billing", "provider", "serial", "note", "deal_id",
    "created_at", "updated_at", "created_by_id",
)  # fmt: skip
Index(
    "ix_services_expiring",
    *(services.c[name] for name in EXPIRING_COLUMNS),
    sqlite_where=text("ends_on IS NOT NULL"),
).ddl_if(dialect="sqlite")

# An account plan: one company, one period (a year), a goal and a target value.
account_plans = Table(
    "account_plans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("company_id", Integer, ForeignKey("companies.id"), nullable=False),
    Column("period", String(10), nullable=False),
    Column("goal", Text),
    Column("target_value", Numeric(14, 2)),
    Column("currency", String(3), server_default="CZK", nullable=False),
    Column("owner_id", Integer, ForeignKey("users.id")),
    *stamps(),
    UniqueConstraint("company_id", "period"),
)

# Who decides at the customer, and how they stand towards us.
plan_stakeholders = Table(
    "plan_stakeholders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", Integer, ForeignKey("account_plans.id"), nullable=False),
    Column("person_id", Integer, ForeignKey("persons.id"), nullable=False),
    Column("role", String(20), nullable=False),
    Column("attitude", String(12), nullable=False),
    *stamps(),
    UniqueConstraint("plan_id", "person_id"),
)

# A plan's planned actions are tasks linked to it.
tasks.append_column(Column("plan_id", Integer, ForeignKey("account_plans.id")))
Index("ix_tasks_plan_id", tasks.c.plan_id)
