"""Permissions, audit and GDPR consents (issue 7).

Consents are kept as a history: a grant or withdrawal supersedes the person's current
record for that purpose, so ``superseded_at IS NULL`` marks the current state. Erased
persons are marked, and a crmctl user may be mapped to its own PostgreSQL role.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=100), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("basis", sa.String(length=30), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_consents_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_consents_actor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index("ix_consents_person_purpose", ["person_id", "purpose"], unique=False)
        batch_op.create_index(
            "uq_consents_current",
            ["person_id", "purpose"],
            unique=True,
            sqlite_where=sa.text("superseded_at IS NULL"),
            postgresql_where=sa.text("superseded_at IS NULL"),
        )
    # The effective policy as `crmctl policy install` last wrote it, for PostgreSQL's
    # row-level security functions (crmctl itself reads crmctl.yaml).
    op.create_table(
        "policy_rules",
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("read", sa.String(length=12), nullable=False),
        sa.Column("write", sa.String(length=12), nullable=False),
        sa.Column("limited", sa.String(length=12), nullable=True),
        sa.PrimaryKeyConstraint("role", "entity", name=op.f("pk_policy_rules")),
    )
    op.add_column("persons", sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("users", sa.Column("db_role", sa.String(length=63), nullable=True))
    op.create_index("uq_users_db_role", "users", ["db_role"], unique=True)
    _install_triggers()


# The audit trail cannot be rewritten: who, when, what and about which record are fixed
# and no event is deleted. Only the payload may change — `gdpr erase` anonymises it.
FIXED_COLUMNS = "at, actor_id, entity_type, entity_id, kind, import_batch_id"
SQLITE_TRIGGERS = (
    "CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN "
    "SELECT RAISE(ABORT, 'events are append-only: they cannot be deleted'); END",
    f"CREATE TRIGGER events_fixed_columns BEFORE UPDATE OF {FIXED_COLUMNS} ON events BEGIN "
    "SELECT RAISE(ABORT, 'events are append-only: only a payload may be anonymised'); END",
)
POSTGRES_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION crm_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'events are append-only: % is not allowed', TG_OP; END $$",
    "CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
    "FOR EACH ROW EXECUTE FUNCTION crm_events_append_only()",
    f"CREATE TRIGGER events_fixed_columns BEFORE UPDATE OF {FIXED_COLUMNS} ON events "
    "FOR EACH ROW EXECUTE FUNCTION crm_events_append_only()",
)


def _install_triggers() -> None:
    statements = (
        POSTGRES_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS
    )
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS events_no_delete" + _on_events())
    op.execute("DROP TRIGGER IF EXISTS events_fixed_columns" + _on_events())
    op.drop_index("uq_users_db_role", table_name="users")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("db_role")
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
    op.drop_table("policy_rules")
    op.drop_table("consents")


def _on_events() -> str:
    return " ON events" if op.get_bind().dialect.name == "postgresql" else ""
