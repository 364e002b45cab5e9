"""Rows that point at a record by (entity type, id) — events, approvals, notifications,
workflow firings, deliveries — visible as far as the record they are about is.

Apart from :mod:`policy` because it is a consumer of the rules, not part of them: the
timeline, approvals and the workflow commands ask it, the rules never do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, false, or_, select, true

from crmctl.db import tables
from crmctl.services.access.policy import ENTITIES, rule_for, scope_predicate
from crmctl.services.context import Context

if TYPE_CHECKING:
    from crmctl.db.models import User
    from crmctl.services.context import Actor


def event_predicate(ctx: Context) -> ColumnElement[bool]:
    """Events the actor may see: those about records they may fully read.

    Events about anything else (users, teams, imports) belong to the audit log (admins).
    """
    events = tables.events.c
    return about_predicate(ctx, events.entity_type, events.entity_id)


def about_predicate(
    ctx: Context, type_column: Any, id_column: Any, user: User | Actor | None = None
) -> ColumnElement[bool]:
    """Rows that point at a record by (entity type, id) — events, approvals, notifications,
    workflow firings — whose record ``user`` (default: the actor) may fully read."""
    actor = user if user is not None else ctx.actor
    parts: list[ColumnElement[bool]] = []
    everything = True
    for name, spec in ENTITIES.items():
        scope = rule_for(ctx, name, actor).read
        everything = everything and scope == "all"
        if scope == "all":
            parts.append(type_column == name)
        elif scope != "none":
            visible = select(spec.table.c.id).where(scope_predicate(ctx, name, scope, actor))
            parts.append((type_column == name) & id_column.in_(visible))
    if everything:
        return true()
    return or_(*parts) if parts else false()
