"""Indexes for the analytical reports (issue 17).

``ix_events_at``: ``report pipeline --as-of DAY`` reads the events after that day (the
first value change of each deal since) and the events of the eleven days before it
(idle deals) — ranges of time in an append-only log of millions of rows, which without
this index were full scans. ``ix_deals_closed_at``: win rate, the sales cycle and the
committed column of the cash flow read the deals closed in a period.

Revision ID: 0010
Revises: 0009 (0009 is issue 17's targets table, made in parallel; re-chained at merge)
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_at", "events", ["at"])
    op.create_index("ix_deals_closed_at", "deals", ["closed_at"])


def downgrade() -> None:
    op.drop_index("ix_deals_closed_at", table_name="deals")
    op.drop_index("ix_events_at", table_name="events")
