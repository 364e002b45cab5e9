"""GDPR consents and the access policy's rules."""

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

# The tables this module's foreign keys point to (crmctl.db.tables loads on first use).
import crmctl.db.tables.contacts
import crmctl.db.tables.users  # noqa: F401
from crmctl.db.tables.base import UtcDateTime, metadata, partial_index

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
