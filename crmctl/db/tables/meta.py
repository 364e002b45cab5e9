"""The installation's own facts and saved report snapshots."""

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text

# The tables this module's foreign keys point to (crmctl.db.tables loads on first use).
import crmctl.db.tables.users  # noqa: F401
from crmctl.db.tables.base import JsonType, UtcDateTime, metadata

# Facts about this installation, e.g. ``install_id`` (calendar UIDs derive from it).
crm_meta = Table(
    "crm_meta",
    metadata,
    Column("key", String(50), primary_key=True),
    Column("value", Text, nullable=False),
)


# A stored report result (`report forecast --snapshot NAME`) to compare against later.
report_snapshots = Table(
    "report_snapshots",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), unique=True, nullable=False),
    Column("report", String(40), nullable=False),
    Column("params", JsonType, default=dict, nullable=False),
    Column("rows", JsonType, default=list, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by_id", Integer, ForeignKey("users.id")),
)
