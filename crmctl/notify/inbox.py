"""In-app inbox entries, written in the caller's transaction."""

from __future__ import annotations

from crmctl.db.models import Notification
from crmctl.services.context import Context


def add_entry(
    ctx: Context,
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
        created_at=ctx.now,
    )
    ctx.session.add(entry)
    return entry
