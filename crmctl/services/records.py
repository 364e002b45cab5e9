"""Records by id, as ``show`` prints them: the hooks the entity registry names.

``crmctl.entities`` declares, per entity, ``show(ctx, id) -> record`` and optionally
``records(ctx, ids) -> {id: record}`` (many in one query) as import paths to these, so
the registry imports no service. Workflows load the records they fire on through them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from crmctl.db.models import Deal, Lead
from crmctl.services import companies, contacts, deals, leads, tasks
from crmctl.services.context import Context


def show_company(ctx: Context, entity_id: int) -> dict[str, Any]:
    return companies.show_company(ctx, str(entity_id))


def show_contact(ctx: Context, entity_id: int) -> dict[str, Any]:
    return contacts.show_contact(ctx, str(entity_id))


def show_lead(ctx: Context, entity_id: int) -> dict[str, Any]:
    return leads.lead_record(ctx, leads.resolve_lead(ctx, entity_id))


def lead_records(ctx: Context, ids: list[int]) -> dict[int, dict[str, Any]]:
    statement = select(Lead).where(Lead.id.in_(ids), Lead.deleted_at.is_(None))
    found = list(ctx.session.scalars(statement))
    return {record["id"]: record for record in leads.lead_records(ctx, found)}


def show_deal(ctx: Context, entity_id: int) -> dict[str, Any]:
    return deals.deal_record(ctx, deals.resolve_deal(ctx, entity_id))


def deal_records(ctx: Context, ids: list[int]) -> dict[int, dict[str, Any]]:
    statement = select(Deal).where(Deal.id.in_(ids), Deal.deleted_at.is_(None))
    found = list(ctx.session.scalars(statement))
    return {record["id"]: record for record in deals.deal_records(ctx, found)}


def show_task(ctx: Context, entity_id: int) -> dict[str, Any]:
    return tasks.show_task(ctx, entity_id)
