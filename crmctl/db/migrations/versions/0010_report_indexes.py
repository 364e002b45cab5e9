"""Indexes for the analytical reports (issue 17), measured on 1,000,000 deals.

- ``ix_deals_open_report``: open, live deals with every column the pipeline and the
  cash flow read, in grouping order (pipeline, stage, owner, currency). A partial
  covering index: SQLite scans it instead of the wide table rows (titles, JSON) and
  groups without a temporary B-tree. Queries name ``status = 'open' AND deleted_at IS
  NULL`` literally so that both databases can use it.
- ``ix_deals_closed_report``: closed deals by close time with what win rate, the sales
  cycle and the committed cash read, so "closed in the period" is an index range.
- ``ix_deals_created_at``: the funnel's cohort (deals created in the period).
- ``ix_events_kind_at`` (replaces ``ix_events_kind``, whose lookups it serves too) and
  ``ix_events_at``: ``report pipeline --as-of DAY`` reads the value changes after that
  day and the events of the eleven days before it, ranges of time in an append-only log.

Revision ID: 0010
Revises: 0009 (0009 is issue 17's targets table, made in parallel; re-chained at merge)
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

OPEN = "status = 'open' AND deleted_at IS NULL"
OPEN_COLUMNS = [
    "pipeline", "stage", "owner_id", "currency", "value", "probability", "created_at",
    "stage_entered_at", "last_touched_at", "expected_close", "forecast_category",
    "company_id", "status", "deleted_at",
]  # fmt: skip
CLOSED = "closed_at IS NOT NULL"
CLOSED_COLUMNS = [
    "closed_at", "status", "currency", "value", "owner_id", "created_at", "pipeline",
    "company_id", "deleted_at",
]  # fmt: skip


def _partial(name: str, table: str, columns: list[str], where: str) -> None:
    op.create_index(
        name, table, columns, sqlite_where=sa.text(where), postgresql_where=sa.text(where)
    )


def upgrade() -> None:
    _partial("ix_deals_open_report", "deals", OPEN_COLUMNS, OPEN)
    _partial("ix_deals_closed_report", "deals", CLOSED_COLUMNS, CLOSED)
    op.create_index("ix_deals_created_at", "deals", ["created_at"])
    op.drop_index("ix_events_kind", table_name="events")
    op.create_index("ix_events_kind_at", "events", ["kind", "at"])
    op.create_index("ix_events_at", "events", ["at"])


def downgrade() -> None:
    op.drop_index("ix_events_at", table_name="events")
    op.drop_index("ix_events_kind_at", table_name="events")
    op.create_index("ix_events_kind", "events", ["kind"])
    op.drop_index("ix_deals_created_at", table_name="deals")
    op.drop_index("ix_deals_closed_report", table_name="deals")
    op.drop_index("ix_deals_open_report", table_name="deals")
