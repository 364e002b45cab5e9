"""Permissions, audit and GDPR consents (issue 7).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reserved so parallel work can chain its schema changes; filled in by its issue.
    pass


def downgrade() -> None:
    pass
