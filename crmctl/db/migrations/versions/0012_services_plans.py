"""Services, contracts and sales records; account plans, their stakeholders and actions.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _stamps(table: str) -> list[sa.SchemaItem]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        *(
            sa.ForeignKeyConstraint([c], ["users.id"], name=op.f(f"fk_{table}_{c}_users"))
            for c in ("created_by_id", "updated_by_id")
        ),
    ]


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("notice_days", sa.Integer(), nullable=True),
        sa.Column("notice_on", sa.Date(), nullable=True),
        sa.Column("value", sa.Numeric(14, 2), nullable=True),
        sa.Column("currency", sa.String(length=3), server_default="CZK", nullable=False),
        sa.Column("billing", sa.String(length=10), nullable=True),
        sa.Column("provider", sa.String(length=200), nullable=True),
        sa.Column("serial", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("deal_id", sa.Integer(), nullable=True),
        *_stamps("services"),
        _fk("services", "company_id", "companies"),
        _fk("services", "product_id", "products"),
        _fk("services", "deal_id", "deals"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
    )
    op.create_index("ix_services_ends_on", "services", ["ends_on"])
    op.create_index("ix_services_company_id", "services", ["company_id"])
    op.create_table(
        "account_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("goal", sa.Text(), nullable=True),
        sa.Column("target_value", sa.Numeric(14, 2), nullable=True),
        sa.Column("currency", sa.String(length=3), server_default="CZK", nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        *_stamps("account_plans"),
        _fk("account_plans", "company_id", "companies"),
        _fk("account_plans", "owner_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_plans")),
        sa.UniqueConstraint("company_id", "period", name=op.f("uq_account_plans_company_id")),
    )
    op.create_table(
        "plan_stakeholders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("attitude", sa.String(length=12), nullable=False),
        *_stamps("plan_stakeholders"),
        _fk("plan_stakeholders", "plan_id", "account_plans"),
        _fk("plan_stakeholders", "person_id", "persons"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_stakeholders")),
        sa.UniqueConstraint("plan_id", "person_id", name=op.f("uq_plan_stakeholders_plan_id")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_tasks_plan_id_account_plans"), "account_plans", ["plan_id"], ["id"]
        )
        batch_op.create_index("ix_tasks_plan_id", ["plan_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_plan_id")
        batch_op.drop_constraint(op.f("fk_tasks_plan_id_account_plans"), type_="foreignkey")
        batch_op.drop_column("plan_id")
    op.drop_table("plan_stakeholders")
    op.drop_table("account_plans")
    op.drop_index("ix_services_company_id", table_name="services")
    op.drop_index("ix_services_ends_on", table_name="services")
    op.drop_table("services")
