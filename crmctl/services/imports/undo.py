"""`crmctl import undo`: remove what a batch created, restore what it updated.

The batch's own events say what it did: ``*.created`` events name the records to
remove, ``*.updated`` events hold the values to restore. Any later event on those
records (an edit, a merge, a note) or a later link to a company the batch created
means undoing would lose someone's work, so the undo is refused and says where.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, delete, exists, or_, select
from sqlalchemy.event import listen, remove
from sqlalchemy.orm import Session, aliased

from crmctl import entities
from crmctl.db.bulk import BulkWriter
from crmctl.db.models import Event, ImportBatch, Person, PersonCompany, Tag
from crmctl.errors import Conflict, PermissionDenied
from crmctl.services import companies as company_service
from crmctl.services import contacts as contact_service
from crmctl.services.context import Context
from crmctl.services.events import record_event
from crmctl.services.imports.batches import require_import_rights
from crmctl.services.imports.state import COMPANY_FIELDS
from crmctl.services.refs import resolve_batch
from crmctl.services.tags import chunked

LATER_EDITS_SHOWN = 5
# What an import creates (and its undo removes again).
ENTITIES = tuple(e.name for e in entities.with_flag("importable"))


@dataclass
class UndoPlan:
    created: dict[str, list[int]] = field(default_factory=lambda: {e: [] for e in ENTITIES})
    restore: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        restored = [entity for entity, _ in self.restore]
        return {
            "companies_removed": len(self.created["company"]),
            "contacts_removed": len(self.created["contact"]),
            "companies_restored": restored.count("company"),
            "contacts_restored": restored.count("contact"),
        }


def undo_batch(ctx: Context, ref: str, *, dry_run: bool = False) -> dict[str, Any]:
    batch = resolve_batch(ctx, ref)
    _require_may_undo(ctx, batch)
    if batch.status == "undone":
        raise Conflict(
            f"import #{batch.id} was already undone at "
            f"{batch.undone_at.astimezone(ctx.tz):%Y-%m-%d %H:%M}"
        )
    plan = _plan(ctx, batch)
    _refuse_if_later_work(ctx, batch, plan)
    result = {"batch": batch.id, "file": batch.file_name, "dry_run": dry_run, **plan.counts()}
    if dry_run:
        return result
    with _events_of_batch(ctx, batch.id):
        _restore(ctx, plan)
    _remove_created(ctx, batch, plan)
    batch.status, batch.undone_at, batch.undone_by_id = "undone", ctx.now, ctx.actor_id
    record_event(ctx, "import", batch.id, "import.undone", plan.counts())
    return result


@contextmanager
def _events_of_batch(ctx: Context, batch_id: int) -> Iterator[None]:
    """The restore's events are stamped with the batch they undo.

    They are not later work on the batch's records: an older batch that touched the same
    records must stay undoable once this one is undone (undo newest first). Events are
    append-only, so the stamp is set before their insert.
    """

    def stamp(session: Session, *_: object) -> None:
        for instance in session.new:
            if isinstance(instance, Event) and instance.import_batch_id is None:
                instance.import_batch_id = batch_id

    listen(ctx.session, "before_flush", stamp)
    try:
        yield
        ctx.session.flush()
    finally:
        remove(ctx.session, "before_flush", stamp)


def _require_may_undo(ctx: Context, batch: ImportBatch) -> None:

    actor = ctx.require_actor()
    require_import_rights(ctx)
    if actor.role != "admin" and actor.id != batch.created_by_id:
        raise PermissionDenied(f"only the user who ran import #{batch.id} or an admin may undo it")


def _plan(ctx: Context, batch: ImportBatch) -> UndoPlan:
    plan = UndoPlan()
    created: set[tuple[str, int]] = set()
    rows = ctx.session.execute(
        select(Event.entity_type, Event.entity_id, Event.kind, Event.payload)
        .where(Event.import_batch_id == batch.id, Event.entity_type.in_(ENTITIES))
        .order_by(Event.id)
    )
    for entity_type, entity_id, kind, payload in rows:
        key = (entity_type, entity_id)
        if kind.endswith(".created"):
            created.add(key)
            plan.created[entity_type].append(entity_id)
        elif kind.endswith(".updated") and key not in created:
            before = plan.restore.setdefault(key, {})
            for name, (old, _new) in (payload.get("changes") or {}).items():
                before.setdefault(name, old)  # the first change holds the pre-import value
    return plan


def _refuse_if_later_work(ctx: Context, batch: ImportBatch, plan: UndoPlan) -> None:
    later = _later_events(ctx, batch) + _later_links(ctx, plan)
    if not later:
        return
    shown = "; ".join(later[:LATER_EDITS_SHOWN])
    more = f" and {len(later) - LATER_EDITS_SHOWN} more" if len(later) > LATER_EDITS_SHOWN else ""
    raise Conflict(
        f"import #{batch.id} cannot be undone: later changes would be lost — {shown}{more}. "
        "Undo or revert those first (see `crmctl timeline`), or fix the records by hand"
    )


def _later_events(ctx: Context, batch: ImportBatch) -> list[str]:
    mine = aliased(Event)
    first = ctx.session.scalar(
        select(Event.id).where(Event.import_batch_id == batch.id).order_by(Event.id).limit(1)
    )
    if first is None:
        return []
    touched = exists().where(
        mine.import_batch_id == batch.id,
        mine.entity_type == Event.entity_type,
        mine.entity_id == Event.entity_id,
    )
    # Batches undone since took their changes back (their events and their undo's).
    undone = select(ImportBatch.id).where(ImportBatch.status == "undone")
    rows = ctx.session.execute(
        select(Event.entity_type, Event.entity_id, Event.kind, Event.at)
        .where(
            Event.id > first,
            or_(
                Event.import_batch_id.is_(None),
                and_(Event.import_batch_id != batch.id, Event.import_batch_id.not_in(undone)),
            ),
            Event.entity_type.in_(ENTITIES),
            touched,
        )
        .order_by(Event.id)
        .limit(LATER_EDITS_SHOWN + 1)
    )
    return [
        f"{entity_type} #{entity_id}: {kind} at {at:%Y-%m-%d %H:%M}"
        for entity_type, entity_id, kind, at in rows
    ]


def _later_links(ctx: Context, plan: UndoPlan) -> list[str]:
    """Contacts the batch did not touch that were linked since to a company it created.

    Looked up by the batch's own company ids (a correlated lookup over its events took
    minutes on a 40,000-row batch).
    """
    touched = set(plan.created["contact"]) | {i for kind, i in plan.restore if kind == "contact"}
    found: list[str] = []
    for chunk in chunked(plan.created["company"]):
        rows = ctx.session.execute(
            select(PersonCompany.person_id, PersonCompany.company_id)
            .where(PersonCompany.company_id.in_(chunk))
            .order_by(PersonCompany.company_id, PersonCompany.person_id)
        )
        for person_id, company_id in rows:
            if person_id not in touched:
                found.append(f"contact #{person_id} was linked to company #{company_id}")
            if len(found) > LATER_EDITS_SHOWN:
                return found
    return found


def _restore(ctx: Context, plan: UndoPlan) -> None:
    for (entity_type, entity_id), before in plan.restore.items():
        if entity_type == "contact":
            person = ctx.session.get(Person, entity_id)
            if person is not None:
                contact_service.update_contact(ctx, person, before)
        else:
            company_service.edit_company(
                ctx, str(entity_id), _company_input(ctx, entity_id, before)
            )


def _company_input(
    ctx: Context, company_id: int, before: dict[str, Any]
) -> company_service.CompanyInput:
    current = company_service.show_company(ctx, str(company_id))
    values = {name: before[name] or "" for name in COMPANY_FIELDS if name in before}
    data = company_service.CompanyInput(values=values)
    if before.get("owner"):
        data.owner = before["owner"]
    if "tags" in before:
        old, now = set(before["tags"] or []), set(current["tags"])
        data.tags_add, data.tags_remove = sorted(old - now), sorted(now - old)
    if "custom" in before:
        old_custom = before["custom"] or {}
        data.custom_set = dict(old_custom)
        data.custom_unset = [key for key in current["custom"] if key not in old_custom]
    return data


def _remove_created(ctx: Context, batch: ImportBatch, plan: UndoPlan) -> None:
    ctx.session.flush()
    bulk = BulkWriter(ctx.session.connection())
    stamp = bulk.timestamp(ctx.now)
    # Contacts before the companies they link to: the registry declares companies first.
    for entity in reversed(entities.with_flag("importable")):
        entity_type, table = entity.name, entity.table.name
        ids = plan.created[entity_type]
        if not ids:
            continue
        _delete_tags(ctx, entity_type, ids)
        if entity_type == "company":
            bulk.delete_ids("person_companies", "company_id", ids)
        else:
            for child in ("person_emails", "person_phones", "person_companies"):
                bulk.delete_ids(child, "person_id", ids)
            bulk.delete_ids("person_relations", "person_id", ids)
            bulk.delete_ids("person_relations", "other_person_id", ids)
        bulk.delete_ids(table, "id", ids)
        payload = bulk.json({"undo_of_import": batch.id})
        bulk.insert(
            "events",
            ("at", "actor_id", "entity_type", "entity_id", "kind", "payload"),
            [(stamp, ctx.actor_id, entity_type, i, f"{entity_type}.purged", payload) for i in ids],
        )


def _delete_tags(ctx: Context, entity_type: str, ids: list[int]) -> None:
    for chunk in chunked(ids):
        ctx.session.execute(
            delete(Tag).where(Tag.entity_type == entity_type, Tag.entity_id.in_(chunk))
        )
