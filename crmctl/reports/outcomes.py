"""Deals closed in a period, credited to their owner at the moment they closed.

Shared by ``report performance`` and ``report commissions``. A deal's owner at its close
is today's owner unless the owner changed after the close: then it is the "before" of
the first such change (``deal.updated`` events carry ``changes.owner = [before, after]``
as logins). Those events are few (a closed deal is seldom reassigned): the owner changes
since the period began are read through their own partial index
(``ix_events_owner_changes``) and matched to the period's closed deals in Python.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Text, literal_column, null, select, text, type_coerce

from crmctl.db import tables
from crmctl.reports import common
from crmctl.reports.common import deals
from crmctl.reports.period import Period
from crmctl.reports.sql import hour_key
from crmctl.services.context import Context

events = tables.events.c
users = tables.users.c
leads = tables.leads.c


class ClosedDeal(NamedTuple):  # a tuple: tens of thousands are made per report
    id: int
    title: str
    pipeline: str
    status: str  # won | lost
    cents: int  # the value in hellers
    currency: str
    closed_on: date  # local day of the close
    owner_id: int | None  # at the moment it closed
    product: str | None  # custom.product, else its lead's product

    @property
    def value(self) -> Decimal:
        return common.money(self.cents)


def closed_deals(
    ctx: Context,
    period: Period,
    where: str | None,
    statuses: Sequence[str] = ("won", "lost"),
    *,
    titles: bool = True,
    products: bool = True,
) -> list[ClosedDeal]:
    """Deals the reader may read, closed (won/lost) in ``period``, in close-time order.

    Without ``titles`` and ``products`` (title "", product None) only what the closed
    deals' covering index holds is read: no deal rows, no join to the leads."""
    title = deals.title if titles else literal_column("''")
    # Raw: most deals have no custom fields, and parsing a million '{}' costs.
    custom = type_coerce(deals.custom, Text) if products else literal_column("'{}'")
    product = leads.product if products else null()
    source = tables.deals.outerjoin(tables.leads, leads.id == deals.lead_id)
    statement = (
        select(
            deals.id, title.label("title"), deals.pipeline, deals.status,
            common.cents().label("cents"), deals.currency,
            hour_key(deals.closed_at).label("closed_hour"), deals.owner_id,
            custom.label("custom"), product.label("product"),
        )
        .select_from(source if products else tables.deals)
        .where(deals.status.in_(list(statuses)), common.closed(),
               *common.deal_conditions(ctx, where))
    )  # fmt: skip
    if period.start:
        statement = statement.where(deals.closed_at >= period.start_utc(ctx.tz))
    if period.end:
        statement = statement.where(deals.closed_at < period.end_utc(ctx.tz))
    rows = ctx.session.execute(statement.order_by(deals.closed_at, deals.id)).all()
    changed = owners_after_close(ctx, {row.id for row in rows}, period)
    days: dict[str, date] = {}
    return [
        ClosedDeal(
            id=row.id,
            title=row.title,
            pipeline=row.pipeline,
            status=row.status,
            cents=int(row.cents or 0),
            currency=row.currency,
            closed_on=local_day(ctx, days, row.closed_hour),
            owner_id=changed.get(row.id, row.owner_id),
            product=_product(row) if products else None,
        )
        for row in rows
    ]


def local_day(ctx: Context, days: dict[str, date], hour: Any) -> date:
    """The local day of a UTC hour key (``'2027-03-31 22'``, ``reports.sql.hour_key``),
    each hour converted once: local days differ from UTC by whole hours."""
    key = str(hour)[:13]
    if key not in days:
        moment = datetime.strptime(key, "%Y-%m-%d %H").replace(tzinfo=UTC)
        days[key] = moment.astimezone(ctx.tz).date()
    return days[key]


def _product(row: Any) -> str | None:
    custom = row.custom
    if isinstance(custom, str):  # SQLite hands the JSON text back; PostgreSQL a dict
        custom = json.loads(custom) if custom != "{}" else {}
    custom = custom if isinstance(custom, dict) else {}
    product = custom.get("product") or row.product
    return str(product) if product else None


def owners_after_close(
    ctx: Context, closed: Collection[int], period: Period
) -> dict[int, int | None]:
    """Deal id → its owner when it closed, for those of the ``closed`` deals reassigned
    after closing.

    The owner changes since the period began that came after their deal's close (a change
    after a close in the period is later still), through the partial index whose
    condition is named literally here; the first such change per deal tells the owner."""
    before: dict[int, str | None] = {}
    statement = (
        select(events.entity_id, events.id, events.payload)
        .select_from(tables.events.join(tables.deals, deals.id == events.entity_id))
        .where(
            text(tables.OWNER_CHANGES),
            # ``kind || ''``: SQLite has no statistics for an index this small (often
            # empty) and would read every update of the period through ix_events_kind_at.
            events.kind + literal_column("''") == "deal.updated",
            events.at >= deals.closed_at,
        )
    )
    if period.start:
        statement = statement.where(events.at >= period.start_utc(ctx.tz))
    rows = sorted(ctx.session.execute(statement)) if closed else []  # by deal, then event
    for deal_id, _, payload in rows:
        if deal_id not in closed or deal_id in before:
            continue
        change = ((payload or {}).get("changes") or {}).get("owner")
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
