"""ORM classes for issue 18's mail tables (``crmctl.db.tables.mail``)."""

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Mapped

from crmctl.db import tables
from crmctl.db.models.base import Base


class Message(Base):
    """An e-mail, stored once by Message-ID (crmctl.services.mail writes it with Core)."""

    __table__ = tables.messages

    id: Mapped[int]
    message_id: Mapped[str]
    direction: Mapped[str]
    from_address: Mapped[str | None]
    from_name: Mapped[str | None]
    to_addresses: Mapped[Any]
    cc_addresses: Mapped[Any]
    sent_at: Mapped[datetime | None]
    subject: Mapped[str]
    body: Mapped[str]
    in_reply_to: Mapped[str | None]
    reference_ids: Mapped[Any]
    thread_key: Mapped[str]
    mailbox: Mapped[str | None]
    source: Mapped[str | None]
    content_hash: Mapped[str]
    skipped_attachments: Mapped[Any]
    unpaired_reason: Mapped[str | None]
    misses: Mapped[Any]
    owner_id: Mapped[int | None]
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None]
    deleted_at: Mapped[datetime | None]


class MessagePairing(Base):
    __table__ = tables.message_pairings

    id: Mapped[int]
    message_id: Mapped[int]
    entity_type: Mapped[str]
    entity_id: Mapped[int]
    rule: Mapped[int]
    reason: Mapped[str]
    created_at: Mapped[datetime]


class MessageAttachment(Base):
    __table__ = tables.message_attachments

    id: Mapped[int]
    message_id: Mapped[int]
    document_id: Mapped[int]


class MailSyncState(Base):
    __table__ = tables.mail_sync_state

    mailbox: Mapped[str]
    uidvalidity: Mapped[int]
    last_uid: Mapped[int]
    synced_at: Mapped[datetime]
