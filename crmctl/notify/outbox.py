"""The delivery outbox: e-mails and webhooks are rows first, sent after the commit.

A firing writes ``deliveries`` rows in its own transaction, so a rolled-back firing
sends nothing. Senders claim due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; one
UPDATE with a claim token on SQLite), send, and mark them sent. A failure is recorded
and retried with exponential backoff; after ``MAX_ATTEMPTS`` the row is dead-lettered
(``crmctl workflows failures``). A claim expires after ``LEASE`` so a sender killed
mid-send does not strand its rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, or_, select, update

from crmctl.db.engine import session_scope
from crmctl.db.models import Delivery
from crmctl.notify.smtp import DeliveryError, send_email, smtp_config
from crmctl.notify.webhook import post_json
from crmctl.services.context import Context

MAX_ATTEMPTS = 8
BASE_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=2)
LEASE = timedelta(minutes=5)
BATCH = 50


@dataclass(frozen=True)
class DeliveryResult:
    id: int
    channel: str
    target: str
    status: str  # sent | retry | dead
    error: str | None = None


def enqueue(ctx: Context, channel: str, target: str, **fields: Any) -> Delivery:
    row = Delivery(
        channel=channel,
        target=target,
        status="pending",
        attempts=0,
        next_attempt_at=ctx.now,
        created_at=ctx.now,
        payload=fields.pop("payload", {}),
        **fields,
    )
    ctx.session.add(row)
    return row


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes, at most two hours."""
    return min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)


def deliver_due(engine: Engine, settings: Any, now: datetime) -> list[DeliveryResult]:
    """Send every due delivery once; returns what happened to each."""
    results: list[DeliveryResult] = []
    config = smtp_config(settings)
    while True:
        claimed = _claim(engine, now)
        if not claimed:
            return results
        for row in claimed:
            results.append(_send(engine, row, config, now))


def _claim(engine: Engine, now: datetime) -> list[Delivery]:
    token = uuid.uuid4().hex
    with session_scope(engine) as session:
        due = (
            select(Delivery.id)
            .where(
                or_(
                    (Delivery.status == "pending") & (Delivery.next_attempt_at <= now),
                    (Delivery.status == "sending") & (Delivery.lease_until < now),
                )
            )
            .order_by(Delivery.id)
            .limit(BATCH)
        )
        if engine.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        ids = list(session.scalars(due))
        if not ids:
            return []
        session.execute(
            update(Delivery)
            .where(Delivery.id.in_(ids), Delivery.status.in_(("pending", "sending")))
            .values(status="sending", claim_token=token, lease_until=now + LEASE)
        )
    with session_scope(engine) as session:
        return list(session.scalars(select(Delivery).where(Delivery.claim_token == token)))


def _send(engine: Engine, row: Delivery, config: Any, now: datetime) -> DeliveryResult:
    error: str | None = None
    try:
        if row.channel == "email":
            send_email(config, row.target, row.subject or "", row.body or "")
        else:
            post_json(row.target, row.payload)
    except DeliveryError as failure:
        error = str(failure)
    attempts = row.attempts + 1
    if error is None:
        values: dict[str, Any] = {"status": "sent", "sent_at": now, "last_error": None}
        status = "sent"
    elif attempts >= MAX_ATTEMPTS:
        values, status = {"status": "dead", "last_error": error}, "dead"
    else:
        values = {
            "status": "pending",
            "last_error": error,
            "next_attempt_at": now + backoff(attempts),
        }
        status = "retry"
    with session_scope(engine) as session:
        session.execute(
            update(Delivery)
            .where(Delivery.id == row.id, Delivery.claim_token == row.claim_token)
            .values(attempts=attempts, lease_until=None, claim_token=None, **values)
        )
    return DeliveryResult(row.id, row.channel, row.target, status, error)
