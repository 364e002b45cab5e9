"""What a service (issue 19) is shown as, and a company's list of them: the read side.

Core only (``crmctl.db.tables``), never the ORM: ``companies show`` and the read pipeline
(``services list/show``) import this module, and the writes in ``crmctl.services.contracts``
(whose timeline events load the ORM) build their records here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from crmctl.db import tables
from crmctl.errors import NotFound
from crmctl.services.access import policy
from crmctl.services.context import Context
from crmctl.services.refs import logins_by_id

ENTITY = "service"
_services = tables.services


# --- records ----------------------------------------------------------------------------


def find_service_row(ctx: Context, ref: str | int) -> Any:
    """A service by id, as a row of the table (the read pipeline's ``find``)."""
    text = str(ref).strip().lstrip("#")
    row = None
    if text.isdigit():
        row = ctx.session.execute(select(_services).where(_services.c.id == int(text))).first()
    if row is None:
        not_found = NotFound(f"no service {ref!r}; see `crmctl services list`")
        raise policy.missing(ctx, ENTITY, text, not_found)
    policy.read_level(ctx, ENTITY, row.id)  # full or limited, else denied
    return row


def show_service(ctx: Context, ref: str | int) -> dict[str, Any]:
    row = find_service_row(ctx, ref)
    scope = policy.read_scope(ctx, ENTITY)
    return policy.present(ctx, ENTITY, scope, service_records(ctx, [row]))[0]


def service_records(ctx: Context, rows: Sequence[Any]) -> list[dict[str, Any]]:
    company_ids = {row.company_id for row in rows}
    names: dict[int, str] = {}
    owners: dict[int, int | None] = {}
    if company_ids:
        companies = tables.companies.c
        found = ctx.session.execute(
            select(companies.id, companies.name, companies.owner_id).where(
                companies.id.in_(company_ids)
            )
        ).all()
        names = {row.id: row.name for row in found}
        owners = {row.id: row.owner_id for row in found}
    codes = dict(ctx.session.execute(select(tables.products.c.id, tables.products.c.code)).all())
    users = [row.created_by_id for row in rows] + list(owners.values())
    logins = logins_by_id(ctx, users)
    return [
        {
            "id": row.id,
            "company_id": row.company_id,
            "company": names.get(row.company_id),
            "name": row.name,
            "kind": row.kind,
            "product": codes.get(row.product_id),
            "starts_on": row.starts_on,
            "ends_on": row.ends_on,
            "notice_days": row.notice_days,
            "notice_deadline": row.notice_on,
            "value": None if row.value is None else Decimal(row.value),
            "currency": row.currency,
            "billing": row.billing,
            "provider": row.provider,
            "serial": row.serial,
            "note": row.note,
            "deal_id": row.deal_id,
            "owner": logins.get(owners.get(row.company_id) or -1),
            "created_at": row.created_at,
            "created_by": logins.get(row.created_by_id or -1),
            "updated_at": row.updated_at,
        }
        for row in rows
    ]


def company_services(ctx: Context, company_id: int) -> list[dict[str, Any]]:
    """The services of one company the actor may read (the company card's list)."""
    statement = select(_services).where(_services.c.company_id == company_id)
    statement, scope = policy.restrict(ctx, ENTITY, statement)
    rows = ctx.session.execute(statement.order_by(_services.c.ends_on, _services.c.id)).all()
    return policy.present(ctx, ENTITY, scope, service_records(ctx, rows))
