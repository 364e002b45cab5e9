"""Sales targets, and a lead's response time in business minutes (issue 17).

``targets``: one number per salesperson or team, period (year, quarter or month) and
metric (won_value, won_count, new_deals, first_meetings, calls). ``subject`` is
``user:ID`` or ``team:ID`` so that one unique index says "one target per subject, period
and metric" without NULLs in it.

``leads.response_business_minutes``: kept by the lead service when the first response
is recorded, so that ``--where response_business_minutes > 240`` is plain SQL; existing
answered leads are filled here with the default business hours (Mon–Fri 08:00–17:00
Europe/Prague, Czech holidays off).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from crmctl.business_hours import DEFAULT
from crmctl.db.tables import UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subject", sa.String(80), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id")),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("metric", sa.String(20), nullable=False),
        sa.Column("value", sa.Numeric(14, 2), nullable=False),
        sa.Column("currency", sa.String(3)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("updated_by_id", sa.Integer(), sa.ForeignKey("users.id")),
    )
    op.create_index(
        "uq_targets_subject_period_metric", "targets", ["subject", "period", "metric"], unique=True
    )
    op.create_index("ix_targets_period_start", "targets", ["period_start", "period_end"])
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("response_business_minutes", sa.Integer()))
    _fill_response_business_minutes()


def _fill_response_business_minutes() -> None:
    leads = sa.table(
        "leads",
        sa.column("id", sa.Integer()),
        sa.column("received_at", UtcDateTime()),
        sa.column("first_response_at", UtcDateTime()),
        sa.column("response_business_minutes", sa.Integer()),
    )
    bind = op.get_bind()
    answered = bind.execute(
        sa.select(leads.c.id, leads.c.received_at, leads.c.first_response_at).where(
            leads.c.first_response_at.is_not(None)
        )
    ).all()
    updates = [
        {"lead_id": lead_id, "minutes": DEFAULT.minutes(received, responded)}
        for lead_id, received, responded in answered
    ]
    if updates:
        bind.execute(
            leads.update()
            .where(leads.c.id == sa.bindparam("lead_id"))
            .values(response_business_minutes=sa.bindparam("minutes")),
            updates,
        )


def downgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_column("response_business_minutes")
    op.drop_index("ix_targets_period_start", table_name="targets")
    op.drop_index("uq_targets_subject_period_metric", table_name="targets")
    op.drop_table("targets")
