"""Tasks, activities and documents (issue 5).

Tasks get an all-day flag (a due date without a time is due by the end of that local
day), an iCalendar SEQUENCE and an index for open tasks per assignee (``tasks overdue``).
Activities record calls, meetings, notes and e-mails; documents keep attachments by
SHA-256. ``crm_meta`` holds this installation's id, from which calendar UIDs derive.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
OPEN_TASK = "done_at IS NULL AND deleted_at IS NULL"


def upgrade() -> None:
    meta = op.create_table(
        "crm_meta",
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_crm_meta")),
    )
    # Generated once per database: re-exported calendars keep their UIDs.
    op.bulk_insert(meta, [{"key": "install_id", "value": uuid.uuid4().hex}])

    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("all_day", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
        batch_op.add_column(sa.Column("sequence", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_index(
            "ix_tasks_open_assignee_due",
            ["assignee_id", "due_at"],
            unique=False,
            sqlite_where=sa.text(OPEN_TASK),
            postgresql_where=sa.text(OPEN_TASK),
        )
        batch_op.create_index("ix_tasks_deal_id", ["deal_id"], unique=False)

    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=200), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("attendees", json_type, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("first_contact", sa.String(length=10), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("deal_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_activities_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_activities_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.id"], name=op.f("fk_activities_deal_id_deals")
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_activities_lead_id_leads")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_activities_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index("ix_activities_company_id", ["company_id"], unique=False)
        batch_op.create_index("ix_activities_person_id", ["person_id"], unique=False)
        batch_op.create_index("ix_activities_lead_id", ["lead_id"], unique=False)
        batch_op.create_index("ix_activities_deal_id", ["deal_id"], unique=False)
        # At most one first call and one first meeting per customer, also under races.
        batch_op.create_index(
            "uq_activities_first_contact",
            ["company_id", "first_contact"],
            unique=True,
            sqlite_where=sa.text("first_contact IS NOT NULL"),
            postgresql_where=sa.text("first_contact IS NOT NULL"),
        )

    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("media_type", sa.String(length=200), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("deal_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_documents_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_documents_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], name=op.f("fk_documents_deal_id_deals")),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_documents_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index("ix_documents_sha256", ["sha256"], unique=False)
        batch_op.create_index("ix_documents_company_id", ["company_id"], unique=False)
        batch_op.create_index("ix_documents_person_id", ["person_id"], unique=False)
        batch_op.create_index("ix_documents_deal_id", ["deal_id"], unique=False)


def downgrade() -> None:
    op.drop_table("documents")
    op.drop_table("activities")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_deal_id")
        batch_op.drop_index(
            "ix_tasks_open_assignee_due",
            sqlite_where=sa.text(OPEN_TASK),
            postgresql_where=sa.text(OPEN_TASK),
        )
        batch_op.drop_column("sequence")
        batch_op.drop_column("all_day")
    op.drop_table("crm_meta")
