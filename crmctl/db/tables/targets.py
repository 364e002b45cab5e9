"""Sales targets: what `report performance` measures attainment against (issue 17)."""

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, Numeric, String, Table

# The tables this module's foreign keys point to (crmctl.db.tables loads on first use).
import crmctl.db.tables.users  # noqa: F401
from crmctl.db.tables.base import metadata, stamps

# A sales target: one number per salesperson or team, period and metric (0009).
targets = Table(
    "targets",
    metadata,
    Column("id", Integer, primary_key=True),
    # ``user:ID`` or ``team:ID``: "one target per subject, period and metric" without NULLs.
    Column("subject", String(80), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("team_id", Integer, ForeignKey("teams.id")),
    Column("period", String(10), nullable=False),  # 2027, 2027-Q1 or 2027-01
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("metric", String(20), nullable=False),
    Column("value", Numeric(14, 2), nullable=False),
    Column("currency", String(3)),  # won_value only
    *stamps(),
    Index("uq_targets_subject_period_metric", "subject", "period", "metric", unique=True),
    Index("ix_targets_period_start", "period_start", "period_end"),
)
