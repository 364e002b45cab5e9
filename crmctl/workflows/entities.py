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


def _lead(ctx: Context, entity_id: int) -> dict[str, Any]:
    from crmctl.services.leads import lead_record, resolve_lead

    return lead_record(ctx, resolve_lead(ctx, entity_id))


def _deal(ctx: Context, entity_id: int) -> dict[str, Any]:
    from crmctl.services.deals import deal_record, resolve_deal

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
        EntityKind("lead", "leads", Lead, _registry("lead"), _lead),
        EntityKind("deal", "deals", Deal, _registry("deal"), _deal),
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
