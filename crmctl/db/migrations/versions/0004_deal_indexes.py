"""Deal forecast and batch-update indexes (issue 4 performance).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reserved so parallel work can chain its schema changes; filled in by its issue.
    pass


def downgrade() -> None:
    pass
