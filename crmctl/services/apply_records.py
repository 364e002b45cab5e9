"""``apply`` for the catalogue entities of issue 19 (products, campaigns, services, account
plans): create (no ``id``) or update (by ``id``) from what their ``list -o json|jsonl|yaml``
prints. One transaction; each record goes through the entity's own add/edit service, so
every check, right and event is theirs. Only the registry's settable fields are read from
a record; the rest (ids of related records, names, derived dates) is ignored, so a list
applied back unchanged changes nothing. A record read before someone else's change keeps
that change or is refused, as ``deals apply`` (:mod:`crmctl.services.stale`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crmctl import entities
from crmctl.errors import Conflict, NotFound, UsageError, ValidationError
from crmctl.services import stale
from crmctl.services.campaigns import add_campaign, edit_campaign
from crmctl.services.context import Context, dry_run_scope
from crmctl.services.contracts import add_service, edit_service
from crmctl.services.events import field_changes
from crmctl.services.plans import add_plan, edit_plan
from crmctl.services.products import add_product, edit_product
from crmctl.values import jsonable

Record = dict[str, Any]


def _add_plan(ctx: Context, desired: Record) -> Record:
    company = desired.pop("company", None)
    if company in (None, ""):
        raise ValidationError("a plan needs a company: give `company_id` (as `plans list` prints)")
    return add_plan(ctx, str(company), desired)


@dataclass(frozen=True)
class Writer:
    """How records of one entity are created and changed (its own services)."""

    add: Callable[[Context, Record], Record]
    edit: Callable[[Context, str, Record], Record]
    by_company: bool = False  # created for a company: the record's ``company_id``


WRITERS: dict[str, Writer] = {
    "product": Writer(add_product, edit_product),
    "campaign": Writer(add_campaign, edit_campaign),
    "service": Writer(add_service, edit_service, by_company=True),
    "plan": Writer(_add_plan, edit_plan, by_company=True),
}


@dataclass(frozen=True)
class Applied:
    """What one record of ``apply`` did (or would do, in a dry run)."""

    action: str  # "create" | "update" | "unchanged"
    record_id: int | None
    label: str
    changes: dict[str, list[Any]]


def apply_records(
    ctx: Context, entity_name: str, records: list[Any], *, source: str, dry_run: bool
) -> list[Applied]:
    """Create or update each record; all or nothing. A dry run writes every record as for
    real (so every check runs), then rolls back."""
    writer = WRITERS.get(entity_name)
    if writer is None:
        raise UsageError(f"apply is not available for {entity_name}")
    entity = entities.ENTITIES[entity_name]
    done = []
    with dry_run_scope(ctx, dry_run):
        for number, record in enumerate(records, start=1):
            try:
                done.append(_apply_one(ctx, entity, writer, record))
            except (ValidationError, NotFound, Conflict) as error:
                raise type(error)(f"{source}: record {number}: {error.message}") from None
    return done


def _apply_one(ctx: Context, entity: entities.Entity, writer: Writer, record: Any) -> Applied:
    if not isinstance(record, dict):
        raise ValidationError(f"expected a mapping of {entity.name} fields")
    desired = {key: record[key] for key in entity.settable if key in record}
    record_id = record.get("id")
    if record_id in (None, ""):
        if writer.by_company:
            desired["company"] = _company_of(record)
        created = writer.add(ctx, desired)
        label = str(created.get(entity.title) or "")
        given = jsonable(desired).items()
        changes = {key: [None, value] for key, value in given if value not in (None, "")}
        return Applied("create", created["id"], label, changes)
    record_id = _whole(record_id)
    show = entity.hook("show")
    assert show is not None  # every entity with a writer has a card
    before = show(ctx, record_id)
    kept = _not_undoing(ctx, entity, before, record, desired)
    # The edit runs (checks, rights) in a savepoint that is dropped when it changed
    # nothing, so applying a list back leaves even ``updated_at`` as it was.
    savepoint = ctx.session.begin_nested()
    after = writer.edit(ctx, str(record_id), kept)
    changes = field_changes(jsonable(before), jsonable(after))
    changes.pop("updated_at", None)
    if changes:
        savepoint.commit()
    else:
        savepoint.rollback()
    action = "update" if changes else "unchanged"
    return Applied(action, record_id, str(after.get(entity.title) or ""), changes)


def _company_of(record: Record) -> str:
    company = record.get("company_id")
    if company in (None, ""):
        company = record.get("company")
    if company in (None, ""):
        raise ValidationError("a new record needs its company: `company_id` or `company`")
    return str(company)


def _whole(value: Any) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError(f"field 'id': {value!r} is not a whole number") from None
    if number < 1:
        raise ValidationError(f"field 'id': {value!r} is not a record id")
    return number


def _not_undoing(
    ctx: Context, entity: entities.Entity, current: Record, record: Record, desired: Record
) -> Record:
    """``desired`` without what would undo a change made after ``record`` was read."""
    since = stale.read_at(record)
    stored = stale.read_at(current)
    if since is None or stored is None or stored <= since:
        return desired
    shown = jsonable(current)
    proposed = jsonable({name: record[name] for name in desired if name in shown})
    changed = stale.changes_since(ctx, entity.name, current["id"], since, set(shown))
    decided = stale.reconcile(f"{entity.name} {current['id']}", proposed, shown, changed)
    return {name: value for name, value in desired.items() if name not in decided.keep}
