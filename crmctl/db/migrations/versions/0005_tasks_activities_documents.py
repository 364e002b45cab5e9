"""Tasks, activities and documents (issue 5).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reserved so parallel work can chain its schema changes; filled in by its issue.
    pass


def downgrade() -> None:
    pass
