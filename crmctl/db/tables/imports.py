"""Import batches and the issues of their rows."""

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, String, Table, Text

# The tables this module's foreign keys point to (crmctl.db.tables loads on first use).
import crmctl.db.tables.users  # noqa: F401
from crmctl.db.tables.base import JsonType, UtcDateTime, metadata

# One run of `crmctl import`: the file, the mapping used and what came of it.
import_batches = Table(
    "import_batches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("file_name", String(500), nullable=False),
    Column("file_sha256", String(64), index=True, nullable=False),
    Column("file_size", BigInteger, nullable=False),
    Column("file_format", String(10), nullable=False),
    Column("sheets", JsonType, default=list, nullable=False),
    Column("mapping", JsonType, default=dict, nullable=False),
    Column("options", JsonType, default=dict, nullable=False),
    Column("counts", JsonType, default=dict, nullable=False),
    Column("status", String(20), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by_id", Integer, ForeignKey("users.id")),
    Column("undone_at", UtcDateTime()),
    Column("undone_by_id", Integer, ForeignKey("users.id")),
)


# A rejected row (with its original cells) or a warning about one field of a row.
import_issues = Table(
    "import_issues",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "batch_id",
        Integer,
        ForeignKey("import_batches.id", ondelete="CASCADE"),
        index=True,
        nullable=False,
    ),
    Column("sheet", String(200), nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("severity", String(10), nullable=False),
    Column("field", String(100)),
    Column("message", Text, nullable=False),
    Column("row", JsonType),
)
