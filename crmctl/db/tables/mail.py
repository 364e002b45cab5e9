"""E-mail (issue 18): messages, their pairings to records, attachments, IMAP sync state."""

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table, Text

# The tables this module's foreign keys point to (crmctl.db.tables loads on first use).
import crmctl.db.tables.users  # noqa: F401
from crmctl.db.tables.base import JsonType, UtcDateTime, metadata

# One e-mail, stored once (by Message-ID, or a content hash when it has none).
messages = Table(
    "messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_id", String(500), nullable=False),
    Column("direction", String(3), nullable=False),  # in | out
    Column("from_address", String(320)),
    Column("from_name", String(300)),
    Column("to_addresses", JsonType, default=list, nullable=False),  # [[name, address]…]
    Column("cc_addresses", JsonType, default=list, nullable=False),
    Column("sent_at", UtcDateTime()),  # the Date header (None: missing or unreadable)
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("in_reply_to", String(500)),
    Column("reference_ids", JsonType, default=list, nullable=False),
    Column("thread_key", String(500), nullable=False),
    Column("mailbox", String(200)),  # the mail.mailboxes NAME it came from (its owner reads it)
    Column("source", String(1000)),  # where it was read: "inbox.mbox #3", "imap://… UID 7"
    Column("content_hash", String(64), nullable=False),
    Column("skipped_attachments", JsonType, default=list, nullable=False),
    Column("unpaired_reason", Text),  # rule 5's text when nothing matched
    Column("misses", JsonType, default=dict, nullable=False),  # rule → why it found nothing
    Column("owner_id", Integer, ForeignKey("users.id")),  # the mailbox owner / the sender
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by_id", Integer, ForeignKey("users.id")),
    Column("deleted_at", UtcDateTime()),
    Index("uq_messages_message_id", "message_id", unique=True),
    Index("ix_messages_thread_key", "thread_key"),
    Index("ix_messages_sent_at", "sent_at"),
)


# A message belongs to a deal, lead, contact or company: by which rule, and why.
message_pairings = Table(
    "message_pairings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_id", Integer, ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
    Column("entity_type", String(20), nullable=False),  # deal | lead | contact | company
    Column("entity_id", Integer, nullable=False),
    Column("rule", Integer, nullable=False),  # 1–4, 0 = paired by hand (`mail pair`)
    Column("reason", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("uq_message_pairings", "message_id", "entity_type", "entity_id", unique=True),
    Index("ix_message_pairings_entity", "entity_type", "entity_id"),
)


# A message's attachment, kept as a document (the file in the document store).
message_attachments = Table(
    "message_attachments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_id", Integer, ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
    Column("document_id", Integer, ForeignKey("documents.id"), nullable=False),
    Index("ix_message_attachments_message_id", "message_id"),
)


# What an IMAP import saw of one folder: a re-run fetches only UIDs after last_uid.
mail_sync_state = Table(
    "mail_sync_state",
    metadata,
    Column("mailbox", String(500), primary_key=True),  # the URL without password
    Column("uidvalidity", BigInteger, nullable=False),
    Column("last_uid", BigInteger, nullable=False),
    Column("synced_at", UtcDateTime(), nullable=False),
)
