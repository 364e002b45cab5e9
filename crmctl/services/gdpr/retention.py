"""GDPR retention: contacts inactive for longer than a period, candidates for erasure."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from crmctl.clock import as_utc
from crmctl.db.models import Consent, Deal, DealContact, Event, Person
from crmctl.errors import UsageError
from crmctl.query.dates import parse_moment
from crmctl.services.access import policy
from crmctl.services.contacts import display_name
from crmctl.services.context import Context


def retention_candidates(ctx: Context, inactive: str) -> list[dict[str, Any]]:
    """Live, not erased contacts with nothing new for ``inactive`` (e.g. 3y, 18m, 90d)."""
    match = re.fullmatch(r"\s*(\d+)\s*([ymwd])\s*", inactive or "")
    if not match:
        raise UsageError(f"--inactive {inactive!r}: give a period such as 3y, 18m, 26w or 90d")
    cutoff = parse_moment(f"-{match[1]}{match[2]}", ctx.now, ctx.tz, "--inactive")
    last_event = (
        select(func.max(Event.at))
        .where(Event.entity_type == "contact", Event.entity_id == Person.id)
        .scalar_subquery()
    )
    last_deal = (
        select(func.max(Deal.last_touched_at))
        .join(DealContact, DealContact.deal_id == Deal.id)
        .where(DealContact.person_id == Person.id)
        .scalar_subquery()
    )
    granted = (
        select(func.count())
        .where(Consent.person_id == Person.id, Consent.granted, Consent.superseded_at.is_(None))
        .scalar_subquery()
    )
    statement = (
        select(Person, last_event.label("last_event"), last_deal.label("last_deal"), granted)
        .where(
            Person.deleted_at.is_(None),
            Person.erased_at.is_(None),
            Person.updated_at < cutoff,
            or_(last_event.is_(None), last_event < cutoff),
            or_(last_deal.is_(None), last_deal < cutoff),
            policy.predicate(ctx, "contact"),
        )
        .order_by(Person.id)
    )
    rows = ctx.session.execute(statement).all()
    return [
        {
            "id": person.id,
            "name": display_name(person),
            "last_activity": max(
                filter(None, [person.updated_at, _aware(last_ev), _aware(last_dl)])
            ),
            "consents_granted": int(count or 0),
        }
        for person, last_ev, last_dl, count in rows
    ]


def _aware(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return as_utc(value)
