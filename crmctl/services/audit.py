"""The audit log: who changed what and when, with before and after, from the event log.

Events are append-only (database triggers refuse deleting them or changing who, when,
what and which record); nothing in crmctl updates or deletes them, except that
``gdpr erase`` anonymises the personal data inside payloads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select

from crmctl.db.models import Event, User
from crmctl.errors import UsageError
from crmctl.query.dates import parse_moment
from crmctl.services.context import Context
from crmctl.services.refs import resolve_user
from crmctl.services.timeline import summarise
from crmctl.services.users import require_admin


@dataclass(frozen=True)
class AuditOptions:
    user: str | None = None
    entity: str | None = None  # TYPE or TYPE:ID, e.g. deal or deal:42
    since: str | None = None
    until: str | None = None
    kind: str | None = None
    limit: int = 100


def audit_list(ctx: Context, options: AuditOptions) -> list[dict[str, Any]]:
    """Newest first; admins only, since it shows every record's history."""
    require_admin(ctx, "read the audit log")
    if options.limit <= 0:
        raise UsageError(f"--limit must be positive, not {options.limit}")
    statement = select(Event, User.login).outerjoin(User, User.id == Event.actor_id)
    for condition in _conditions(ctx, options):
        statement = statement.where(condition)
    rows = ctx.session.execute(statement.order_by(Event.id.desc()).limit(options.limit)).all()
    return [audit_record(event, login) for event, login in rows]


def _conditions(ctx: Context, options: AuditOptions) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if options.user:
        conditions.append(Event.actor_id == resolve_user(ctx, options.user).id)
    if options.entity:
        entity, _, record = options.entity.partition(":")
        conditions.append(Event.entity_type == entity.strip())
        if record:
            if not record.strip().isdigit():
                raise UsageError(f"--entity {options.entity!r}: expected TYPE or TYPE:ID")
            conditions.append(Event.entity_id == int(record))
    if options.kind:
        kind = options.kind
        conditions.append(Event.kind == kind if "." in kind else Event.kind.like(f"%.{kind}"))
    if options.since:
        conditions.append(Event.at >= parse_moment(options.since, ctx.now, ctx.tz, "--since"))
    if options.until:
        conditions.append(Event.at < parse_moment(options.until, ctx.now, ctx.tz, "--until"))
    return conditions


def audit_record(event: Event, login: str | None) -> dict[str, Any]:
    before, after = before_after(event.kind, event.payload or {})
    return {
        "id": event.id,
        "at": event.at,
        "actor": login,
        "entity": f"{event.entity_type}:{event.entity_id}",
        "kind": event.kind,
        "before": before,
        "after": after,
        "summary": summarise(event.kind, event.payload or {}),
        "payload": event.payload,
    }


def before_after(kind: str, payload: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The values a change replaced and the values it wrote, per field."""
    if isinstance(payload.get("changes"), dict):
        changes = payload["changes"]
        pairs = {k: v for k, v in changes.items() if isinstance(v, list) and len(v) == 2}
        return {k: v[0] for k, v in pairs.items()}, {k: v[1] for k, v in pairs.items()}
    if kind.endswith(".created") and isinstance(payload.get("fields"), dict):
        return {}, dict(payload["fields"])
    if "from" in payload and "to" in payload:
        field = "stage" if kind.endswith("stage_changed") else "status"
        return {field: payload["from"]}, {field: payload["to"]}
    return {}, {}
