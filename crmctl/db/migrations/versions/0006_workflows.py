"""Workflow firings, notifications, approvals and the delivery outbox (issue 6).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
stamp = sa.DateTime(timezone=True)

# A statement-level trigger wakes `crmctl daemon` (LISTEN crm_events) once per commit
# that wrote events, without a round trip per event in the writers.
NOTIFY_FUNCTION = """
CREATE OR REPLACE FUNCTION crm_notify_events() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('crm_events', '');
  RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""
NOTIFY_TRIGGER = """
CREATE TRIGGER events_notify AFTER INSERT ON events
FOR EACH STATEMENT EXECUTE FUNCTION crm_notify_events()
"""


def upgrade() -> None:
    op.create_table(
        "workflow_firings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=100), nullable=False),
        sa.Column("entity_type", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("trigger_key", sa.String(length=120), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("depth", sa.Integer(), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="1", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", stamp, nullable=True),
        sa.Column("fired_at", stamp, nullable=False),
        sa.Column("summary", json_type, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflow_firings")),
        sa.UniqueConstraint(
            "rule_id", "entity_type", "entity_id", "trigger_key", name="uq_workflow_firings_key"
        ),
    )
    op.create_index("ix_workflow_firings_entity", "workflow_firings", ["entity_type", "entity_id"])
    op.create_index("ix_workflow_firings_status", "workflow_firings", ["status", "next_attempt_at"])
    op.create_table(
        "workflow_state",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("value", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_workflow_state")),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("entity_type", sa.String(length=20), nullable=True),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("rule_id", sa.String(length=100), nullable=True),
        sa.Column("created_at", stamp, nullable=False),
        sa.Column("read_at", stamp, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index("ix_notifications_user_id", "notifications", ["user_id", "read_at"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("target", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("payload", json_type, nullable=False),
        sa.Column("rule_id", sa.String(length=100), nullable=True),
        sa.Column("entity_type", sa.String(length=20), nullable=True),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", stamp, nullable=False),
        sa.Column("lease_until", stamp, nullable=True),
        sa.Column("claim_token", sa.String(length=40), nullable=True),
        sa.Column("created_at", stamp, nullable=False),
        sa.Column("sent_at", stamp, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
    )
    op.create_index("ix_deliveries_status", "deliveries", ["status", "next_attempt_at"])
    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_type", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("approver_id", sa.Integer(), nullable=True),
        sa.Column("approver_role", sa.String(length=20), nullable=True),
        sa.Column("blocks_moves", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("rule_id", sa.String(length=100), nullable=True),
        sa.Column("requested_at", stamp, nullable=False),
        sa.Column("decided_at", stamp, nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["approver_id"], ["users.id"], name=op.f("fk_approvals_approver_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_approvals_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approvals")),
    )
    op.create_index("ix_approvals_entity", "approvals", ["entity_type", "entity_id", "status"])
    op.create_table(
        "daemon_heartbeats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", stamp, nullable=False),
        sa.Column("beat_at", stamp, nullable=False),
        sa.Column("stopped_at", stamp, nullable=True),
        sa.Column("firings", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_daemon_heartbeats")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(NOTIFY_FUNCTION)
        op.execute(NOTIFY_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS events_notify ON events")
        op.execute("DROP FUNCTION IF EXISTS crm_notify_events()")
    op.drop_table("daemon_heartbeats")
    op.drop_index("ix_approvals_entity", table_name="approvals")
    op.drop_table("approvals")
    op.drop_index("ix_deliveries_status", table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_index("ix_notifications_user_id", table_name="notifications")
    op.drop_table("notifications")
    op.drop_table("workflow_state")
    op.drop_index("ix_workflow_firings_status", table_name="workflow_firings")
    op.drop_index("ix_workflow_firings_entity", table_name="workflow_firings")
    op.drop_table("workflow_firings")
