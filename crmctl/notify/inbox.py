"""In-app inbox entries, written in the caller's transaction (its session)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from crmctl.db.models import Notification


def add_entry(
    session: Session,
    now: datetime,
    user_id: int,
    subject: str,
    body: str,
    *,
    entity_type: str | None,
    entity_id: int | None,
    rule_id: str | None,
) -> Notification:
    entry = Notification(
        user_id=user_id,
        subject=subject[:300],
        body=body,
        entity_type=entity_type,
        entity_id=entity_id,
        rule_id=rule_id,
        created_at=now,
    )
    session.add(entry)
    return entry
