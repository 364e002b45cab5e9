"""Index for ``report lead-response`` (issue 17), measured on 1,000,000 leads.

- ``ix_leads_received_report``: live leads by receipt time with every column the report
  groups and counts by (owner, source, campaign, status, first response, stored business
  minutes). A partial covering index: "received in the period" is an index range and
  SQLite counts without reading the wide lead rows (messages, JSON). Queries name
  ``deleted_at IS NULL`` literally so that both databases can use it.

Performance and commissions read closed deals through ``ix_deals_closed_report`` and new
deals through ``ix_deals_created_at`` (0010), so they need no index of their own.

Revision ID: 0014
Revises: 0010 (the head on branch i17-speed; re-chained at merge)
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0010"
branch_labels = None
depends_on = None

LIVE = "deleted_at IS NULL"
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


def downgrade() -> None:
    op.drop_index("ix_leads_received_report", table_name="leads")
