"""Merging two contacts: KEEP absorbs DUPLICATE's values, links, relations and history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select

from crmctl.db.models import Event, PersonEmail, PersonRelation
from crmctl.errors import ValidationError
from crmctl.services.activities import move_links
from crmctl.services.contacts import (
    ENTITY,
    RELATION_FIELDS,
    SCALAR_FIELDS,
    contact_record,
    normalise_desired,
    planned_changes,
    unique,
    write_person,
)
from crmctl.services.context import Context
from crmctl.services.events import record_event
from crmctl.services.locking import lock_for_write
from crmctl.services.refs import resolve_person


def merge_contacts(ctx: Context, keep_ref: str, duplicate_ref: str) -> dict[str, Any]:
    keep = resolve_person(ctx, keep_ref, action="write")
    duplicate = resolve_person(ctx, duplicate_ref, action="write")
    if keep.id == duplicate.id:
        raise ValidationError(f"cannot merge contact #{keep.id} into itself")
    for person in sorted((keep, duplicate), key=lambda item: item.id):  # one order: no deadlock
        lock_for_write(ctx, person)
    kept, dup = contact_record(ctx, keep), contact_record(ctx, duplicate)
    ctx.session.execute(delete(PersonEmail).where(PersonEmail.person_id == duplicate.id))
    ctx.session.flush()  # frees the duplicate's e-mails for KEEP
    desired = _merged_state(kept, dup, keep.id, duplicate.id)
    _repoint_incoming_relations(ctx, keep.id, duplicate.id)
    duplicate.deleted_at, duplicate.merged_into_id = ctx.now, keep.id
    # Events are append-only: KEEP's timeline follows `merged_into` to the duplicate's.
    moved_events = ctx.session.scalar(
        select(func.count())
        .select_from(Event)
        .where(Event.entity_type == ENTITY, Event.entity_id == duplicate.id)
    )
    # Tasks, activities and documents follow the contact kept (and its timeline).
    move_links(ctx, "person_id", duplicate.id, keep.id)
    wanted = normalise_desired(ctx, desired)
    changes = planned_changes(ctx, keep, wanted)
    write_person(ctx, keep, wanted)
    keep.updated_at, keep.updated_by_id = ctx.now, ctx.actor_id
    payload = {"duplicate_id": duplicate.id, "duplicate_name": dup["name"]}
    record_event(
        ctx,
        ENTITY,
        keep.id,
        "contact.merged",
        {**payload, "moved_events": moved_events, "changes": changes},
    )
    record_event(ctx, ENTITY, duplicate.id, "contact.merged_into", {"keep_id": keep.id})
    return contact_record(ctx, keep)


def _merged_state(
    kept: dict[str, Any], dup: dict[str, Any], keep_id: int, duplicate_id: int
) -> dict[str, Any]:
    """KEEP's values win; DUPLICATE fills what KEEP lacks and adds its many-valued items."""
    desired: dict[str, Any] = {
        name: kept[name] if kept[name] not in (None, "") else dup[name] for name in SCALAR_FIELDS
    }
    for name in ("emails", "phones", "tags"):
        desired[name] = unique([*kept[name], *dup[name]])
    links = {link["id"]: link for link in dup["companies"]}
    links.update({link["id"]: link for link in kept["companies"]})
    desired["companies"] = list(links.values())
    desired["custom"] = {**dup["custom"], **kept["custom"]}
    for name in RELATION_FIELDS:
        target = kept[name] if kept[name] is not None else dup[name]
        desired[name] = None if target in (keep_id, duplicate_id) else target
    related = {item["id"]: item for item in [*dup["related"], *kept["related"]]}
    desired["related"] = [r for i, r in related.items() if i not in (keep_id, duplicate_id)]
    return desired


def _repoint_incoming_relations(ctx: Context, keep_id: int, duplicate_id: int) -> None:
    incoming = ctx.session.scalars(
        select(PersonRelation).where(PersonRelation.other_person_id == duplicate_id)
    ).all()
    existing = {
        (r.person_id, r.kind)
        for r in ctx.session.scalars(
            select(PersonRelation).where(PersonRelation.other_person_id == keep_id)
        )
    }
    for relation in incoming:
        if relation.person_id == keep_id or (relation.person_id, relation.kind) in existing:
            ctx.session.delete(relation)
        else:
            relation.other_person_id = keep_id
    ctx.session.flush()
