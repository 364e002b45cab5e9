"""Activities (``crmctl log call|meeting|note|email``): what happened with a customer.

Logging an activity is work on the customer: it stamps the deal's and lead's last
activity (and a lead's first response). ``first_contact`` marks the first call or the
first meeting with a company — at most one of each per company.
"""

from __future__ import annotations

from sqlalchemy import select

from crmctl.db.models import Deal, Lead
from crmctl.services.context import Context


def touch_deal_and_lead(ctx: Context, deal_id: int | None, lead_id: int | None) -> None:
    """Stamp last activity on the deal (also ``last_touched_at``) and the lead."""
    from crmctl.services.leads import record_lead_activity

    if deal_id is not None:
        deal = ctx.session.scalars(select(Deal).where(Deal.id == deal_id)).first()
        if deal is not None:
            deal.last_activity_at = deal.last_touched_at = ctx.now
    if lead_id is not None:
        lead = ctx.session.get(Lead, lead_id)
        if lead is not None and lead.deleted_at is None:
            record_lead_activity(ctx, lead_id)
