"""GDPR erasure: the person's row anonymised and every mention of them scrubbed.

Erasure anonymises the person's row and then scans every text and JSON column of every
table (found by inspecting the live database, so tables added later are covered too) for
the person's names, e-mails and phones however they were typed (see ``gdpr.match``),
replacing them with ``[erased]``; text documents in the store too. Non-personal
facts — deal values, stages, counts, links between records — stay, so reports do not
change. Event payloads are anonymised too (the one change events allow).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, String, Text, case, cast, delete, func, inspect, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import column, table

from crmctl.db import tables
from crmctl.db.models import (
    Activity,
    Consent,
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
from crmctl.errors import ValidationError
from crmctl.query.compiler import escape_like
from crmctl.services.contacts import display_name
from crmctl.services.context import Context, dry_run_scope
from crmctl.services.documents import blob_path, store_content
from crmctl.services.events import record_event
from crmctl.services.gdpr.match import STRIPPED, PersonMatcher, build_matcher
from crmctl.services.mail import erase_messages
from crmctl.services.refs import resolve_person
from crmctl.services.timeline import merged_ids
from crmctl.services.users import require_admin

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
# Other branches register more: ``ERASE_HOOKS.append(fn(ctx, person_id) -> {table: rows})``
# (e.g. documents only theirs).
ERASE_HOOKS: list[Callable[[Context, int], dict[str, int]]] = []


@dataclass
class Erasure:
    person_id: int
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, count: int) -> None:
        if count:
            self.counts[key] = self.counts.get(key, 0) + count


def erase_person(ctx: Context, person_ref: str, *, dry_run: bool = False) -> Erasure:
    """Anonymise the person everywhere; a dry run does it all, counts, then rolls back.

    Records an erasure event that holds only counts: who was erased is the record id.
    """
    with dry_run_scope(ctx, dry_run):
        return _erase(ctx, person_ref, dry_run)


def _erase(ctx: Context, person_ref: str, dry_run: bool) -> Erasure:

    # It rewrites every table, records its user may not see included: an admin's job.
    require_admin(ctx, "erase a person")
    person = resolve_person(ctx, person_ref, include_deleted=True, action="write")
    if person.erased_at is not None:
        raise ValidationError(f"contact #{person.id} was already erased")
    result = Erasure(person.id, dry_run)
    matcher = person_matcher(ctx, person)
    lead_ids = _erase_leads(ctx, person, result)
    _erase_own_events(ctx, person.id, lead_ids, result)
    _erase_linked_texts(ctx, person.id, result)
    blobs = _erase_own_documents(ctx, person.id, result)
    _erase_mail(ctx, person, result)
    _erase_stakeholder_roles(ctx, person.id, result)
    _erase_person_row(ctx, person, result)
    _scrub_database(ctx, matcher, result)
    blobs += _scrub_documents(ctx, matcher, blobs, result)
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


def person_matcher(ctx: Context, person: Person) -> PersonMatcher:
    """The person's names, e-mails and phones, matched however they were typed."""
    emails = ctx.session.scalars(
        select(PersonEmail.email).where(PersonEmail.person_id == person.id)
    ).all()
    phones = ctx.session.scalars(
        select(PersonPhone.phone).where(PersonPhone.person_id == person.id)
    ).all()
    return build_matcher(person.first_name, person.last_name, [display_name(person)], emails,
                         phones)  # fmt: skip


def _erase_leads(ctx: Context, person: Person, result: Erasure) -> list[int]:
    emails = list(
        ctx.session.scalars(select(PersonEmail.email).where(PersonEmail.person_id == person.id))
    )
    # A lead's e-mail as typed: JAN.NOVAK@EXAMPLE.CZ is theirs too.
    mine: Any = Lead.person_id == person.id
    if emails:
        mine = or_(mine, func.lower(Lead.contact_email).in_([e.lower() for e in emails]))
    lead_ids = list(ctx.session.scalars(select(Lead.id).where(mine)))
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
    for digest in hashes:
        with contextlib.suppress(FileNotFoundError):
            blob_path(store, digest).unlink()


def _erase_mail(ctx: Context, person: Person, result: Erasure) -> None:
    """Messages only between the person and the firm go; in the others their address
    and name are replaced (the scrub below then catches any other spelling)."""
    emails = list(
        ctx.session.scalars(select(PersonEmail.email).where(PersonEmail.person_id == person.id))
    )
    full = " ".join(filter(None, (person.first_name, person.last_name)))
    names = [display_name(person), full]
    for key, count in erase_messages(ctx, person.id, emails, names).items():
        result.add(key, count)


def _erase_stakeholder_roles(ctx: Context, person_id: int, result: Erasure) -> None:
    """A stakeholder's role and attitude are judgements about the person: the rows go,
    and the plans' events that recorded them keep only that a stakeholder was added."""
    stakeholders = tables.plan_stakeholders
    result.add(
        "plan_stakeholders",
        int(
            ctx.session.execute(
                delete(stakeholders).where(stakeholders.c.person_id == person_id)
            ).rowcount
            or 0
        ),
    )
    added = (Event.entity_type == "plan") & (Event.kind == "plan.stakeholder_added")
    changed = 0
    for event_id, payload in ctx.session.execute(select(Event.id, Event.payload).where(added)):
        if (payload or {}).get("contact_id") == person_id:
            cleaned = {"contact_id": person_id, "erased": True}
            ctx.session.execute(update(Event).where(Event.id == event_id).values(payload=cleaned))
            changed += 1
    result.add("events.plan", changed)


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


def _scrub_database(ctx: Context, matcher: PersonMatcher, result: Erasure) -> None:
    """Every text and JSON column of every table (found by inspecting the live database,
    so tables added later are covered too): the rows an SQL prefilter picks are matched
    in Python, folded, and changed where the person appears however it was typed."""
    if matcher.pattern is None:
        return
    inspector = inspect(ctx.session.connection())
    for table_name in sorted(set(inspector.get_table_names()) - NOT_SCANNED):
        keys = inspector.get_pk_constraint(table_name).get("constrained_columns") or []
        for info in inspector.get_columns(table_name):
            kind = info["type"]
            is_json = isinstance(kind, JSON) or type(kind).__name__ in ("JSON", "JSONB")
            if is_json or isinstance(kind, String | Text):
                count = _scrub_column(ctx, table_name, info["name"], keys, matcher, is_json)
                result.add(f"{table_name}.{info['name']}", count)


def _mentions(target: Any, matcher: PersonMatcher) -> Any:
    """SQL: the folded text, separators removed, holds one of the person's tokens (so a
    phone typed 601-234 567 is found by its digits); Python then decides."""
    stripped: Any = func.crm_fold(target)
    for char in STRIPPED:
        stripped = func.replace(stripped, char, "")
    return or_(*(stripped.like(f"%{escape_like(token)}%", escape="\\")
                 for token in matcher.prefilter))  # fmt: skip


def _scrub_column(
    ctx: Context, table_name: str, name: str, keys: list[str], matcher: PersonMatcher,
    is_json: bool,
) -> int:  # fmt: skip
    """Rows of one column that mention the person, rewritten one by one; rows changed."""
    if is_json and not keys:
        return 0  # a JSON value cannot name its own row
    source = table(table_name, *(column(key) for key in keys if key != name),
                   column(name, JsonType if is_json else Text))  # fmt: skip
    value = source.c[name]
    key_columns = [source.c[key] for key in keys]
    rows = ctx.session.execute(
        select(*key_columns, value).where(
            value.is_not(None), _mentions(cast(value, Text) if is_json else value, matcher)
        )
    ).all()
    changed = 0
    for row in rows:
        old = row[-1]
        new = matcher.scrub(old, ERASED) if is_json else matcher.sub(old, ERASED)
        if new == old:
            continue
        where = [key == row[i] for i, key in enumerate(key_columns)] or [value == old]
        _rewrite(ctx, source, where, {name: new}, renames_key=name in keys)
        changed += 1
    return changed


def _rewrite(
    ctx: Context, source: Any, where: list[Any], values: dict[str, Any], *, renames_key: bool
) -> None:
    """One row's new value. Where the value is part of the key (a tag), two values may
    both become ``[erased]``: the second row then says nothing more and goes."""
    if not renames_key:
        ctx.session.execute(update(source).where(*where).values(values))
        return
    try:
        with ctx.session.begin_nested():
            ctx.session.execute(update(source).where(*where).values(values))
    except IntegrityError:
        ctx.session.execute(delete(source).where(*where))


# Larger text files are not read into memory for an erasure (and are rarely notes).
MAX_TEXT_DOCUMENT = 20 * 1024 * 1024


def _scrub_documents(
    ctx: Context, matcher: PersonMatcher, skip: list[str], result: Erasure
) -> list[str]:
    """Text documents (UTF-8) in the store that mention the person: the content is stored
    again with the person replaced, under its new hash, and every row moves to it. Returns
    the old hashes, deleted from the store after the commit. Binary files (PDF, images,
    office documents) cannot be read here; see README."""
    store = ctx.settings.documents_dir
    replaced: list[str] = []
    digests = ctx.session.scalars(select(Document.sha256).distinct().order_by(Document.sha256))
    for digest in [d for d in digests.all() if d not in skip]:
        text = _text_content(blob_path(store, digest))
        cleaned = None if text is None else matcher.sub(text, ERASED)
        if cleaned is None or cleaned == text:
            continue
        content = cleaned.encode("utf-8")
        new = (
            hashlib.sha256(content).hexdigest() if result.dry_run else store_content(store, content)
        )
        moved = ctx.session.execute(
            update(Document).where(Document.sha256 == digest).values(sha256=new, size=len(content))
        ).rowcount
        result.add("documents.content", int(moved or 0))
        replaced.append(digest)
    return replaced


def _text_content(path: Path) -> str | None:
    """The file as text if it is UTF-8 text, else None (binary, missing, too large)."""
    try:
        if path.stat().st_size > MAX_TEXT_DOCUMENT:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None
