"""Workflow firings, notifications, approvals and the delivery outbox (issue 6).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reserved so parallel work can chain its schema changes; filled in by its issue.
    pass


def downgrade() -> None:
    pass
