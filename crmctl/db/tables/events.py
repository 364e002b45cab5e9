"""The append-only event log: timeline, audit log and the workflow runner's outbox."""

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table

# The tables this module's foreign keys point to (crmctl.db.tables loads on first use).
import crmctl.db.tables.users  # noqa: F401
from crmctl.db.tables.base import EventId, JsonType, UtcDateTime, metadata, partial_index

# The append-only event log: timeline, audit log and workflow outbox in one.
# Updates that changed an owner, named literally by the queries that use the partial
# index ix_events_owner_changes (0014).
OWNER_CHANGES = "CAST(payload AS TEXT) LIKE '%\"owner\"%'"

events = Table(
    "events",
    metadata,
    Column("id", EventId, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor_id", Integer, ForeignKey("users.id")),
    Column("entity_type", String(20), nullable=False),
    Column("entity_id", Integer, nullable=False),
    Column("kind", String(60), nullable=False),
    Column("payload", JsonType, default=dict, nullable=False),
    # The import batch that wrote this event, so `import undo` finds what it did.
    Column("import_batch_id", Integer),
    Index("ix_events_entity", "entity_type", "entity_id", "id"),
    # Kinds, and time ranges of one kind or of the whole log: `report pipeline --as-of` (0010).
    Index("ix_events_kind_at", "kind", "at"),
    Index("ix_events_at", "at"),
    partial_index(
        "ix_events_import_batch_id", "import_batch_id", where="import_batch_id IS NOT NULL"
    ),
    # Owner changes by time: who owned a deal when it closed (0014).
    partial_index("ix_events_owner_changes", "at", "entity_id", where=OWNER_CHANGES),
)
