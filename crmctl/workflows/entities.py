"""The record kinds rules may be about: their table, filter fields and record shape."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crmctl.db.models import Company, Deal, Lead, Person, Task
from crmctl.query.fields import EntityRegistry
from crmctl.services.context import Context


@dataclass(frozen=True)
class EntityKind:
    name: str  # the event log's entity_type: "deal"
    plural: str  # as written in `for: deals`
    model: Any
    registry: Callable[[], EntityRegistry] | None
    record: Callable[[Context, int], dict[str, Any]]
    # Many records in one query per table (None: one ``record`` call each).
    records: Callable[[Context, list[int]], dict[int, dict[str, Any]]] | None = None

    def load(self, ctx: Context, ids: list[int]) -> dict[int, dict[str, Any]]:
        """The records of these ids that exist (not deleted), as ``record`` shows them."""
        if self.records is not None:
            return self.records(ctx, ids)
        from crmctl.errors import NotFound

        found: dict[int, dict[str, Any]] = {}
        for entity_id in ids:
            try:
                found[entity_id] = self.record(ctx, entity_id)
            except NotFound:
                continue  # deleted meanwhile: the firing reads it again and fails as one
        return found


def _lead(ctx: Context, entity_id: int) -> dict[str, Any]:
    from crmctl.services.leads import lead_record
    from crmctl.services.refs import resolve_lead

    return lead_record(ctx, resolve_lead(ctx, entity_id))


def _leads(ctx: Context, ids: list[int]) -> dict[int, dict[str, Any]]:
    from sqlalchemy import select

    from crmctl.services.leads import lead_records

    leads = list(
        ctx.session.scalars(select(Lead).where(Lead.id.in_(ids), Lead.deleted_at.is_(None)))
    )
    return {record["id"]: record for record in lead_records(ctx, leads)}


def _deals(ctx: Context, ids: list[int]) -> dict[int, dict[str, Any]]:
    from sqlalchemy import select

    from crmctl.services.deals import deal_records

    deals = list(
        ctx.session.scalars(select(Deal).where(Deal.id.in_(ids), Deal.deleted_at.is_(None)))
    )
    return {record["id"]: record for record in deal_records(ctx, deals)}


def _deal(ctx: Context, entity_id: int) -> dict[str, Any]:
    from crmctl.services.deals import deal_record
    from crmctl.services.refs import resolve_deal

    return deal_record(ctx, resolve_deal(ctx, entity_id))


def _company(ctx: Context, entity_id: int) -> dict[str, Any]:
    from crmctl.services.companies import show_company

    return show_company(ctx, str(entity_id))


def _contact(ctx: Context, entity_id: int) -> dict[str, Any]:
    from crmctl.services.contacts import show_contact

    return show_contact(ctx, str(entity_id))


def _task(ctx: Context, entity_id: int) -> dict[str, Any]:
    from crmctl.services.tasks import show_task

    return show_task(ctx, entity_id)


def _registry(name: str) -> Callable[[], EntityRegistry] | None:
    from crmctl.query import entities

    return getattr(entities, f"{name}_registry", None)


ENTITIES: dict[str, EntityKind] = {
    kind.name: kind
    for kind in (
        EntityKind("lead", "leads", Lead, _registry("lead"), _lead, _leads),
        EntityKind("deal", "deals", Deal, _registry("deal"), _deal, _deals),
        EntityKind("company", "companies", Company, _registry("company"), _company),
        EntityKind("contact", "contacts", Person, _registry("person"), _contact),
        EntityKind("task", "tasks", Task, _registry("task"), _task),
    )
}


def entity_kind(name: str) -> EntityKind | None:
    """``deal`` or ``deals``."""
    for kind in ENTITIES.values():
        if name in (kind.name, kind.plural):
            return kind
    return None
