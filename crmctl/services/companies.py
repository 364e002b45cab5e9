"""Companies: the address book's firms, with IČO, address, region and tags."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select, update

from crmctl import entities
from crmctl.db.models import Company, Event, PersonCompany
from crmctl.errors import Conflict, ValidationError
from crmctl.geo import lookup_psc
from crmctl.normalize import (
    normalize_dic,
    normalize_email,
    normalize_ico,
    normalize_phone,
    normalize_psc,
    normalize_website,
    phone_search_forms,
)
from crmctl.services import tags as tag_store
from crmctl.services.access import policy
from crmctl.services.activities import move_links
from crmctl.services.context import Context
from crmctl.services.events import field_changes, record_event
from crmctl.services.listing import (
    ListOptions,
)
from crmctl.services.locking import lock_for_write
from crmctl.services.read import sources
from crmctl.services.read.pipeline import list_records, show_record
from crmctl.services.read.records import company_records
from crmctl.services.refs import resolve_company, resolve_user
from crmctl.services.users import logins_by_id
from crmctl.text import company_name_key, fold_parts

ENTITY = "company"
# The company's own text fields: what `add`, `edit` and imports set.
SCALAR_FIELDS = entities.COMPANY.scalar_fields


@dataclass
class CompanyInput:
    """What the user gave: ``None`` leaves a field alone, ``""`` clears it."""

    values: dict[str, str | None] = field(default_factory=dict)
    owner: str | None = None
    tags_add: list[str] = field(default_factory=list)
    tags_remove: list[str] = field(default_factory=list)
    custom_set: dict[str, Any] = field(default_factory=dict)
    custom_unset: list[str] = field(default_factory=list)


def add_company(ctx: Context, data: CompanyInput) -> dict[str, Any]:
    actor = ctx.require_actor()
    policy.require_any_write(ctx, ENTITY, "add companies")
    values = normalise_values(data.values)
    if not values.get("name"):
        raise ValidationError("company name is required: pass --name")
    owner_id = resolve_user(ctx, data.owner).id if data.owner else actor.id
    policy.require_owner_in_scope(ctx, ENTITY, owner_id)
    company = Company(
        name=values["name"],
        country="CZ",
        custom={},
        created_at=ctx.now,
        updated_at=ctx.now,
        created_by_id=actor.id,
        updated_by_id=actor.id,
        owner_id=owner_id,
    )
    _assign(company, values, explicit_region="region" in values)
    _ensure_unique_ico(ctx, company)
    company.custom = _merged_custom({}, data)
    ctx.session.add(company)
    ctx.session.flush()
    tag_store.change(ctx, ENTITY, company.id, data.tags_add, data.tags_remove)
    _refresh_search_text(company)
    record = company_record(ctx, company)
    record_event(ctx, ENTITY, company.id, "company.created", {"fields": _loggable(record)})
    return record


def edit_company(ctx: Context, ref: str, data: CompanyInput) -> dict[str, Any]:
    company = resolve_company(ctx, ref, action="write")
    # Custom fields and tags are read, changed and written back: under the row's lock.
    lock_for_write(ctx, company)
    before = company_record(ctx, company)
    values = normalise_values(data.values)
    if "name" in values and not values["name"]:
        raise ValidationError("company name must not be empty")
    _assign(company, values, explicit_region="region" in values)
    _ensure_unique_ico(ctx, company)
    if data.owner is not None:
        company.owner_id = resolve_user(ctx, data.owner).id
        policy.require_owner_in_scope(ctx, ENTITY, company.owner_id)
    company.custom = _merged_custom(company.custom or {}, data)
    tag_store.change(ctx, ENTITY, company.id, data.tags_add, data.tags_remove)
    _refresh_search_text(company)
    changes = field_changes(_loggable(before), _loggable(company_record(ctx, company)))
    if changes:
        company.updated_at, company.updated_by_id = ctx.now, ctx.actor_id
        record_event(ctx, ENTITY, company.id, "company.updated", {"changes": changes})
    return company_record(ctx, company)


def remove_company(ctx: Context, ref: str, *, purge: bool = False) -> dict[str, Any]:
    company = resolve_company(ctx, ref, include_deleted=purge, action="write")
    record = company_record(ctx, company)
    if not purge:
        company.deleted_at = ctx.now
        company.updated_at, company.updated_by_id = ctx.now, ctx.actor_id
        record_event(ctx, ENTITY, company.id, "company.deleted", {"name": company.name})
        return company_record(ctx, company)
    ctx.session.execute(
        update(Company).where(Company.merged_into_id == company.id).values(merged_into_id=None)
    )
    tag_store.remove_all(ctx, ENTITY, company.id)
    ctx.session.delete(company)
    # The purge event keeps no personal data, only that the record existed.
    record_event(ctx, ENTITY, record["id"], "company.purged", {"ico": record["ico"]})
    return record


def merge_companies(ctx: Context, keep_ref: str, duplicate_ref: str) -> dict[str, Any]:
    keep = resolve_company(ctx, keep_ref, action="write")
    duplicate = resolve_company(ctx, duplicate_ref, action="write")
    if keep.id == duplicate.id:
        raise ValidationError(f"cannot merge company #{keep.id} into itself")
    for company in sorted((keep, duplicate), key=lambda item: item.id):  # one order: no deadlock
        lock_for_write(ctx, company)
    before = company_record(ctx, keep)
    duplicate_record = company_record(ctx, duplicate)
    duplicate.deleted_at, duplicate.merged_into_id = ctx.now, keep.id
    ctx.session.flush()  # frees the duplicate's IČO for KEEP
    filled = {
        name: duplicate_record[name]
        for name in SCALAR_FIELDS
        if before.get(name) in (None, "") and duplicate_record.get(name) not in (None, "")
    }
    _assign(keep, filled, explicit_region=True)
    keep.custom = {**(duplicate.custom or {}), **(keep.custom or {})}
    tag_store.change(ctx, ENTITY, keep.id, duplicate_record["tags"], [])
    moved_links = _move_person_links(ctx, keep.id, duplicate.id)
    # Tasks, activities and documents follow the company kept (and its timeline).
    move_links(ctx, "company_id", duplicate.id, keep.id)
    # Events are append-only: KEEP's timeline follows `merged_into` to the duplicate's.
    moved_events = ctx.session.scalar(
        select(func.count())
        .select_from(Event)
        .where(Event.entity_type == ENTITY, Event.entity_id == duplicate.id)
    )
    keep.updated_at, keep.updated_by_id = ctx.now, ctx.actor_id
    _refresh_search_text(keep)
    changes = field_changes(_loggable(before), _loggable(company_record(ctx, keep)))
    record_event(
        ctx,
        ENTITY,
        keep.id,
        "company.merged",
        {
            "duplicate_id": duplicate.id,
            "duplicate_name": duplicate.name,
            "moved_events": moved_events,
            "moved_contacts": moved_links,
            "changes": changes,
        },
    )
    record_event(
        ctx, ENTITY, duplicate.id, "company.merged_into", {"keep_id": keep.id, "name": keep.name}
    )
    return company_record(ctx, keep)


def list_companies(ctx: Context, options: ListOptions) -> list[dict[str, Any]]:
    return list_records(ctx, sources.source("company"), options)


def show_company(ctx: Context, ref: str) -> dict[str, Any]:
    """The whole company to who may read it, else its basic card."""
    return show_record(ctx, sources.source("company"), ref)


def company_record(ctx: Context, company: Company) -> dict[str, Any]:
    return company_records(ctx, [company])[0]


def _loggable(record: dict[str, Any]) -> dict[str, Any]:
    """The parts of a record whose changes belong on the timeline."""
    hidden = {"created_at", "updated_at", "created_by", "updated_by", "deleted_at", "id"}
    return {key: value for key, value in record.items() if key not in hidden}


def normalise_values(values: dict[str, str | None]) -> dict[str, str | None]:
    """Validate and normalise user input; an empty string clears a field."""
    normalisers = {
        "ico": normalize_ico,
        "dic": normalize_dic,
        "psc": normalize_psc,
        "phone": normalize_phone,
        "email": normalize_email,
        "website": normalize_website,
        "country": _normalise_country,
    }
    result: dict[str, str | None] = {}
    for name, raw in values.items():
        if name not in SCALAR_FIELDS:
            raise ValidationError(f"unknown company field {name!r}")
        if raw is None:
            continue
        text = raw.strip()
        normaliser = normalisers.get(name)
        result[name] = (normaliser(text) if normaliser else text) if text else None
    return result


def _normalise_country(raw: str) -> str:
    code = raw.strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise ValidationError(f"invalid country {raw!r}: use a two-letter ISO code such as CZ")
    return code


def _assign(company: Company, values: dict[str, Any], *, explicit_region: bool) -> None:
    for name, value in values.items():
        setattr(company, name, value)
    if company.country is None:
        company.country = "CZ"
    address_changed = "psc" in values or "city" in values
    if address_changed and not explicit_region:
        _derive_region(company)


def _derive_region(company: Company) -> None:
    place = lookup_psc(company.psc, company.city) if company.psc else None
    company.region = place.kraj if place else None
    company.district = place.okres if place else None


def _ensure_unique_ico(ctx: Context, company: Company) -> None:
    if not company.ico:
        return
    with ctx.session.no_autoflush:
        other = ctx.session.scalars(
            select(Company).where(
                Company.ico == company.ico,
                Company.deleted_at.is_(None),
                Company.id != (company.id or -1),
            )
        ).first()
    if other is not None:
        raise _ico_taken(ctx, company.ico, other)


def _ico_taken(ctx: Context, ico: str, other: Company) -> Conflict:
    """Everyone may see the company card (id, name, IČO, city, owner), nothing more."""
    taken = f"IČO {ico} already belongs to company #{other.id} {other.name}"
    if policy.may(ctx, ENTITY, other.id, "write"):
        return Conflict(
            f"{taken}; edit that one or merge with `crmctl companies merge {other.id} …`"
        )
    owner = logins_by_id(ctx, [other.owner_id]).get(other.owner_id or -1, "nobody")
    return Conflict(f"{taken} (owner: {owner}); ask its owner or an admin about it")


def _merged_custom(current: dict[str, Any], data: CompanyInput) -> dict[str, Any]:
    merged = {**current, **data.custom_set}
    for key in data.custom_unset:
        merged.pop(key, None)
    return merged


def _refresh_search_text(company: Company) -> None:
    company.search_text = company_search_text(
        company.name, company.ico, company.email, company.phone, company.city
    )
    company.name_key = company_name_key(company.name)


def company_search_text(
    name: str, ico: str | None, email: str | None, phone: str | None, city: str | None
) -> str:
    """The folded text ``--search`` matches: name, IČO, e-mail, phone forms and city."""
    forms = phone_search_forms(phone) if phone else []
    return fold_parts([name, ico, email, *forms, city])


def _move_person_links(ctx: Context, keep_id: int, duplicate_id: int) -> int:
    links = ctx.session.scalars(
        select(PersonCompany).where(PersonCompany.company_id == duplicate_id)
    ).all()
    already = set(
        ctx.session.scalars(
            select(PersonCompany.person_id).where(PersonCompany.company_id == keep_id)
        ).all()
    )
    moved = 0
    for link in links:
        if link.person_id in already:
            continue
        ctx.session.add(
            PersonCompany(
                person_id=link.person_id,
                company_id=keep_id,
                role=link.role,
                is_primary=link.is_primary,
            )
        )
        moved += 1
    ctx.session.execute(delete(PersonCompany).where(PersonCompany.company_id == duplicate_id))
    return moved
