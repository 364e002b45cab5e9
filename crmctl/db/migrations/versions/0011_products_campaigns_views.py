"""Products, campaigns and saved views (issue 19).

Leads and deals refer to their campaign and product by id. The free-text ``campaign``
they had becomes one campaign record per distinct name, and the text stays as it was
(filters and JSON that read ``campaign`` keep working).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _user_fks(table: str) -> list[sa.ForeignKeyConstraint]:
    return [
        sa.ForeignKeyConstraint([column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"))
        for column in ("created_by_id", "updated_by_id")
    ]


def _plain_stamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column("list_price", sa.Numeric(14, 2), nullable=True),
        sa.Column("currency", sa.String(length=3), server_default="CZK", nullable=False),
        sa.Column("billing", sa.String(length=10), server_default="once", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        *_plain_stamps(),
        *_user_fks("products"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("code", name=op.f("uq_products_code")),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("budget", sa.Numeric(14, 2), nullable=True),
        sa.Column("currency", sa.String(length=3), server_default="CZK", nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("launched_at", sa.DateTime(timezone=True), nullable=True),
        *_plain_stamps(),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_campaigns_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_campaigns_owner_id_users")
        ),
        *_user_fks("campaigns"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("name", name=op.f("uq_campaigns_name")),
    )
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("where_text", sa.Text(), nullable=False),
        sa.Column("sort", sa.String(length=200), nullable=True),
        sa.Column("fields", sa.String(length=500), nullable=True),
        sa.Column("shared", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        *_plain_stamps(),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_saved_views_owner_id_users")
        ),
        *_user_fks("saved_views"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_views")),
        sa.UniqueConstraint("owner_id", "name", name=op.f("uq_saved_views_owner_id")),
    )
    for table in ("leads", "deals"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("campaign_id", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("product_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                op.f(f"fk_{table}_campaign_id_campaigns"), "campaigns", ["campaign_id"], ["id"]
            )
            batch_op.create_foreign_key(
                op.f(f"fk_{table}_product_id_products"), "products", ["product_id"], ["id"]
            )
            batch_op.create_index(f"ix_{table}_campaign_id", ["campaign_id"], unique=False)
    _campaigns_from_text()


def _campaigns_from_text() -> None:
    """One campaign per distinct free-text name on leads and deals, linked back by name."""
    op.execute(
        "INSERT INTO campaigns (name, currency, created_at, updated_at) "
        "SELECT name, 'CZK', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM ("
        " SELECT campaign AS name FROM leads WHERE campaign IS NOT NULL AND campaign <> ''"
        " UNION SELECT campaign FROM deals WHERE campaign IS NOT NULL AND campaign <> ''"
        ") AS names ORDER BY name"
    )
    for table in ("leads", "deals"):
        op.execute(
            f"UPDATE {table} SET campaign_id = "
            f"(SELECT campaigns.id FROM campaigns WHERE campaigns.name = {table}.campaign) "
            f"WHERE campaign IS NOT NULL AND campaign <> ''"
        )


def downgrade() -> None:
    for table in ("deals", "leads"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_campaign_id")
            batch_op.drop_constraint(op.f(f"fk_{table}_product_id_products"), type_="foreignkey")
            batch_op.drop_constraint(op.f(f"fk_{table}_campaign_id_campaigns"), type_="foreignkey")
            batch_op.drop_column("product_id")
            batch_op.drop_column("campaign_id")
    op.drop_table("saved_views")
    op.drop_table("campaigns")
    op.drop_table("products")
