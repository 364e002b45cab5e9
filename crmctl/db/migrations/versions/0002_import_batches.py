"""Import batches and issues; dedup name keys on companies and persons.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from crmctl.text import company_name_key, person_name_key

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("file_format", sa.String(length=10), nullable=False),
        sa.Column("sheets", json_type, nullable=False),
        sa.Column("mapping", json_type, nullable=False),
        sa.Column("options", json_type, nullable=False),
        sa.Column("counts", json_type, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_import_batches_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["undone_by_id"], ["users.id"], name=op.f("fk_import_batches_undone_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batches")),
    )
    op.create_index(
        op.f("ix_import_batches_file_sha256"), "import_batches", ["file_sha256"], unique=False
    )
    op.create_table(
        "import_issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("sheet", sa.String(length=200), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("field", sa.String(length=100), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("row", json_type, nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batches.id"],
            name=op.f("fk_import_issues_batch_id_import_batches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_issues")),
    )
    op.create_index(op.f("ix_import_issues_batch_id"), "import_issues", ["batch_id"], unique=False)

    with op.batch_alter_table("events") as batch_op:
        batch_op.add_column(sa.Column("import_batch_id", sa.Integer(), nullable=True))
    op.create_index(
        "ix_events_import_batch_id",
        "events",
        ["import_batch_id"],
        unique=False,
        sqlite_where=sa.text("import_batch_id IS NOT NULL"),
        postgresql_where=sa.text("import_batch_id IS NOT NULL"),
    )
    _add_name_key("companies", 300)
    _add_name_key("persons", 200)
    _backfill_name_keys()


def _add_name_key(table: str, length: int) -> None:
    with op.batch_alter_table(table) as batch_op:
        batch_op.add_column(
            sa.Column("name_key", sa.String(length=length), nullable=False, server_default="")
        )
    op.create_index(op.f(f"ix_{table}_name_key"), table, ["name_key"], unique=False)


def _backfill_name_keys() -> None:
    connection = op.get_bind()
    companies = connection.execute(sa.text("SELECT id, name FROM companies")).all()
    if companies:
        connection.execute(
            sa.text("UPDATE companies SET name_key = :key WHERE id = :id"),
            [{"id": row.id, "key": company_name_key(row.name)} for row in companies],
        )
    persons = connection.execute(sa.text("SELECT id, first_name, last_name FROM persons")).all()
    if persons:
        connection.execute(
            sa.text("UPDATE persons SET name_key = :key WHERE id = :id"),
            [
                {"id": row.id, "key": person_name_key(row.first_name, row.last_name)}
                for row in persons
            ],
        )


def downgrade() -> None:
    op.drop_index(op.f("ix_persons_name_key"), table_name="persons")
    with op.batch_alter_table("persons") as batch_op:
        batch_op.drop_column("name_key")
    op.drop_index(op.f("ix_companies_name_key"), table_name="companies")
    with op.batch_alter_table("companies") as batch_op:
        batch_op.drop_column("name_key")
    op.drop_index("ix_events_import_batch_id", table_name="events")
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_column("import_batch_id")
    op.drop_table("import_issues")
    op.drop_index(op.f("ix_import_batches_file_sha256"), table_name="import_batches")
    op.drop_table("import_batches")
