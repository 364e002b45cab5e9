"""``crmctl policy show|explain``: the effective matrix, and why one user may or may not
read and change one record.

Kept out of :mod:`crmctl.services.access.policy` because explaining names users and owners
through :mod:`crmctl.services.refs`, which itself checks the policy: a module of its own keeps
the policy free of that circle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from crmctl.db import tables
from crmctl.errors import NotFound, PermissionDenied
from crmctl.services.access.policy import (
    ACTIONS,
    ENTITIES,
    EntitySpec,
    Rule,
    View,
    denied,
    entity_spec,
    limited_view,
    may,
    policy_of,
    scope_predicate,
    sees_everything,
    view_condition,
)
from crmctl.services.context import Context
from crmctl.services.refs import logins_by_id, resolve_user

if TYPE_CHECKING:
    from crmctl.db.models import User
    from crmctl.services.context import Actor


def policy_matrix(ctx: Context) -> list[dict[str, Any]]:
    """The effective matrix: one row per role and entity."""
    current = policy_of(ctx)
    rows = []
    for role, rules in current.rules.items():
        for entity in ENTITIES:
            rule = rules.get(entity, Rule())
            view = limited_view(ctx, entity, rule)
            rows.append(
                {
                    "role": role,
                    "entity": entity,
                    "read": rule.read,
                    "write": rule.write,
                    "limited": _view_text(view) if view and rule.read != "all" else "",
                    "source": current.sources.get((role, entity), "default (custom role)"),
                }
            )
    return rows


def _view_text(view: View) -> str:
    text = view.scope
    if view.fields:
        text += f" ({', '.join(view.fields)})"
    if view.where:
        text += f" where {view.where}"
    return text


def explain(ctx: Context, login: str, entity: str, record_id: int) -> list[dict[str, Any]]:
    """Why ``login`` may or may not read and change one record, one reason per line.

    Admins may ask about anyone; others only about themselves and only about records they
    may read (else the answer would reveal the record's owner).
    """
    spec = entity_spec(entity)
    user = resolve_user(ctx, login)
    actor = ctx.require_actor()
    if actor.role != "admin" and actor.id != user.id:
        raise PermissionDenied("permission denied: only an admin may explain another user's rights")
    record = ctx.session.execute(select(spec.table).where(spec.table.c.id == record_id)).first()
    if record is None:
        if not sees_everything(ctx, entity):
            raise denied(ctx, entity, record_id)
        raise NotFound(f"no {entity} #{record_id}")
    if actor.role != "admin" and not may(ctx, entity, record_id, "read") and entity != "company":
        raise denied(ctx, entity, record_id)
    rule = policy_of(ctx).rule(user.role, entity)
    lines = [
        _line("user", f"{user.login}: role {user.role}" + ("" if user.active else ", inactive")),
        _line("record", _owners(ctx, spec, record)),
        _line("scopes", _membership(ctx, user, entity, record_id)),
    ]
    for action in ACTIONS:
        scope = rule.scope(action)
        allowed = user.active and _in_scope(ctx, user, entity, record_id, scope, action=action)
        lines.append(_line(action, f"{'allowed' if allowed else 'denied'}: {action} scope {scope}"))
    view = limited_view(ctx, entity, rule)
    if view is not None and rule.read != "all":
        allowed = user.active and _in_scope(ctx, user, entity, record_id, view.scope, view.where)
        lines.append(_line("limited", f"{'allowed' if allowed else 'denied'}: {_view_text(view)}"))
    return lines


def _line(aspect: str, text: str) -> dict[str, Any]:
    return {"aspect": aspect, "explanation": text}


def _owners(ctx: Context, spec: EntitySpec, record: Any) -> str:
    owner_id = getattr(record, spec.owner().key)
    company_id = record.id if spec.name == "company" else getattr(record, "company_id", None)
    company_owner = None
    if company_id is not None and spec.name != "company":
        companies = tables.companies.c
        company_owner = ctx.session.scalar(
            select(companies.owner_id).where(companies.id == company_id)
        )
    logins = logins_by_id(ctx, [owner_id, company_owner])
    text = f"{spec.name} #{record.id} owned by {logins.get(owner_id or -1, 'nobody')}"
    if company_owner is not None:
        text += f"; its company #{company_id} owned by {logins.get(company_owner, 'nobody')}"
    if spec.paired is not None:
        links = spec.paired.table.c
        pairs = ctx.session.execute(
            select(links.entity_type, links.entity_id)
            .where(links[spec.paired.column] == record.id)
            .order_by(links.entity_type, links.entity_id)
        ).all()
        text += "; paired to " + (", ".join(f"{t} #{i}" for t, i in pairs) or "nothing")
    return text


def _membership(ctx: Context, user: User | Actor, entity: str, record_id: int) -> str:
    inside = [
        scope
        for scope in ("own", "team", "subordinates")
        if _in_scope(ctx, user, entity, record_id, scope)
    ]
    if not inside:
        return "the record is in none of the user's own, team or subordinates scopes"
    return "the record is in the user's scope(s): " + ", ".join(inside)


def _in_scope(
    ctx: Context,
    user: User | Actor,
    entity: str,
    record_id: int,
    scope: str,
    where: str | None = None,
    *,
    action: str = "read",
) -> bool:
    spec = entity_spec(entity)
    condition = scope_predicate(ctx, entity, scope, user, action=action)
    if where:
        condition = condition & view_condition(ctx, entity, where)
    ids = spec.table.c.id
    found = ctx.session.scalar(select(ids).where(ids == record_id, condition))
    return found is not None
