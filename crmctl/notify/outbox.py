"""The delivery outbox: e-mails and webhooks are rows first, sent after the commit.

A firing writes ``deliveries`` rows in its own transaction, so a rolled-back firing
sends nothing. A sender claims due rows with ONE ``UPDATE`` that re-checks that each
row is still due (pending, or its lease expired) and sets a lease owned by that sender
(``claim_token`` = the sender's id, ``lease_until``): on PostgreSQL the ids come from a
``FOR UPDATE SKIP LOCKED`` subquery, on SQLite the statement runs in one write
transaction, so two senders never hold the same row. Right before each send the sender
renews its lease and marks the row ``attempting`` (skipping a row whose lease it lost);
it marks the row sent only while it owns the lease. A claimed row whose sender died
before attempting it is claimed again when the lease expires; one whose sender died
while ``attempting`` may have been sent, so it becomes ``uncertain`` instead.

A failure is recorded and retried with exponential backoff; after ``MAX_ATTEMPTS`` the
row is dead-lettered (``crmctl workflows failures``). A claim expires after ``LEASE``
so a sender killed mid-send does not strand its rows. When the receiver may have got
the message but did not confirm it (a timeout after the text went out), the row
becomes ``uncertain`` and is NOT resent by itself: silently resending is how mails
arrive twice. Every e-mail carries a Message-ID fixed per delivery (webhooks an
``X-Crmctl-Delivery`` key), so a resend (``crmctl workflows resend ID``) is recognisable.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Engine, or_, select, update
from sqlalchemy.orm import Session

from crmctl.db.engine import session_scope
from crmctl.db.models import Delivery
from crmctl.notify.smtp import (
    DeliveryError,
    DeliveryUncertain,
    Mail,
    SmtpConfig,
    message_domain,
    send_email,
    smtp_config,
)
from crmctl.notify.webhook import post_json

MAX_ATTEMPTS = 8
BASE_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=2)
LEASE = timedelta(minutes=5)
# Small claims: a batch is sent well within its lease even when every send times out,
# and concurrent senders share the work.
BATCH = 10
ABANDONED = "the sender stopped while sending it (killed?)"
UNCERTAIN_NOTE = (
    "not resent automatically; ask the recipient, then `crmctl workflows resend {id}` "
    "(same Message-ID) if it did not arrive"
)


@dataclass(frozen=True)
class DeliveryResult:
    id: int
    channel: str
    target: str
    status: str  # sent | retry | dead | uncertain
    error: str | None = None


def enqueue(session: Session, now: datetime, channel: str, target: str, **fields: Any) -> Delivery:
    """Queue one delivery in the caller's transaction; the daemon sends it after commit."""
    row = Delivery(
        channel=channel,
        target=target,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        payload=fields.pop("payload", {}),
        **fields,
    )
    session.add(row)
    return row


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes, at most two hours."""
    return min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)


def delivery_key(row: Delivery, domain: str) -> str:
    """The Message-ID of this delivery: the same on every attempt, unique per row."""
    stamp = row.created_at.strftime("%Y%m%d%H%M%S%f")
    return f"<crmctl.{row.id}.{stamp}@{domain}>"


@dataclass
class Sender:
    """One sender: its lease owner id, and the clock its leases are measured on."""

    engine: Engine
    config: SmtpConfig | None
    now: datetime
    id: str
    started: float

    def clock(self) -> datetime:
        """``now`` advanced by the time this sender has been sending."""
        return self.now + timedelta(seconds=time.monotonic() - self.started)


def deliver_due(engine: Engine, settings: Any, now: datetime) -> list[DeliveryResult]:
    """Send every due delivery once; returns what happened to each."""
    sender = Sender(engine, smtp_config(settings), now, uuid.uuid4().hex, time.monotonic())
    if not _anything_to_do(sender):
        return []
    results = _abandoned(sender)
    while True:
        claimed = _claim(sender)
        if not claimed:
            return results
        for row in claimed:
            result = _send(sender, row)
            if result is not None:
                results.append(result)


def _due(now: datetime) -> ColumnElement[bool]:
    return or_(
        (Delivery.status == "pending") & (Delivery.next_attempt_at <= now),
        (Delivery.status == "sending") & (Delivery.lease_until < now),
    )


def _anything_to_do(sender: Sender) -> bool:
    """A read first, so an idle pass (a daemon's poll) takes no write lock."""
    abandoned = (Delivery.status == "attempting") & (Delivery.lease_until < sender.now)
    with sender.engine.connect() as connection:
        found = connection.execute(
            select(Delivery.id).where(or_(_due(sender.now), abandoned)).limit(1)
        ).first()
    return found is not None


def _abandoned(sender: Sender) -> list[DeliveryResult]:
    """Rows a dead sender was sending when it stopped: maybe sent, so never resent here."""
    now = sender.now
    with session_scope(sender.engine) as session:
        rows = session.execute(
            update(Delivery)
            .where(Delivery.status == "attempting", Delivery.lease_until < now)
            .values(status="uncertain", claim_token=None, lease_until=None)
            .returning(Delivery.id, Delivery.channel, Delivery.target),
            execution_options={"synchronize_session": False},
        ).all()
        results = []
        for row in rows:
            error = f"{ABANDONED}; {UNCERTAIN_NOTE.format(id=row.id)}"
            session.execute(
                update(Delivery).where(Delivery.id == row.id).values(last_error=error),
                execution_options={"synchronize_session": False},
            )
            results.append(DeliveryResult(row.id, row.channel, row.target, "uncertain", error))
    return results


def _claim(sender: Sender) -> list[Delivery]:
    """Lease up to BATCH due rows to this sender in one statement; the rows it owns."""
    now = sender.now
    ids = select(Delivery.id).where(_due(now)).order_by(Delivery.id).limit(BATCH)
    if sender.engine.dialect.name == "postgresql":
        ids = ids.with_for_update(skip_locked=True)
    with session_scope(sender.engine) as session:
        session.execute(
            update(Delivery)
            # The outer condition re-checks each row: another sender's lease is respected.
            .where(Delivery.id.in_(ids), _due(now))
            .values(status="sending", claim_token=sender.id, lease_until=sender.clock() + LEASE),
            execution_options={"synchronize_session": False},
        )
        return list(
            session.scalars(
                select(Delivery)
                .where(Delivery.claim_token == sender.id, Delivery.status == "sending")
                .order_by(Delivery.id)
            )
        )


def _renew(sender: Sender, row: Delivery) -> bool:
    """Extend this sender's lease on the row and mark it being attempted; False when
    another sender took it over."""
    with session_scope(sender.engine) as session:
        renewed = session.execute(
            update(Delivery)
            .where(
                Delivery.id == row.id,
                Delivery.claim_token == sender.id,
                Delivery.status == "sending",
            )
            .values(status="attempting", lease_until=sender.clock() + LEASE),
            execution_options={"synchronize_session": False},
        )
        return bool(renewed.rowcount == 1)  # type: ignore[attr-defined]


def _attempt(sender: Sender, row: Delivery) -> None:
    if row.channel == "email":
        domain = message_domain(sender.config)
        payload = row.payload or {}
        mail = Mail(
            row.target,
            row.subject or "",
            row.body or "",
            # `mail send` fixed its own Message-ID (stored with the message, for replies).
            payload.get("message_id") or delivery_key(row, domain),
            sender.now,
            cc=tuple(payload.get("cc") or ()),
            attachments=tuple(_attachment(item) for item in payload.get("attachments") or ()),
        )
        send_email(sender.config, mail)
    else:
        post_json(row.target, row.payload, key=delivery_key(row, "crmctl").strip("<>"))


def _attachment(item: dict[str, Any]) -> tuple[str, str, bytes]:
    """A file of the document store named by a `mail send` delivery."""
    try:
        data = Path(item["path"]).read_bytes()
    except OSError as error:
        raise DeliveryError(f"attachment {item['file_name']}: {error.strerror}") from None
    return item["file_name"], item.get("media_type") or "application/octet-stream", data


def _send(sender: Sender, row: Delivery) -> DeliveryResult | None:
    if not _renew(sender, row):
        return None  # our lease expired and another sender owns the row now
    error: str | None = None
    status = "sent"
    try:
        _attempt(sender, row)
    except DeliveryUncertain as failure:
        error, status = f"{failure}; {UNCERTAIN_NOTE.format(id=row.id)}", "uncertain"
    except DeliveryError as failure:
        error, status = str(failure), "retry"
    attempts = row.attempts + 1
    values: dict[str, Any] = {"status": status, "last_error": error}
    if status == "sent":
        values["sent_at"] = sender.now
    elif status == "retry" and attempts >= MAX_ATTEMPTS:
        values["status"] = status = "dead"
    elif status == "retry":
        values |= {"status": "pending", "next_attempt_at": sender.now + backoff(attempts)}
    with session_scope(sender.engine) as session:
        session.execute(
            update(Delivery)
            .where(Delivery.id == row.id, Delivery.claim_token == sender.id)
            .values(attempts=attempts, lease_until=None, claim_token=None, **values),
            execution_options={"synchronize_session": False},
        )
    return DeliveryResult(row.id, row.channel, row.target, status, error)
