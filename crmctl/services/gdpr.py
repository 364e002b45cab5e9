"""GDPR: consents with history, export of everything held about a person, erasure, retention.

Erasure anonymises the person's row and then scans every text and JSON column of every
table (found by inspecting the live database, so tables added later are covered too) for
the person's names, e-mails and phones, replacing them with ``[erased]``. Non-personal
facts — deal values, stages, counts, links between records — stay, so reports do not
change. Event payloads are anonymised too (the one change events allow).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, String, Text, delete, func, inspect, or_, select, update
from sqlalchemy.sql import column, table

from crmctl.db.models import (
    Activity,
    Consent,
    Deal,
    DealContact,
    Document,
    Event,
    JsonType,
    Lead,
    Person,
    PersonEmail,
    PersonPhone,
    PersonRelation,
    Tag,
    Task,
)
from crmctl.errors import UsageError, ValidationError
from crmctl.services import policy
from crmctl.services.context import Context
from crmctl.services.events import record_event
from crmctl.services.refs import resolve_person
from crmctl.values import jsonable

BASES = ("consent", "contract", "legitimate-interest")
ERASED = "[erased]"
# Tables that hold no customer's personal data (crmctl's own users) or none at all.
NOT_SCANNED = {"users", "teams", "alembic_version"}
# In the person's own events and their leads' events: these keys are personal, whatever
# their values.
PERSONAL_KEYS = {
    "name", "first_name", "last_name", "title_before", "title_after", "function", "note",
    "emails", "phones", "email", "phone", "custom", "duplicate_name", "contact_name",
    "contact_email", "contact_phone", "message", "full_name", "evidence",
}  # fmt: skip
# Other branches register more: ``EXPORT_SECTIONS["activities"] = fn(ctx, person_id)`` and
# ``ERASE_HOOKS.append(fn(ctx, person_id) -> {table: rows})`` (e.g. documents only theirs).
EXPORT_SECTIONS: dict[str, Callable[[Context, int], list[dict[str, Any]]]] = {}
ERASE_HOOKS: list[Callable[[Context, int], dict[str, int]]] = []


# --- consents ---------------------------------------------------------------------------


def record_consent(
    ctx: Context,
    person_ref: str,
    *,
    purpose: str,
    granted: bool,
    basis: str,
    source: str,
    evidence: str | None = None,
) -> list[dict[str, Any]]:
    """Grant or withdraw; the previous decision for the purpose is kept as history."""
    person = resolve_person(ctx, person_ref, action="write")
    purpose, basis, source = _consent_values(purpose, basis, source)
    ctx.session.execute(
        update(Consent)
        .where(
            Consent.person_id == person.id,
            Consent.purpose == purpose,
            Consent.superseded_at.is_(None),
        )
        .values(superseded_at=ctx.now)
    )
    ctx.session.add(
        Consent(
            person_id=person.id, purpose=purpose, granted=granted, basis=basis, source=source,
            evidence=(evidence or "").strip() or None, at=ctx.now, actor_id=ctx.actor_id,
        )
    )  # fmt: skip
    ctx.session.flush()
    kind = "contact.consent_granted" if granted else "contact.consent_withdrawn"
    record_event(
        ctx, "contact", person.id, kind, {"purpose": purpose, "basis": basis, "source": source}
    )
    return consent_history(ctx, person.id)


def _consent_values(purpose: str, basis: str, source: str) -> tuple[str, str, str]:
    purpose = (purpose or "").strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", purpose):
        raise ValidationError(
            f"purpose {purpose!r}: use a short key such as newsletter or events "
            "(letters, digits, dots, dashes, underscores)"
        )
    if basis not in BASES:
        raise ValidationError(f"basis {basis!r} is not one of {', '.join(BASES)}")
    if not (source or "").strip():
        raise ValidationError("say where the consent came from: pass --source (e.g. web-form)")
    return purpose, basis, source.strip()


def consent_history(ctx: Context, person_id: int) -> list[dict[str, Any]]:
    from crmctl.services.users import logins_by_id

    rows = ctx.session.scalars(
        select(Consent).where(Consent.person_id == person_id).order_by(Consent.purpose, Consent.id)
    ).all()
    logins = logins_by_id(ctx, [row.actor_id for row in rows])
    return [
        {
            "purpose": row.purpose,
            "status": "granted" if row.granted else "withdrawn",
            "basis": row.basis,
            "source": row.source,
            "evidence": row.evidence,
            "at": row.at,
            "by": logins.get(row.actor_id or -1),
            "current": row.superseded_at is None,
        }
        for row in rows
    ]


def list_consents(ctx: Context, person_ref: str) -> list[dict[str, Any]]:
    return consent_history(ctx, resolve_person(ctx, person_ref).id)


# --- export ---------------------------------------------------------------------------


def export_person(ctx: Context, person_ref: str) -> dict[str, Any]:
    """Everything held about a person that the acting user may read."""
    from crmctl.services.contacts import contact_record, describe_relations
    from crmctl.services.timeline import TimelineOptions, timeline

    person = resolve_person(ctx, person_ref, include_deleted=True)
    record = contact_record(ctx, person)
    data: dict[str, Any] = {
        "person": record,
        "relations": describe_relations(ctx, record),
        "consents": consent_history(ctx, person.id),
        "deals": _deals_of(ctx, person.id),
        "leads": _leads_of(ctx, person, record["emails"]),
        "tasks": _tasks_of(ctx, person.id),
        "timeline": timeline(ctx, "contact", str(person.id), TimelineOptions(limit=100_000)),
        "activities": _activities_of(ctx, person.id),
        "documents": _documents_of(ctx, person.id),
    }
    for name, section in EXPORT_SECTIONS.items():
        data[name] = section(ctx, person.id)
    return jsonable(data)


def _deals_of(ctx: Context, person_id: int) -> list[dict[str, Any]]:
    rows = ctx.session.execute(
        select(Deal.id, Deal.title, Deal.stage, Deal.status, DealContact.role)
        .join(DealContact, DealContact.deal_id == Deal.id)
        .where(DealContact.person_id == person_id, policy.predicate(ctx, "deal"))
        .order_by(Deal.id)
    ).all()
    return [dict(row._mapping) for row in rows]


def _leads_of(ctx: Context, person: Person, emails: list[str]) -> list[dict[str, Any]]:
    from crmctl.services.leads import lead_records

    leads = ctx.session.scalars(
        select(Lead)
        .where(_lead_of(person.id, emails), policy.predicate(ctx, "lead"))
        .order_by(Lead.id)
    ).all()
    return lead_records(ctx, list(leads))


def _lead_of(person_id: int, emails: list[str]) -> Any:
    if not emails:
        return Lead.person_id == person_id
    return or_(Lead.person_id == person_id, Lead.contact_email.in_(emails))


def _tasks_of(ctx: Context, person_id: int) -> list[dict[str, Any]]:
    rows = ctx.session.execute(
        select(Task.id, Task.kind, Task.subject, Task.body, Task.due_at, Task.done_at)
        .where(Task.person_id == person_id, policy.predicate(ctx, "task"))
        .order_by(Task.id)
    ).all()
    return [dict(row._mapping) for row in rows]


def _activities_of(ctx: Context, person_id: int) -> list[dict[str, Any]]:
    from crmctl.services.activities import activity_records

    rows = ctx.session.scalars(
        select(Activity)
        .where(Activity.person_id == person_id, policy.predicate(ctx, "activity"))
        .order_by(Activity.occurred_at, Activity.id)
    ).all()
    return activity_records(ctx, list(rows))


def _documents_of(ctx: Context, person_id: int) -> list[dict[str, Any]]:
    """The list of the person's documents (names and hashes, not their content)."""
    from crmctl.services.documents import document_records

    rows = ctx.session.scalars(
        select(Document)
        .where(
            Document.person_id == person_id,
            Document.deleted_at.is_(None),
            policy.predicate(ctx, "document"),
        )
        .order_by(Document.id)
    ).all()
    return document_records(ctx, list(rows))


# --- erase ------------------------------------------------------------------------------


@dataclass
class Erasure:
    person_id: int
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, count: int) -> None:
        if count:
            self.counts[key] = self.counts.get(key, 0) + count


def erase_person(ctx: Context, person_ref: str, *, dry_run: bool = False) -> Erasure:
    """Anonymise the person everywhere; the caller rolls back a dry run.

    Records an erasure event that holds only counts: who was erased is the record id.
    """
    from crmctl.services.users import require_admin

    # It rewrites every table, records its user may not see included: an admin's job.
    require_admin(ctx, "erase a person")
    person = resolve_person(ctx, person_ref, include_deleted=True, action="write")
    if person.erased_at is not None:
        raise ValidationError(f"contact #{person.id} was already erased")
    result = Erasure(person.id, dry_run)
    identifiers = person_identifiers(ctx, person)
    cells = {value for value in (person.first_name, person.last_name) if value}
    lead_ids = _erase_leads(ctx, person, identifiers, result)
    _erase_own_events(ctx, person.id, lead_ids, result)
    _erase_linked_texts(ctx, person.id, result)
    blobs = _erase_own_documents(ctx, person.id, result)
    _erase_person_row(ctx, person, result)
    _scrub_database(ctx, identifiers, cells, result)
    for hook in ERASE_HOOKS:
        for key, count in hook(ctx, person.id).items():
            result.add(key, count)
    record_event(ctx, "contact", person.id, "contact.erased", {"counts": dict(result.counts)})
    if blobs and not dry_run:
        # The content goes only with the rows: were the commit to fail, the documents
        # would still be there and must still open.
        store = ctx.settings.documents_dir
        ctx.after_commit(lambda: _remove_blobs(store, blobs))
    return result


def person_identifiers(ctx: Context, person: Person) -> list[str]:
    """Texts that identify the person: full names, e-mails and phones in every form."""
    from crmctl.normalize import format_phone_national, phone_search_forms
    from crmctl.services.contacts import display_name
    from crmctl.text import fold

    emails = ctx.session.scalars(
        select(PersonEmail.email).where(PersonEmail.person_id == person.id)
    ).all()
    phones = ctx.session.scalars(
        select(PersonPhone.phone).where(PersonPhone.person_id == person.id)
    ).all()
    names = {display_name(person), " ".join(filter(None, [person.first_name, person.last_name]))}
    if person.first_name:
        names.add(f"{person.last_name} {person.first_name}")
    forms: set[str] = set(emails)
    for phone in phones:
        forms.update(phone_search_forms(phone))
        with contextlib.suppress(ValidationError):
            forms.add(format_phone_national(phone))
    found = {*names, *(fold(name) for name in names), *forms}
    # Longest first, so that "Ing. Jan Novák" goes before "Jan Novák" leaves "Ing. [erased]".
    return sorted((text for text in found if len(text.strip()) >= 3), key=len, reverse=True)


def _erase_leads(
    ctx: Context, person: Person, identifiers: list[str], result: Erasure
) -> list[int]:
    emails = list(
        ctx.session.scalars(select(PersonEmail.email).where(PersonEmail.person_id == person.id))
    )
    lead_ids = list(ctx.session.scalars(select(Lead.id).where(_lead_of(person.id, emails))))
    if lead_ids:
        ctx.session.execute(
            update(Lead)
            .where(Lead.id.in_(lead_ids))
            .values(contact_name=None, contact_email=None, contact_phone=None, message=None)
        )
        result.add("leads", len(lead_ids))
    return lead_ids


def _erase_own_events(ctx: Context, person_id: int, lead_ids: list[int], result: Erasure) -> None:
    """The person's and their leads' events: every personal key, whatever its value."""
    from crmctl.services.timeline import merged_ids

    own = (Event.entity_type == "contact") & Event.entity_id.in_(merged_ids(ctx, Person, person_id))
    if lead_ids:
        own = own | ((Event.entity_type == "lead") & Event.entity_id.in_(lead_ids))
    for event_id, payload in ctx.session.execute(select(Event.id, Event.payload).where(own)):
        cleaned = _drop_personal(payload)
        if cleaned != payload:
            ctx.session.execute(update(Event).where(Event.id == event_id).values(payload=cleaned))
            result.add("events", 1)


def _drop_personal(value: Any, keys: set[str] = PERSONAL_KEYS) -> Any:
    if isinstance(value, dict):
        return {
            key: (ERASED if key in keys and item not in (None, "", [], {}) else
                  _drop_personal(item, keys))
            for key, item in value.items()
        }  # fmt: skip
    if isinstance(value, list):
        return [_drop_personal(item, keys) for item in value]
    return value


# What was said or written with the person: the texts of their tasks, activities and
# documents (and the same keys in those records' events). Subjects stay, scrubbed of names.
LINKED_TEXT_KEYS = PERSONAL_KEYS | {"body", "done_note", "attendees", "file_name", "outcome"}


def _erase_linked_texts(ctx: Context, person_id: int, result: Erasure) -> None:
    """Tasks and activities with the person: bodies, notes and attendees; their events."""
    result.add("tasks", _update_texts(ctx, Task, person_id, ("body", "done_note")))
    result.add("activities", _update_texts(ctx, Activity, person_id, ("body", "outcome")))
    result.add(
        "activities.attendees",
        int(
            ctx.session.execute(
                update(Activity).where(Activity.person_id == person_id).values(attendees=[])
            ).rowcount
            or 0
        ),
    )
    linked = or_(
        *(
            (Event.entity_type == name)
            & Event.entity_id.in_(select(model.id).where(model.person_id == person_id))
            for name, model in (("task", Task), ("activity", Activity), ("document", Document))
        )
    )
    for event_id, payload in ctx.session.execute(select(Event.id, Event.payload).where(linked)):
        cleaned = _drop_personal(payload, LINKED_TEXT_KEYS)
        if cleaned != payload:
            ctx.session.execute(update(Event).where(Event.id == event_id).values(payload=cleaned))
            result.add("events", 1)


def _update_texts(ctx: Context, model: Any, person_id: int, names: tuple[str, ...]) -> int:
    """``[erased]`` in each non-empty text column of the person's rows; rows changed."""
    from sqlalchemy import case

    condition = or_(*(getattr(model, name).is_not(None) for name in names))
    values = {name: case((getattr(model, name).is_(None), None), else_=ERASED) for name in names}
    statement = update(model).where(model.person_id == person_id, condition).values(values)
    return int(ctx.session.execute(statement).rowcount or 0)


def _erase_own_documents(ctx: Context, person_id: int, result: Erasure) -> list[str]:
    """Documents attached to the person alone (no company, no deal) are removed; returns
    the hashes whose content no other live document shares (to delete from the store)."""
    own = (
        (Document.person_id == person_id)
        & Document.company_id.is_(None)
        & Document.deal_id.is_(None)
        & Document.deleted_at.is_(None)
    )
    rows = ctx.session.execute(select(Document.id, Document.sha256).where(own)).all()
    if not rows:
        return []
    ids = [row.id for row in rows]
    ctx.session.execute(
        update(Document)
        .where(Document.id.in_(ids))
        .values(deleted_at=ctx.now, file_name=ERASED, media_type=None)
    )
    result.add("documents", len(ids))
    hashes = sorted({row.sha256 for row in rows})
    shared = set(
        ctx.session.scalars(
            select(Document.sha256).where(
                Document.sha256.in_(hashes), Document.deleted_at.is_(None)
            )
        )
    )
    return [digest for digest in hashes if digest not in shared]


def _remove_blobs(store: Path, hashes: list[str]) -> None:
    """Delete the removed documents' content from the store, after the commit."""
    from crmctl.services.documents import blob_path

    for digest in hashes:
        with contextlib.suppress(FileNotFoundError):
            blob_path(store, digest).unlink()


def _erase_person_row(ctx: Context, person: Person, result: Erasure) -> None:
    for model in (PersonEmail, PersonPhone):
        result.add(model.__table__.name, _delete(ctx, model, model.person_id == person.id))
    result.add(
        "person_relations",
        _delete(
            ctx,
            PersonRelation,
            or_(PersonRelation.person_id == person.id, PersonRelation.other_person_id == person.id),
        ),
    )
    result.add(
        "tags", _delete(ctx, Tag, (Tag.entity_type == "contact") & (Tag.entity_id == person.id))
    )
    ctx.session.execute(update(Consent).where(Consent.person_id == person.id).values(evidence=None))
    for name in ("title_before", "first_name", "title_after", "function", "note"):
        setattr(person, name, None)
    person.last_name = ERASED
    person.custom, person.search_text, person.name_key = {}, "", ""
    person.erased_at = person.updated_at = ctx.now
    person.updated_by_id = ctx.actor_id
    ctx.session.flush()
    result.add("persons", 1)


def _delete(ctx: Context, model: Any, condition: Any) -> int:
    return int(ctx.session.execute(delete(model).where(condition)).rowcount or 0)


def _scrub_database(ctx: Context, identifiers: list[str], cells: set[str], result: Erasure) -> None:
    """Every text column: one set-based UPDATE; every JSON column: the matching rows."""
    if not identifiers:
        return
    connection = ctx.session.connection()
    inspector = inspect(connection)
    for table_name in sorted(set(inspector.get_table_names()) - NOT_SCANNED):
        columns = inspector.get_columns(table_name)
        keys = inspector.get_pk_constraint(table_name).get("constrained_columns") or []
        for info in columns:
            kind = info["type"]
            if isinstance(kind, JSON) or type(kind).__name__ in ("JSON", "JSONB"):
                count = _scrub_json(ctx, table_name, info["name"], keys, identifiers, cells)
            elif isinstance(kind, String | Text):
                count = _scrub_text(ctx, table_name, info["name"], identifiers)
            else:
                continue
            result.add(f"{table_name}.{info['name']}", count)


def _like_any(target: Any, identifiers: Iterable[str]) -> Any:
    from crmctl.query.compiler import escape_like

    return or_(*(target.like(f"%{escape_like(text)}%", escape="\\") for text in identifiers))


def _json_forms(identifiers: list[str]) -> list[str]:
    """How a text looks inside stored JSON: as is, or with non-ASCII as ``\\uXXXX``."""
    import json

    escaped = {json.dumps(text)[1:-1] for text in identifiers}
    return sorted({*identifiers, *escaped}, key=len, reverse=True)


def _scrub_text(ctx: Context, table_name: str, name: str, identifiers: list[str]) -> int:
    target = column(name)
    replaced: Any = target
    for text in identifiers:
        replaced = func.replace(replaced, text, ERASED)
    statement = (
        update(table(table_name, target))
        .where(_like_any(target, identifiers))
        .values({name: replaced})
    )
    return int(ctx.session.execute(statement).rowcount or 0)


def _scrub_json(
    ctx: Context,
    table_name: str,
    name: str,
    keys: list[str],
    identifiers: list[str],
    cells: set[str],
) -> int:
    """Rows whose JSON mentions the person; there also cells holding just their name."""
    from sqlalchemy import cast

    if len(keys) != 1:
        return 0
    key, target = column(keys[0]), column(name, JsonType)
    source = table(table_name, key, target)
    as_text = cast(target, Text)
    rows = ctx.session.execute(
        select(key, target).select_from(source).where(_like_any(as_text, _json_forms(identifiers)))
    ).all()
    row_id, json_value = column(keys[0]), column(name, JsonType)
    target_table = table(table_name, row_id, json_value)
    for row_key, value in rows:
        cleaned = _scrub_value(value, identifiers, cells)
        ctx.session.execute(update(target_table).where(row_id == row_key).values({name: cleaned}))
    return len(rows)


def _scrub_value(value: Any, identifiers: list[str], cells: set[str]) -> Any:
    if isinstance(value, str):
        if value in cells:
            return ERASED
        for text in identifiers:
            value = value.replace(text, ERASED)
        return value
    if isinstance(value, dict):
        return {key: _scrub_value(item, identifiers, cells) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub_value(item, identifiers, cells) for item in value]
    return value


# --- retention ------------------------------------------------------------------------


def retention_candidates(ctx: Context, inactive: str) -> list[dict[str, Any]]:
    """Live, not erased contacts with nothing new for ``inactive`` (e.g. 3y, 18m, 90d)."""
    from crmctl.query.dates import parse_moment
    from crmctl.services.contacts import display_name

    match = re.fullmatch(r"\s*(\d+)\s*([ymwd])\s*", inactive or "")
    if not match:
        raise UsageError(f"--inactive {inactive!r}: give a period such as 3y, 18m, 26w or 90d")
    cutoff = parse_moment(f"-{match[1]}{match[2]}", ctx.now, ctx.tz, "--inactive")
    last_event = (
        select(func.max(Event.at))
        .where(Event.entity_type == "contact", Event.entity_id == Person.id)
        .scalar_subquery()
    )
    last_deal = (
        select(func.max(Deal.last_touched_at))
        .join(DealContact, DealContact.deal_id == Deal.id)
        .where(DealContact.person_id == Person.id)
        .scalar_subquery()
    )
    granted = (
        select(func.count())
        .where(Consent.person_id == Person.id, Consent.granted, Consent.superseded_at.is_(None))
        .scalar_subquery()
    )
    statement = (
        select(Person, last_event.label("last_event"), last_deal.label("last_deal"), granted)
        .where(
            Person.deleted_at.is_(None),
            Person.erased_at.is_(None),
            Person.updated_at < cutoff,
            or_(last_event.is_(None), last_event < cutoff),
            or_(last_deal.is_(None), last_deal < cutoff),
            policy.predicate(ctx, "contact"),
        )
        .order_by(Person.id)
    )
    rows = ctx.session.execute(statement).all()
    return [
        {
            "id": person.id,
            "name": display_name(person),
            "last_activity": max(
                filter(None, [person.updated_at, _aware(last_ev), _aware(last_dl)])
            ),
            "consents_granted": int(count or 0),
        }
        for person, last_ev, last_dl, count in rows
    ]


def _aware(value: Any) -> Any:
    from crmctl.clock import as_utc

    if value is None:
        return None
    if isinstance(value, str):
        from datetime import datetime

        value = datetime.fromisoformat(value)
    return as_utc(value)
