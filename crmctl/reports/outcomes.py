"""Deals closed in a period, credited to their owner at the moment they closed.

Shared by ``report performance`` and ``report commissions``. A deal's owner at its close
is today's owner unless the owner changed after the close: then it is the "before" of
the first such change (``deal.updated`` events carry ``changes.owner = [before, after]``
as logins). Those events are few (a closed deal is seldom reassigned), so they are read
for the closed deals of the period in one query and resolved in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Text, cast, select

from crmctl.db import tables
from crmctl.reports import common
from crmctl.reports.common import deals
from crmctl.reports.period import Period
from crmctl.services.context import Context

events = tables.events.c
users = tables.users.c
leads = tables.leads.c
CHUNK = 5000  # ids per IN list: below SQLite's bound-parameter limit


@dataclass(frozen=True)
class ClosedDeal:
    id: int
    title: str
    pipeline: str
    status: str  # won | lost
    value: Decimal
    currency: str
    created_at: datetime
    closed_at: datetime
    closed_on: date  # local day of the close
    owner_id: int | None  # at the moment it closed
    product: str | None  # custom.product, else its lead's product


def closed_deals(
    ctx: Context, period: Period, where: str | None, statuses: Sequence[str] = ("won", "lost")
) -> list[ClosedDeal]:
    """Deals the reader may read, closed (won/lost) in ``period``, in close-time order."""
    statement = (
        select(
            deals.id, deals.title, deals.pipeline, deals.status, common.cents().label("cents"),
            deals.currency, deals.created_at, deals.closed_at, deals.owner_id, deals.custom,
            leads.product,
        )
        .select_from(tables.deals.outerjoin(tables.leads, leads.id == deals.lead_id))
        .where(deals.status.in_(list(statuses)), deals.closed_at.is_not(None),
               *common.deal_conditions(ctx, where))
    )  # fmt: skip
    if period.start:
        statement = statement.where(deals.closed_at >= period.start_utc(ctx.tz))
    if period.end:
        statement = statement.where(deals.closed_at < period.end_utc(ctx.tz))
    rows = ctx.session.execute(statement.order_by(deals.closed_at, deals.id)).all()
    changed = _owners_after_close(ctx, {row.id: row.closed_at for row in rows})
    return [
        ClosedDeal(
            id=row.id,
            title=row.title,
            pipeline=row.pipeline,
            status=row.status,
            value=common.money(row.cents),
            currency=row.currency,
            created_at=row.created_at,
            closed_at=row.closed_at,
            closed_on=row.closed_at.astimezone(ctx.tz).date(),
            owner_id=changed.get(row.id, row.owner_id),
            product=_product(row),
        )
        for row in rows
    ]


def _product(row: Any) -> str | None:
    custom = row.custom if isinstance(row.custom, dict) else {}
    product = custom.get("product") or row.product
    return str(product) if product else None


def _owners_after_close(ctx: Context, closed: dict[int, datetime]) -> dict[int, int | None]:
    """Deal id → its owner when it closed, for the deals reassigned after closing.

    The update events of the closed deals, read through the per-record event index in
    chunks of ids (a few index probes per deal, not a scan of every update)."""
    before: dict[int, str | None] = {}
    ids = sorted(closed)
    for chunk in range(0, len(ids), CHUNK):
        statement = (
            select(events.entity_id, events.at, events.payload)
            .where(
                events.entity_type == "deal",
                events.entity_id.in_(ids[chunk : chunk + CHUNK]),
                events.kind == "deal.updated",
                # Most updates change a value or a date: leave them unparsed.
                cast(events.payload, Text).like('%"owner"%'),
            )
            .order_by(events.entity_id, events.id)
        )
        for deal_id, at, payload in ctx.session.execute(statement):
            change = ((payload or {}).get("changes") or {}).get("owner")
            if deal_id in before or at < closed[deal_id]:
                continue
            if isinstance(change, list) and len(change) == 2:
                before[deal_id] = change[0]
    logins = {login for login in before.values() if login}
    found = select(users.login, users.id).where(users.login.in_(logins))
    ids_by_login = (
        {login: user_id for login, user_id in ctx.session.execute(found)} if logins else {}
    )
    return {
        deal_id: ids_by_login.get(login) if login else None for deal_id, login in before.items()
    }
