"""Contacts (persons): names, e-mails, phones, company links and relations."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update

from crmctl import entities
from crmctl.db.models import (
    Company,
    Person,
    PersonCompany,
    PersonEmail,
    PersonPhone,
    PersonRelation,
)
from crmctl.errors import Conflict, NotFound, ValidationError
from crmctl.normalize import normalize_email, normalize_phone, phone_search_forms, split_person_name
from crmctl.services import stale
from crmctl.services import tags as tag_store
from crmctl.services.access import policy
from crmctl.services.context import Context, dry_run_scope
from crmctl.services.events import field_changes, record_event
from crmctl.services.listing import ListOptions
from crmctl.services.locking import lock_for_write
from crmctl.services.read import sources
from crmctl.services.read.pipeline import list_records, show_record
from crmctl.services.read.records import (  # noqa: F401  (re-exported: callers find them here)
    CONTACT_SCALARS,
    contact_records,
    contacts_of_company,
    describe_relations,
    display_name,
)
from crmctl.services.refs import resolve_company, resolve_person, resolve_user
from crmctl.text import fold_parts, person_name_key
from crmctl.values import jsonable

ENTITY = "contact"
SCALAR_FIELDS = entities.CONTACT.scalar_fields
# Fields of a record that `apply` and `edit` may set; everything else is derived.
SETTABLE = entities.CONTACT.settable
RELATION_FIELDS = {"reports_to": "reports_to", "assistant_of": "assistant_of"}


@dataclass(frozen=True)
class Plan:
    """What one contact write would do: create, update or nothing."""

    action: str  # "create" | "update" | "unchanged"
    person_id: int | None
    label: str
    changes: dict[str, list[Any]]


def add_contact(ctx: Context, desired: dict[str, Any]) -> dict[str, Any]:
    actor = ctx.require_actor()
    policy.require_any_write(ctx, ENTITY, "add contacts")
    wanted = normalise_desired(ctx, {"owner": actor.login, **desired})
    if not wanted.get("last_name"):
        raise ValidationError("a contact needs a last name: pass --name or --last-name")
    person = Person(
        last_name=wanted["last_name"],
        # The actor until _write sets the wanted owner (checking the write scope): on
        # PostgreSQL row security refuses to insert a contact that nobody owns.
        owner_id=actor.id,
        custom={},
        search_text="",
        created_at=ctx.now,
        updated_at=ctx.now,
        created_by_id=actor.id,
        updated_by_id=actor.id,
    )
    ctx.session.add(person)
    ctx.session.flush()
    write_person(ctx, person, wanted)
    record = contact_record(ctx, person)
    record_event(
        ctx,
        ENTITY,
        person.id,
        "contact.created",
        {"fields": {"name": record["name"], **_loggable(record)}},
    )
    return record


def update_contact(ctx: Context, person: Person, desired: dict[str, Any]) -> dict[str, Any]:
    wanted = normalise_desired(ctx, desired)
    _write_changes(ctx, person, wanted, planned_changes(ctx, person, wanted))
    return contact_record(ctx, person)


def planned_changes(ctx: Context, person: Person, wanted: dict[str, Any]) -> dict[str, list[Any]]:
    """What writing the normalised ``wanted`` state would change, as before/after pairs."""
    _refuse_new_links_to_removed(ctx, person.id, wanted.get("companies") or [])
    current = _comparable(contact_record(ctx, person))
    return field_changes(current, _comparable({**current, **wanted}))


def _write_changes(
    ctx: Context, person: Person, wanted: dict[str, Any], changes: dict[str, list[Any]]
) -> None:
    if changes:
        write_person(ctx, person, wanted)
        person.updated_at, person.updated_by_id = ctx.now, ctx.actor_id
        record_event(ctx, ENTITY, person.id, "contact.updated", {"changes": changes})


def edit_contact(ctx: Context, ref: str, edits: dict[str, Any]) -> dict[str, Any]:
    """``edits`` holds scalar values plus ``*_add``/``*_remove`` lists for many-valued fields."""
    person = resolve_person(ctx, ref, action="write")
    # The lists and custom fields below are read, changed and written back: under the lock.
    lock_for_write(ctx, person)
    current = contact_record(ctx, person)
    desired: dict[str, Any] = {k: v for k, v in edits.items() if k in SETTABLE}
    for name in ("emails", "phones", "tags"):
        added, removed = edits.get(f"{name}_add", []), edits.get(f"{name}_remove", [])
        if added or removed:
            normalise = _LIST_NORMALISERS[name]
            dropped = {normalise(value) for value in removed}
            kept = [value for value in current[name] if value not in dropped]
            desired[name] = kept + [normalise(v) for v in added if normalise(v) not in kept]
    if edits.get("custom_set") or edits.get("custom_unset"):
        custom = {**current["custom"], **edits.get("custom_set", {})}
        for key in edits.get("custom_unset", []):
            custom.pop(key, None)
        desired["custom"] = custom
    return update_contact(ctx, person, desired)


def remove_contact(ctx: Context, ref: str, *, purge: bool = False) -> dict[str, Any]:
    person = resolve_person(ctx, ref, include_deleted=purge, action="write")
    record = contact_record(ctx, person)
    if not purge:
        person.deleted_at = ctx.now
        person.updated_at, person.updated_by_id = ctx.now, ctx.actor_id
        record_event(ctx, ENTITY, person.id, "contact.deleted", {"name": record["name"]})
        return contact_record(ctx, person)
    ctx.session.execute(
        update(Person).where(Person.merged_into_id == person.id).values(merged_into_id=None)
    )
    tag_store.remove_all(ctx, ENTITY, person.id)
    ctx.session.delete(person)
    record_event(ctx, ENTITY, record["id"], "contact.purged", {})
    return record


def link_company(
    ctx: Context,
    person_ref: str,
    company_ref: str,
    *,
    role: str | None = None,
    primary: bool = False,
    remove: bool = False,
) -> dict[str, Any]:
    person = resolve_person(ctx, person_ref, action="write")
    lock_for_write(ctx, person)
    company = resolve_company(ctx, company_ref)
    links = [link for link in contact_record(ctx, person)["companies"] if link["id"] != company.id]
    if primary:
        links = [{**link, "primary": False} for link in links]
    if not remove:
        links.append({"id": company.id, "role": role, "primary": primary or not links})
    return update_contact(ctx, person, {"companies": links})


def relate(
    ctx: Context,
    person_ref: str,
    other_ref: str,
    *,
    kind: str,
    label: str | None = None,
    remove: bool = False,
) -> dict[str, Any]:
    """``kind`` is ``reports_to``, ``assistant_of`` or ``related`` (with a label)."""
    person = resolve_person(ctx, person_ref, action="write")
    lock_for_write(ctx, person)
    other = resolve_person(ctx, other_ref)
    if kind in RELATION_FIELDS:
        return update_contact(ctx, person, {kind: None if remove else other.id})
    current = contact_record(ctx, person)["related"]
    related = [item for item in current if item["id"] != other.id]
    if not remove:
        related.append({"id": other.id, "label": label})
    return update_contact(ctx, person, {"related": related})


def list_contacts(ctx: Context, options: ListOptions) -> list[dict[str, Any]]:
    return list_records(ctx, sources.source("contact"), options)


def show_contact(ctx: Context, ref: str) -> dict[str, Any]:
    return show_record(ctx, sources.source("contact"), ref)


def find_by_emails(ctx: Context, emails: Iterable[str]) -> Person | None:
    wanted = [_normalise_email(email) for email in emails]
    if not wanted:
        return None
    return ctx.session.scalars(
        select(Person)
        .join(PersonEmail, PersonEmail.person_id == Person.id)
        .where(PersonEmail.email.in_(wanted))
        .order_by(PersonEmail.position)
    ).first()


def find_by_id(ctx: Context, person_id: int) -> Person:
    """A live contact the acting user may read (else "permission denied" or not found)."""
    return resolve_person(ctx, str(person_id))


# --- records -----------------------------------------------------------------------


def contact_record(ctx: Context, person: Person) -> dict[str, Any]:
    return contact_records(ctx, [person])[0]


def _loggable(record: dict[str, Any]) -> dict[str, Any]:
    return {key: record[key] for key in SETTABLE if key in record}


def _comparable(record: dict[str, Any]) -> dict[str, Any]:
    """The settable part of a record in a canonical form, for diffs."""
    state = _loggable(record)
    state["companies"] = sorted(
        (
            {"id": c["id"], "role": c.get("role"), "primary": bool(c.get("primary"))}
            for c in state.get("companies") or []
        ),
        key=lambda item: item["id"],
    )
    state["tags"] = sorted(state.get("tags") or [])
    state["related"] = sorted(
        ({"id": r["id"], "label": r.get("label")} for r in state.get("related") or []),
        key=lambda item: item["id"],
    )
    return jsonable(state)


# --- normalising and writing ----------------------------------------------------------


def _normalise_email(raw: str) -> str:
    return normalize_email(raw)


def _normalise_phone(raw: str) -> str:
    return normalize_phone(raw)


_LIST_NORMALISERS = {
    "emails": _normalise_email,
    "phones": _normalise_phone,
    "tags": tag_store.clean_tag,
}


def normalise_desired(ctx: Context, desired: dict[str, Any]) -> dict[str, Any]:
    """Validate a (partial) desired state; unknown and derived keys are dropped."""
    wanted: dict[str, Any] = {}
    if desired.get("full_name"):
        parts = split_person_name(str(desired["full_name"]))
        # A single word ("Novák") is a surname, as in every Czech address book.
        first, last = parts.first_name or None, parts.last_name or None
        wanted.update(
            title_before=parts.title_before or None,
            first_name=first if last else None,
            last_name=last or first,
            title_after=parts.title_after or None,
        )
    for name in SCALAR_FIELDS:
        if name in desired:
            value = desired[name]
            wanted[name] = str(value).strip() or None if value is not None else None
    for name, normalise in _LIST_NORMALISERS.items():
        if name in desired:
            wanted[name] = unique([normalise(str(v)) for v in _as_list(desired[name], name)])
    if "owner" in desired:
        wanted["owner"] = resolve_user(ctx, desired["owner"]).login if desired["owner"] else None
    if "custom" in desired:
        if not isinstance(desired["custom"], dict):
            raise ValidationError("field 'custom' must be a mapping of key: value")
        wanted["custom"] = dict(desired["custom"])
    if "companies" in desired:
        wanted["companies"] = _normalise_links(ctx, _as_list(desired["companies"], "companies"))
    for name in RELATION_FIELDS:
        if name in desired:
            wanted[name] = _person_id(ctx, desired[name], name)
    if "related" in desired:
        wanted["related"] = [
            {"id": _person_id(ctx, item.get("id"), "related"), "label": item.get("label")}
            for item in _as_list(desired["related"], "related")
            if isinstance(item, dict)
        ]
    return wanted


def _as_list(value: Any, name: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError(f"field {name!r} must be a list")
    return value


def unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _person_id(ctx: Context, value: Any, field_name: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        value = value.get("id")
    try:
        person = find_by_id(ctx, int(value))
    except (TypeError, ValueError):
        raise ValidationError(
            f"field {field_name!r}: expected a contact id, got {value!r}"
        ) from None
    return person.id


def _normalise_links(ctx: Context, links: list[Any]) -> list[dict[str, Any]]:
    result: dict[int, dict[str, Any]] = {}
    for link in links:
        if not isinstance(link, dict) or link.get("id") in (None, ""):
            raise ValidationError("each entry of 'companies' needs an 'id' (a company id)")
        company = ctx.session.get(Company, int(link["id"]))
        if company is None:
            raise NotFound(f"field 'companies': no company with id {link['id']}")
        result[company.id] = {
            "id": company.id,
            "role": (link.get("role") or None),
            "primary": bool(link.get("primary")),
            # A removed company may stay linked (an export lists it), never be newly linked.
            "removed": company.deleted_at is not None,
        }
    return list(result.values())


def _refuse_new_links_to_removed(
    ctx: Context, person_id: int | None, links: list[dict[str, Any]]
) -> None:
    removed = [link["id"] for link in links if link.get("removed")]
    if not removed:
        return
    linked = set()
    if person_id is not None:
        linked = set(
            ctx.session.scalars(
                select(PersonCompany.company_id).where(
                    PersonCompany.person_id == person_id, PersonCompany.company_id.in_(removed)
                )
            )
        )
    for company_id in removed:
        if company_id not in linked:
            raise NotFound(f"field 'companies': no company with id {company_id}")


def write_person(ctx: Context, person: Person, wanted: dict[str, Any]) -> None:
    for name in SCALAR_FIELDS:
        if name in wanted:
            setattr(person, name, wanted[name])
    if not person.last_name:
        raise ValidationError("a contact needs a last name")
    if "owner" in wanted:
        owner_id = resolve_user(ctx, wanted["owner"]).id if wanted["owner"] else None
        if owner_id != person.owner_id:
            policy.require_owner_in_scope(ctx, ENTITY, owner_id)
        person.owner_id = owner_id
    if "custom" in wanted:
        person.custom = wanted["custom"]
    if "emails" in wanted:
        _write_emails(ctx, person, wanted["emails"])
    if "phones" in wanted:
        _replace_rows(ctx, PersonPhone, person.id, "phone", wanted["phones"])
    if "tags" in wanted:
        tag_store.replace(ctx, ENTITY, person.id, wanted["tags"])
    if "companies" in wanted:
        _write_links(ctx, person.id, wanted["companies"])
    for kind in RELATION_FIELDS:
        if kind in wanted:
            targets = [] if wanted[kind] is None else [{"id": wanted[kind], "label": None}]
            _write_relations(ctx, person.id, kind, targets)
    if "related" in wanted:
        _write_relations(ctx, person.id, "other", wanted["related"])
    ctx.session.flush()
    _refresh_search_text(ctx, person)


def _write_emails(ctx: Context, person: Person, emails: list[str]) -> None:
    if emails:
        owner = ctx.session.execute(
            select(PersonEmail.email, PersonEmail.person_id).where(
                PersonEmail.email.in_(emails), PersonEmail.person_id != person.id
            )
        ).first()
        if owner is not None:
            raise _email_taken(ctx, owner.email, owner.person_id, person.id)
    _replace_rows(ctx, PersonEmail, person.id, "email", emails)


def _email_taken(ctx: Context, email: str, holder_id: int, person_id: int) -> Conflict:
    """Names the contact holding the e-mail only to who may see it: for anyone else the
    conflict says that such a contact exists and nothing about it."""
    if policy.may(ctx, ENTITY, holder_id, "read"):
        return Conflict(
            f"e-mail {email} already belongs to contact #{holder_id}; "
            f"merge the two with `crmctl contacts merge {holder_id} {person_id}`"
        )
    return Conflict(
        f"e-mail {email} already belongs to another contact, one you may not see; "
        "ask an admin to merge the two or to hand that contact over"
    )


def _replace_rows(
    ctx: Context,
    model: type[PersonEmail] | type[PersonPhone],
    person_id: int,
    column: str,
    values: list[str],
) -> None:
    ctx.session.execute(delete(model).where(model.person_id == person_id))
    ctx.session.flush()
    for position, value in enumerate(values):
        ctx.session.add(model(person_id=person_id, position=position, **{column: value}))


def _write_links(ctx: Context, person_id: int, links: list[dict[str, Any]]) -> None:
    _refuse_new_links_to_removed(ctx, person_id, links)
    ctx.session.execute(delete(PersonCompany).where(PersonCompany.person_id == person_id))
    for link in links:
        ctx.session.add(
            PersonCompany(
                person_id=person_id,
                company_id=link["id"],
                role=link["role"],
                is_primary=link["primary"],
            )
        )


def _write_relations(
    ctx: Context, person_id: int, kind: str, targets: list[dict[str, Any]]
) -> None:
    ctx.session.execute(
        delete(PersonRelation).where(
            PersonRelation.person_id == person_id, PersonRelation.kind == kind
        )
    )
    for target in targets:
        if target["id"] == person_id:
            raise ValidationError(f"a contact cannot be in a {kind!r} relation with itself")
        ctx.session.add(
            PersonRelation(
                person_id=person_id,
                other_person_id=target["id"],
                kind=kind,
                label=target.get("label"),
            )
        )


def _refresh_search_text(ctx: Context, person: Person) -> None:
    emails = ctx.session.scalars(
        select(PersonEmail.email).where(PersonEmail.person_id == person.id)
    ).all()
    phones = ctx.session.scalars(
        select(PersonPhone.phone).where(PersonPhone.person_id == person.id)
    ).all()
    person.search_text = person_search_text(display_name(person), emails, phones)
    person.name_key = person_name_key(person.first_name, person.last_name)


def person_search_text(name: str, emails: Iterable[str], phones: Iterable[str]) -> str:
    """The folded text ``--search`` matches: name, e-mails, phones as E.164 and national."""
    forms = [form for phone in phones for form in phone_search_forms(phone)]
    return fold_parts([name, *emails, *forms])


def apply_contacts(
    ctx: Context,
    records: list[Any],
    *,
    source: str,
    dry_run: bool,
    progress: Callable[[int, int | None], None] | None = None,
) -> list[Plan]:
    """Create or update each record by id, else by e-mail; all or nothing (a dry run
    checks and plans every record, then rolls back)."""
    plans = []
    with dry_run_scope(ctx, dry_run):
        for number, record in enumerate(records, start=1):
            try:
                plans.append(_apply_one(ctx, record, dry_run=dry_run))
            except (ValidationError, NotFound, Conflict) as error:
                raise type(error)(f"{source}: record {number}: {error.message}") from None
            if progress:
                progress(number, len(records))
    return plans


def _apply_one(ctx: Context, record: Any, *, dry_run: bool) -> Plan:
    if not isinstance(record, dict):
        raise ValidationError("expected a mapping of contact fields")
    desired = {key: record[key] for key in SETTABLE if key in record}
    if record.get("name") and not (record.get("last_name") or record.get("first_name")):
        desired["full_name"] = record["name"]
    person = _existing(ctx, record)
    if person is not None:
        policy.require(ctx, ENTITY, person.id, "write")
        lock_for_write(ctx, person)
    if person is None:
        label = str(record.get("name") or record.get("last_name") or "")
        if dry_run:
            # A dry run still reports invalid records.
            _refuse_new_links_to_removed(
                ctx, None, normalise_desired(ctx, desired).get("companies") or []
            )
            created = None
        else:
            created = add_contact(ctx, desired)["id"]
        changes = {key: [None, value] for key, value in jsonable(desired).items()}
        return Plan("create", created, label, changes)
    wanted = _not_undoing(ctx, person, record, normalise_desired(ctx, desired))
    changes = planned_changes(ctx, person, wanted)
    if not dry_run:
        _write_changes(ctx, person, wanted, changes)
    return Plan("update" if changes else "unchanged", person.id, display_name(person), changes)


def _not_undoing(
    ctx: Context, person: Person, record: dict[str, Any], wanted: dict[str, Any]
) -> dict[str, Any]:
    """``wanted`` without what would undo a change made after ``record`` was read."""
    since = stale.read_at(record)
    if since is None or person.updated_at is None or person.updated_at <= since:
        return wanted
    current = _comparable(contact_record(ctx, person))
    proposed = _comparable({**current, **wanted})
    changed = stale.changes_since(ctx, ENTITY, person.id, since, set(current))
    decided = stale.reconcile(f"contact {person.id}", proposed, current, changed)
    kept = {name: value for name, value in wanted.items() if name not in decided.keep}
    if decided.custom is not None:
        kept["custom"] = decided.custom
    return kept


def _existing(ctx: Context, record: dict[str, Any]) -> Person | None:
    if record.get("id") not in (None, ""):
        try:
            return find_by_id(ctx, int(record["id"]))
        except (TypeError, ValueError):
            raise ValidationError(f"field 'id': expected a number, got {record['id']!r}") from None
    emails = record.get("emails") or []
    return find_by_emails(ctx, emails) if isinstance(emails, list) else None
