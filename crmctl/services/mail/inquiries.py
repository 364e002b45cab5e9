"""Inquiries and replies: an inquiry becomes a lead, a reply stamps the lead's first response."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, update

from crmctl.db import tables
from crmctl.errors import ValidationError
from crmctl.mail.inquiry import inquiry_contact
from crmctl.mail.parse import ParsedMessage
from crmctl.services.context import Context
from crmctl.services.leads import add_lead


def _lead_from_inquiry(ctx: Context, parsed: ParsedMessage) -> int:
    """A lead through the leads service (``lead.created`` → the workflow rules)."""
    contact = inquiry_contact(parsed)
    desired: dict[str, Any] = {
        "source": "email",
        "contact_email": contact.email or None,
        "contact_name": contact.name,
        "contact_phone": contact.phone,
        "company_name": contact.company,
        "message": (parsed.subject + "\n\n" + parsed.body).strip()[:4000],
    }
    if parsed.date is not None:
        desired["received_at"] = parsed.date.isoformat()
    try:
        record = add_lead(ctx, {k: v for k, v in desired.items() if v}, default_source="email")
    except ValidationError:
        # A phone or e-mail the lead service refuses must not lose the inquiry.
        desired.pop("contact_phone", None)
        record = add_lead(ctx, {k: v for k, v in desired.items() if v}, default_source="email")
    return int(record["id"])


def _first_response(
    ctx: Context, parsed: ParsedMessage, pairings: Sequence[tuple[str, int, int, str]]
) -> None:
    """An outgoing reply paired to a lead stamps its first response at the reply's Date
    (only earlier than what is there: mail imported late must not move it later)."""
    lead_ids = [i for t, i, _, _ in pairings if t == "lead"]
    if not lead_ids or parsed.date is None:
        return
    leads = tables.leads
    ctx.session.execute(
        update(leads)
        .where(leads.c.id.in_(lead_ids))
        .where(or_(leads.c.first_response_at.is_(None), leads.c.first_response_at > parsed.date))
        .values(first_response_at=parsed.date)
    )
