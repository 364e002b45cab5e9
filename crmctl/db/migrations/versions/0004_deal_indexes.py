"""Deal indexes for batch updates and the forecast (issue 4 performance).

Every change of a deal rewrites ``last_touched_at`` (and a batch update usually changes
probability, owner, value or expected close), so each index on those columns is paid
for by every changed row: on SQLite by seeking and rewriting its entries, on PostgreSQL
by a new entry in every index of the table (a changed indexed column makes the update
non-HOT). Measured with ``bench/deals.py`` (1M deals, 100,000 changed):

- ``ix_deals_last_touched_at`` goes: ``(stage, last_touched_at)`` serves the idle-deal
  lists (``stage = X and idle_days > N``, most idle first).
- ``ix_deals_expected_close`` goes: SQLite chose it for the forecast's GROUP BY and then
  fetched every deal by rowid, slower than reading the table in order; a covering
  forecast index (expected close, owner, currency, status, category, deleted, value,
  probability) made the forecast 5× faster but added about 1.3 s of CPU to each 100,000-deal
  probability update, so the forecast instead groups per day without an index.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_deals_last_touched_at", table_name="deals")
    op.drop_index("ix_deals_expected_close", table_name="deals")


def downgrade() -> None:
    op.create_index("ix_deals_expected_close", "deals", ["expected_close"], unique=False)
    op.create_index("ix_deals_last_touched_at", "deals", ["last_touched_at"], unique=False)
