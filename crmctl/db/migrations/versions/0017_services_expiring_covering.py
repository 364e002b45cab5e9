"""`services expiring` reads its range from one covering index on SQLite (issue 19 bench).

``ix_services_expiring`` holds the contracts with an end date (partial: ``ends_on IS NOT
NULL``) in (ends_on, id) order, the listed order, with every column the listing shows, so
the 90 days of 1,000,000 services (17,090 rows) are read from the index alone instead of
one table lookup per row: on bench/services.py the query's CPU 75 → 43 ms. SQLite only:
on PostgreSQL a B-tree entry must fit in a third of a page and a long note would make the
insert fail; there ``ix_services_ends_on`` stays the way in.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

NAME = "ix_services_expiring"
COLUMNS = [
    "ends_on", "id", "kind", "company_id", "product_id", "name", "starts_on", "notice_days",
    "notice_on", "value", "currency", "billing", "provider", "serial", "note", "deal_id",
    "created_at", "updated_at", "created_by_id",
]  # fmt: skip


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.create_index(NAME, "services", COLUMNS, sqlite_where=sa.text("ends_on IS NOT NULL"))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.drop_index(NAME, table_name="services")
