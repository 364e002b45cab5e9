"""E-mail as an entity (issue 18): messages, their pairings, attachments, IMAP state.

Chained after 0008 on this branch; the coordinator re-chains it after the other
branches' migrations at merge.

Revision ID: 0013
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("message_id", sa.String(500), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("from_address", sa.String(320), nullable=True),
        sa.Column("from_name", sa.String(300), nullable=True),
        sa.Column("to_addresses", json_type, nullable=False),
        sa.Column("cc_addresses", json_type, nullable=False),
        sa.Column("sent_at", stamp, nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("in_reply_to", sa.String(500), nullable=True),
        sa.Column("reference_ids", json_type, nullable=False),
        sa.Column("thread_key", sa.String(500), nullable=False),
        sa.Column("mailbox", sa.String(200), nullable=True),
        sa.Column("source", sa.String(1000), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("skipped_attachments", json_type, nullable=False),
        sa.Column("unpaired_reason", sa.Text(), nullable=True),
        sa.Column("misses", json_type, nullable=False),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", stamp, nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("deleted_at", stamp, nullable=True),
    )
    op.create_index("uq_messages_message_id", "messages", ["message_id"], unique=True)
    op.create_index("ix_messages_thread_key", "messages", ["thread_key"])
    op.create_index("ix_messages_sent_at", "messages", ["sent_at"])
    op.create_table(
        "message_pairings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "message_id",
            sa.Integer(),
            sa.ForeignKey("messages.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("entity_type", sa.String(20), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", stamp, nullable=False),
    )
    op.create_index(
        "uq_message_pairings",
        "message_pairings",
        ["message_id", "entity_type", "entity_id"],
        unique=True,
    )
    op.create_index("ix_message_pairings_entity", "message_pairings", ["entity_type", "entity_id"])
    op.create_table(
        "message_attachments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "message_id",
            sa.Integer(),
            sa.ForeignKey("messages.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), nullable=False),
    )
    op.create_index("ix_message_attachments_message_id", "message_attachments", ["message_id"])
    op.create_table(
        "mail_sync_state",
        sa.Column("mailbox", sa.String(500), primary_key=True),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.Column("synced_at", stamp, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("mail_sync_state")
    op.drop_table("message_attachments")
    op.drop_table("message_pairings")
    op.drop_table("messages")
