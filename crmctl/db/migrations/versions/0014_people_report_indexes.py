"""Indexes for lead response, performance and commissions (issue 17), measured on
1,000,000 leads and deals and 5,000,000 events.

- ``ix_leads_received_report``: live leads by receipt time with every column the report
  groups and counts by (owner, source, campaign, status, first response, stored business
  minutes). A partial covering index: "received in the period" is an index range and
  SQLite counts without reading the wide lead rows (messages, JSON). Queries name
  ``deleted_at IS NULL`` literally so that both databases can use it.

- ``ix_events_owner_changes``: the few updates that changed an owner, by time.
  Performance and commissions credit a deal to its owner when it closed; a reassignment
  after the close is found by reading the owner changes since the period began instead
  of every update event of every closed deal. Its condition is named literally too, and
  the kind is tested as ``kind || ''`` so that SQLite, which has no statistics for an
  index this small, cannot prefer ``ix_events_kind_at`` (every update of the period).
- ``ix_deals_created_report``: deals by creation time with what performance counts and
  the need-to-know filter reads ("new deals in the period" without the deal rows).

Closed deals are read through ``ix_deals_closed_report`` (0010).

Revision ID: 0014
Revises: 0010 (the head on branch i17-speed; re-chained at merge)
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

LIVE = "deleted_at IS NULL"
OWNER_CHANGES = "CAST(payload AS TEXT) LIKE '%\"owner\"%'"
CREATED_COLUMNS = ["created_at", "owner_id", "currency", "company_id", "deleted_at"]
RECEIVED_COLUMNS = [
    "received_at", "owner_id", "source", "campaign", "status", "first_response_at",
    "response_business_minutes",
]  # fmt: skip


def upgrade() -> None:
    op.create_index(
        "ix_leads_received_report",
        "leads",
        RECEIVED_COLUMNS,
        sqlite_where=sa.text(LIVE),
        postgresql_where=sa.text(LIVE),
    )
    op.create_index(
        "ix_events_owner_changes",
        "events",
        ["at", "entity_id"],
        sqlite_where=sa.text(OWNER_CHANGES),
        postgresql_where=sa.text(OWNER_CHANGES),
    )
    op.create_index("ix_deals_created_report", "deals", CREATED_COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_deals_created_report", table_name="deals")
    op.drop_index("ix_events_owner_changes", table_name="events")
    op.drop_index("ix_leads_received_report", table_name="leads")
