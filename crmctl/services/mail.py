"""Messages as records: import and pair them, read them with rights, fix their pairings.

The library (``crmctl.mail``) reads, parses and pairs; this module stores. An import
runs in batches: each batch's new messages, their pairings, attachments (documents),
timeline events, leads from inquiries and the IMAP state after its last message are one
transaction, so a failure leaves no message stored half and a re-run resumes after the
last committed batch. A message is stored once by Message-ID (a content hash when it has
none): re-reading a source, or a re-scan after UIDVALIDITY changed, stores nothing twice.

Rights (issue 18 item 6): a message is readable by whoever may read a record it is
paired to; every message also by admins and by the owner of its mailbox (``owner_id``).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, delete, exists, false, func, insert, or_, select, update

from crmctl import entities
from crmctl.db import tables
from crmctl.entities.catalog import MESSAGE
from crmctl.errors import NotFound, PermissionDenied, UsageError, ValidationError
from crmctl.mail.inquiry import inquiry_contact
from crmctl.mail.pairing import (
    ContactMatch,
    KnownMessage,
    PairingResult,
    deal_token_pattern,
    pair_message,
)
from crmctl.mail.parse import Address, ParsedMessage, message_id_header, parse_message
from crmctl.mail.settings import MailSettings, mail_settings
from crmctl.mail.sources import ImapSource, ImapState, RawMessage, open_source, parse_imap_url
from crmctl.query.compiler import compile_where
from crmctl.query.entities import registry
from crmctl.services.access import policy
from crmctl.services.context import Context
from crmctl.services.documents import store_content
from crmctl.services.events import record_event
from crmctl.services.refs import (
    resolve_company,
    resolve_deal,
    resolve_lead,
    resolve_person,
    resolve_user,
)

ENTITY = "message"
TARGETS = ("deal", "lead", "contact", "company")
BATCH = 200  # messages per transaction
RULE_BY_HAND = 0
RULE_INQUIRY = 3  # the lead made from an inquiry: paired by its sender's address
_m = tables.messages
if ENTITY not in entities.ENTITIES:  # see the note above MESSAGE in crmctl.entities.catalog
    entities.register(MESSAGE)
_p = tables.message_pairings


# --- the database-backed pairing lookup ---------------------------------------------------


class DbLookup:
    """``PairingLookup`` over the database, prefetched per batch: one query per question
    for the whole batch, then answers from memory (messages stored earlier in the same
    batch are added as they are stored)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._messages: dict[str, KnownMessage] = {}
        self._deals: set[int] = set()
        self._contacts: dict[str, list[ContactMatch]] = {}
        self._companies: dict[str, list[int]] | None = None

    def prefetch(self, parsed: Sequence[ParsedMessage]) -> None:
        parents = {i for message in parsed for i in message.parent_ids}
        self._messages.update(known_messages(self.ctx, parents))
        self._deals = _deal_tokens(self.ctx, parsed)
        addresses = {a.address for message in parsed for a in message.addresses}
        self._contacts = contacts_by_email(self.ctx, addresses)
        if self._companies is None:
            self._companies = companies_by_domain(self.ctx)

    def remember(self, known: KnownMessage) -> None:
        self._messages[known.message_id] = known

    def known_messages(self, message_ids: Sequence[str]) -> Mapping[str, KnownMessage]:
        return {i: self._messages[i] for i in message_ids if i in self._messages}

    def existing_deals(self, deal_ids: Sequence[int]) -> set[int]:
        return self._deals.intersection(deal_ids)

    def contacts_by_email(self, addresses: Sequence[str]) -> Mapping[str, Sequence[ContactMatch]]:
        return {a: self._contacts[a] for a in addresses if a in self._contacts}

    def companies_by_domain(self, domains: Sequence[str]) -> Mapping[str, Sequence[int]]:
        known = self._companies or {}
        return {d: known[d] for d in domains if d in known}


def known_messages(ctx: Context, message_ids: Iterable[str]) -> dict[str, KnownMessage]:
    ids = list(message_ids)
    if not ids:
        return {}
    rows = ctx.session.execute(
        select(_m.c.id, _m.c.message_id, _m.c.thread_key).where(_m.c.message_id.in_(ids))
    ).all()
    pairs = _pairings_of(ctx, [row.id for row in rows])
    known = {}
    for row in rows:
        mine = pairs.get(row.id, [])
        known[row.message_id] = KnownMessage(
            row.message_id,
            row.thread_key,
            deal_id=next((i for t, i in mine if t == "deal"), None),
            lead_id=next((i for t, i in mine if t == "lead"), None),
            contact_ids=tuple(i for t, i in mine if t == "contact"),
        )
    return known


def _pairings_of(ctx: Context, ids: Sequence[int]) -> dict[int, list[tuple[str, int]]]:
    found: dict[int, list[tuple[str, int]]] = {}
    if not ids:
        return found
    statement = (
        select(_p.c.message_id, _p.c.entity_type, _p.c.entity_id)
        .where(_p.c.message_id.in_(ids))
        .order_by(_p.c.id)
    )
    for row in ctx.session.execute(statement):
        found.setdefault(row.message_id, []).append((row.entity_type, row.entity_id))
    return found


def _deal_tokens(ctx: Context, parsed: Sequence[ParsedMessage]) -> set[int]:
    pattern = deal_token_pattern(mail_settings(ctx.settings).deal_token)
    wanted = {int(m.group(1)) for p in parsed for m in pattern.finditer(p.subject)}
    wanted = {i for i in wanted if i < 2**31}
    if not wanted:
        return set()
    deals = tables.deals.c
    statement = select(deals.id).where(deals.id.in_(wanted), deals.deleted_at.is_(None))
    return set(ctx.session.scalars(statement))


def contacts_by_email(ctx: Context, addresses: Iterable[str]) -> dict[str, list[ContactMatch]]:
    wanted = sorted(addresses)
    if not wanted:
        return {}
    emails, persons, links = tables.person_emails.c, tables.persons.c, tables.person_companies.c
    statement = (
        select(func.lower(emails.email).label("email"), persons.id)
        .join(tables.persons, persons.id == emails.person_id)
        .where(func.lower(emails.email).in_(wanted), persons.deleted_at.is_(None))
        .order_by(persons.id)
    )
    rows = ctx.session.execute(statement).all()
    companies: dict[int, list[int]] = {}
    person_ids = {row.id for row in rows}
    if person_ids:
        link_rows = ctx.session.execute(
            select(links.person_id, links.company_id)
            .where(links.person_id.in_(person_ids))
            .order_by(links.company_id)
        )
        for link in link_rows:
            companies.setdefault(link.person_id, []).append(link.company_id)
    found: dict[str, list[ContactMatch]] = {}
    for row in rows:
        match = ContactMatch(row.id, tuple(companies.get(row.id, ())))
        found.setdefault(row.email, []).append(match)
    return found


def companies_by_domain(ctx: Context) -> dict[str, list[int]]:
    """Every live company by its web and e-mail domain (read once per import: rule 4
    compares domains, which no index of these columns answers)."""
    c = tables.companies.c
    rows = ctx.session.execute(
        select(c.id, c.website, c.email)
        .where(c.deleted_at.is_(None))
        .where(or_(c.website.is_not(None), c.email.is_not(None)))
        .order_by(c.id)
    )
    found: dict[str, list[int]] = {}
    for row in rows:
        for domain in {_web_domain(row.website), _mail_domain(row.email)} - {None}:
            found.setdefault(str(domain), []).append(row.id)
    return found


def _web_domain(website: str | None) -> str | None:
    if not website:
        return None
    text = website.strip().lower()
    host = urlsplit(text if "//" in text else f"//{text}").hostname or ""
    host = host.removeprefix("www.")
    return host or None


def _mail_domain(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    return email.strip().lower().rpartition("@")[2] or None


# --- import -------------------------------------------------------------------------------


@dataclass
class ImportSummary:
    source: str
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    paired: int = 0
    unpaired: int = 0
    leads: list[int] = field(default_factory=list)
    skipped_attachments: list[str] = field(default_factory=list)
    rescanned: bool = False

    def record(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "read": self.read,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "paired": self.paired,
            "unpaired": self.unpaired,
            "leads_created": len(self.leads),
            "skipped_attachments": len(self.skipped_attachments),
            "rescanned": self.rescanned,
        }


@dataclass(frozen=True)
class _Origin:
    spec: str  # what open_source reads
    mailbox: str | None  # the mail.mailboxes NAME
    owner_id: int | None
    password: str | None


def import_mail(
    ctx: Context,
    source: str,
    *,
    progress: Callable[[int], None] | None = None,
    batch_size: int | None = None,
    jobs: int = 1,
) -> ImportSummary:
    """Import every new message of ``source`` (see the module docstring); ``jobs`` > 1
    parses in that many worker processes while this one writes."""
    actor = ctx.require_actor()
    policy.require_any_write(ctx, "lead", "import mail")  # inquiries become leads
    settings = mail_settings(ctx.settings)
    origin = _origin(ctx, source, settings, actor.id)
    state = _sync_state(ctx, origin.spec) if _is_imap(origin.spec) else None
    reader = open_source(origin.spec, password=origin.password, state=state)
    summary = ImportSummary(reader.description)
    lookup = DbLookup(ctx)
    limit = ctx.settings.documents_max_bytes
    raw_messages = _unknown(ctx, reader.messages(), summary)
    parsed = (
        parallel_parse(raw_messages, limit, jobs)
        if jobs > 1
        else ((raw, parse_message(raw.raw, max_attachment_bytes=limit)) for raw in raw_messages)
    )
    batch_size = batch_size or BATCH
    batch: list[tuple[RawMessage, ParsedMessage]] = []
    for item in parsed:
        batch.append(item)
        summary.read += 1
        if len(batch) >= batch_size:
            _store_batch(ctx, batch, origin, settings, lookup, summary, reader, final=False)
            batch = []
            if progress:
                progress(summary.read)
    _store_batch(ctx, batch, origin, settings, lookup, summary, reader, final=True)
    if progress:
        progress(summary.read)
    summary.rescanned = isinstance(reader, ImapSource) and reader.rescanned
    return summary


def _unknown(
    ctx: Context, raw_messages: Iterator[RawMessage], summary: ImportSummary
) -> Iterator[RawMessage]:
    """Messages whose Message-ID is stored already are counted and not parsed (a re-run,
    a re-scan after UIDVALIDITY changed): reading the header costs a fraction of parsing
    the attachments. Messages without one are parsed (their id is a content hash)."""
    stored = set(ctx.session.scalars(select(_m.c.message_id)))
    parser = BytesHeaderParser(policy=compat32)
    for raw in raw_messages:
        found = message_id_header(parser.parsebytes(raw.raw)) if stored else None
        if found is not None and found in stored:
            summary.read += 1
            summary.duplicates += 1
            continue
        yield raw


def _parse_one(item: tuple[RawMessage, int | None]) -> tuple[RawMessage, ParsedMessage]:
    raw, limit = item
    return raw, parse_message(raw.raw, max_attachment_bytes=limit)


def parallel_parse(
    raw_messages: Iterator[RawMessage], limit: int | None, jobs: int
) -> Iterator[tuple[RawMessage, ParsedMessage]]:
    """Parsing is most of an import's CPU (the stdlib feed parser): workers parse, in
    order, while the caller writes. The reader stays here, so IMAP state and errors
    (exit 1 / 4) behave as in one process."""
    context = multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")
    with context.Pool(jobs) as pool:
        yield from pool.imap(_parse_one, ((raw, limit) for raw in raw_messages), chunksize=16)


def _is_imap(spec: str) -> bool:
    return spec.lower().startswith(("imap://", "imaps://"))


def _origin(ctx: Context, source: str, settings: MailSettings, actor_id: int) -> _Origin:
    env_password = os.environ.get("CRM_IMAP_PASSWORD") or None
    box = settings.mailboxes.get(source)
    if box is None:
        return _Origin(source, None, actor_id, env_password)
    owner_id = actor_id
    if box.owner:
        owner_id = resolve_user(ctx, box.owner).id
    return _Origin(box.url, box.name, owner_id, env_password or box.password)


def _sync_state(ctx: Context, spec: str) -> ImapState | None:
    s = tables.mail_sync_state.c
    row = ctx.session.execute(
        select(s.uidvalidity, s.last_uid).where(s.mailbox == str(parse_imap_url(spec)))
    ).first()
    return ImapState(int(row.uidvalidity), int(row.last_uid)) if row else None


def _save_sync_state(ctx: Context, reader: Any, uids: list[int], final: bool) -> None:
    """The state after the batch's last message: workers may have read ahead of what
    is stored, so mid-import it is the batch's highest UID, not the reader's."""
    if not isinstance(reader, ImapSource) or reader.state is None:
        return
    last_uid = reader.state.last_uid if final else max(uids, default=None)
    if last_uid is None:
        return
    s = tables.mail_sync_state
    key = str(reader.url)
    values = {
        "uidvalidity": reader.state.uidvalidity,
        "last_uid": last_uid,
        "synced_at": ctx.now,
    }
    changed = ctx.session.execute(update(s).where(s.c.mailbox == key).values(**values))
    if changed.rowcount == 0:  # type: ignore[attr-defined]
        ctx.session.execute(insert(s).values(mailbox=key, **values))


def _store_batch(
    ctx: Context,
    batch: list[tuple[RawMessage, ParsedMessage]],
    origin: _Origin,
    settings: MailSettings,
    lookup: DbLookup,
    summary: ImportSummary,
    reader: Any,
    *,
    final: bool,
) -> None:
    """One transaction: the batch's new messages and the IMAP state after them."""
    session: Any = ctx.session
    try:
        new = _new_messages(ctx, batch, summary)
        lookup.prefetch([parsed for _, parsed in new])
        for raw, parsed in new:
            _store_one(ctx, raw, parsed, origin, settings, lookup, summary)
        uids = [raw.uid for raw, _ in batch if raw.uid is not None]
        _save_sync_state(ctx, reader, uids, final)
        session.commit()
    except BaseException:
        session.rollback()
        raise


def _new_messages(
    ctx: Context, batch: list[tuple[RawMessage, ParsedMessage]], summary: ImportSummary
) -> list[tuple[RawMessage, ParsedMessage]]:
    ids = [parsed.message_id for _, parsed in batch]
    stored = set(ctx.session.scalars(select(_m.c.message_id).where(_m.c.message_id.in_(ids))))
    new: list[tuple[RawMessage, ParsedMessage]] = []
    for raw, parsed in batch:
        if parsed.message_id in stored:
            summary.duplicates += 1
            continue
        stored.add(parsed.message_id)
        new.append((raw, parsed))
    return new


def _store_one(
    ctx: Context,
    raw: RawMessage,
    parsed: ParsedMessage,
    origin: _Origin,
    settings: MailSettings,
    lookup: DbLookup,
    summary: ImportSummary,
) -> int:
    result = pair_message(parsed, settings, lookup)
    message_id = _insert_message(ctx, raw, parsed, result, origin)
    pairings = [(p.target, p.target_id, p.rule, p.reason) for p in result.pairings]
    if result.new_lead:
        lead_id = _lead_from_inquiry(ctx, parsed)
        summary.leads.append(lead_id)
        pairings.append(("lead", lead_id, RULE_INQUIRY, f"inquiry: {result.new_lead_reason}"))
    _insert_pairings(ctx, message_id, pairings)
    if pairings:
        summary.paired += 1
        ctx.session.execute(update(_m).where(_m.c.id == message_id).values(unpaired_reason=None))
    else:
        summary.unpaired += 1
    _timeline(ctx, message_id, parsed, result.direction, pairings)
    _attachments(ctx, message_id, parsed, pairings, summary)
    if result.direction == "out":
        _first_response(ctx, parsed, pairings)
    ids = {(t, i) for t, i, _, _ in pairings}
    lookup.remember(
        KnownMessage(
            parsed.message_id,
            result.thread_key,
            deal_id=next((i for t, i in ids if t == "deal"), None),
            lead_id=next((i for t, i in ids if t == "lead"), None),
            contact_ids=tuple(sorted(i for t, i in ids if t == "contact")),
        )
    )
    summary.stored += 1
    return message_id


def _pair_list(addresses: Sequence[Address]) -> list[list[str]]:
    return [[a.name, a.address] for a in addresses]


def _insert_message(
    ctx: Context, raw: RawMessage, parsed: ParsedMessage, result: PairingResult, origin: _Origin
) -> int:
    content_hash = hashlib.sha256(raw.raw).hexdigest()
    values = {
        "message_id": parsed.message_id[:500],
        "direction": result.direction,
        "from_address": parsed.sender.address if parsed.sender else None,
        "from_name": (parsed.sender.name or None) if parsed.sender else None,
        "to_addresses": _pair_list(parsed.to),
        "cc_addresses": _pair_list(parsed.cc),
        "sent_at": parsed.date,
        "subject": parsed.subject,
        "body": parsed.body,
        "in_reply_to": parsed.in_reply_to[:500] if parsed.in_reply_to else None,
        "reference_ids": list(parsed.references),
        "thread_key": result.thread_key[:500],
        "mailbox": origin.mailbox,
        "source": raw.origin[:1000],
        "content_hash": content_hash,
        "skipped_attachments": [
            {"file_name": s.filename, "size": s.size, "reason": s.reason}
            for s in parsed.skipped_attachments
        ],
        "unpaired_reason": result.unpaired_reason,
        "misses": {str(rule): text for rule, text in result.misses.items()},
        "owner_id": origin.owner_id,
        "created_at": ctx.now,
        "created_by_id": ctx.actor_id,
    }
    inserted = ctx.session.execute(insert(_m).values(**values).returning(_m.c.id))
    return int(inserted.scalar_one())


def _insert_pairings(
    ctx: Context, message_id: int, pairings: Sequence[tuple[str, int, int, str]]
) -> None:
    if not pairings:
        return
    ctx.session.execute(
        insert(_p),
        [
            {
                "message_id": message_id,
                "entity_type": target,
                "entity_id": target_id,
                "rule": rule,
                "reason": reason,
                "created_at": ctx.now,
            }
            for target, target_id, rule, reason in pairings
        ],
    )


def _event_kind(direction: str) -> str:
    return "email.sent" if direction == "out" else "email.received"


def _timeline(
    ctx: Context,
    message_id: int,
    parsed: ParsedMessage,
    direction: str,
    pairings: Sequence[tuple[str, int, int, str]],
) -> None:
    """``email.received``/``email.sent`` on every record the message is paired with."""
    for target, target_id, rule, _ in pairings:
        record_event(
            ctx,
            target,
            target_id,
            _event_kind(direction),
            {
                "message": message_id,
                "subject": parsed.subject,
                "from": parsed.sender.address if parsed.sender else None,
                "at": parsed.date,
                "rule": rule,
            },
        )


def _lead_from_inquiry(ctx: Context, parsed: ParsedMessage) -> int:
    """A lead through the leads service (``lead.created`` → the workflow rules)."""
    from crmctl.services.leads import add_lead  # noqa: PLC0415  (circle: mail ↔ leads)

    contact = inquiry_contact(parsed)
    desired: dict[str, Any] = {
        "source": "email",
        "contact_email": contact.email or None,
        "contact_name": contact.name,
        "contact_phone": contact.phone,
        "company_name": contact.company,
        "message": (parsed.subject + "\n\n" + parsed.body).strip()[:4000],
    }
    if parsed.date is not None:
        desired["received_at"] = parsed.date.isoformat()
    try:
        record = add_lead(ctx, {k: v for k, v in desired.items() if v}, default_source="email")
    except ValidationError:
        # A phone or e-mail the lead service refuses must not lose the inquiry.
        desired.pop("contact_phone", None)
        record = add_lead(ctx, {k: v for k, v in desired.items() if v}, default_source="email")
    return int(record["id"])


def _first_response(
    ctx: Context, parsed: ParsedMessage, pairings: Sequence[tuple[str, int, int, str]]
) -> None:
    """An outgoing reply paired to a lead stamps its first response at the reply's Date
    (only earlier than what is there: mail imported late must not move it later)."""
    lead_ids = [i for t, i, _, _ in pairings if t == "lead"]
    if not lead_ids or parsed.date is None:
        return
    leads = tables.leads
    ctx.session.execute(
        update(leads)
        .where(leads.c.id.in_(lead_ids))
        .where(or_(leads.c.first_response_at.is_(None), leads.c.first_response_at > parsed.date))
        .values(first_response_at=parsed.date)
    )


def _attachments(
    ctx: Context,
    message_id: int,
    parsed: ParsedMessage,
    pairings: Sequence[tuple[str, int, int, str]],
    summary: ImportSummary,
) -> None:
    """Each attachment a document of the message's deal, contact and company."""
    for skipped in parsed.skipped_attachments:
        summary.skipped_attachments.append(f"{parsed.message_id}: {skipped.filename}")
    if not parsed.attachments:
        return
    links = {
        "deal_id": next((i for t, i, _, _ in pairings if t == "deal"), None),
        "person_id": next((i for t, i, _, _ in pairings if t == "contact"), None),
        "company_id": next((i for t, i, _, _ in pairings if t == "company"), None),
    }
    for attachment in parsed.attachments:
        digest = store_content(ctx.settings.documents_dir, attachment.data)
        inserted = ctx.session.execute(
            insert(tables.documents)
            .values(
                sha256=digest,
                size=attachment.size,
                file_name=attachment.filename[:500],
                media_type=attachment.content_type[:200],
                created_at=ctx.now,
                created_by_id=ctx.actor_id,
                **links,
            )
            .returning(tables.documents.c.id)
        )
        document_id = int(inserted.scalar_one())
        ctx.session.execute(
            insert(tables.message_attachments).values(
                message_id=message_id, document_id=document_id
            )
        )


# --- rights -------------------------------------------------------------------------------


def readable(ctx: Context) -> ColumnElement[bool]:
    """The messages the acting user may read (see the module docstring)."""
    actor = ctx.require_actor()
    if actor.role == "admin":
        return _m.c.id.is_not(None)
    conditions: list[ColumnElement[bool]] = [_m.c.owner_id == actor.id]
    for target, table in (
        ("deal", tables.deals),
        ("lead", tables.leads),
        ("contact", tables.persons),
        ("company", tables.companies),
    ):
        if policy.rule_for(ctx, target).scope("read") == "none":
            continue
        visible = select(table.c.id).where(policy.predicate(ctx, target))
        conditions.append(
            exists().where(
                _p.c.message_id == _m.c.id,
                _p.c.entity_type == target,
                _p.c.entity_id.in_(visible),
            )
        )
    return or_(false(), *conditions)


def resolve_message(ctx: Context, ref: str | int) -> Any:
    """The live message ``ref`` (its id, or its Message-ID) the acting user may read."""
    text = str(ref).strip().lstrip("#")
    if text.isdigit():
        condition = _m.c.id == int(text)
    elif text:
        condition = _m.c.message_id == text.strip("<>")
    else:
        raise ValidationError("expected a message id such as 12 (see `crmctl mail list`)")
    row = ctx.session.execute(select(_m).where(condition, _m.c.deleted_at.is_(None))).first()
    if row is None:
        raise NotFound(f"no message {ref}; see `crmctl mail list`")
    allowed = ctx.session.execute(select(_m.c.id).where(_m.c.id == row.id, readable(ctx))).first()
    if allowed is None:
        raise PermissionDenied(
            f"you may not read message #{row.id}: it is paired to no record you may read"
        )
    return row


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MailFilter:
    where: str | None = None
    unpaired: bool = False
    target: tuple[str, int] | None = None  # ("deal", 12)
    limit: int | None = None


def list_messages(ctx: Context, options: MailFilter) -> list[dict[str, Any]]:
    statement = select(_m).where(_m.c.deleted_at.is_(None), readable(ctx))
    if options.where:
        registry = message_registry()
        statement = statement.where(compile_where(options.where, registry, now=ctx.now, tz=ctx.tz))
    if options.unpaired:
        statement = statement.where(~exists().where(_p.c.message_id == _m.c.id))
    if options.target is not None:
        target, target_id = options.target
        statement = statement.where(
            exists().where(
                _p.c.message_id == _m.c.id,
                _p.c.entity_type == target,
                _p.c.entity_id == target_id,
            )
        )
    statement = statement.order_by(_m.c.sent_at.is_(None), _m.c.sent_at, _m.c.id)
    if options.limit:
        statement = statement.limit(options.limit)
    rows = ctx.session.execute(statement).all()
    return _records(ctx, rows)


def message_registry() -> Any:
    return registry(ENTITY)


def _records(ctx: Context, rows: Sequence[Any], *, full: bool = False) -> list[dict[str, Any]]:
    pairs = _pairing_rows(ctx, [row.id for row in rows])
    records = []
    for row in rows:
        mine = pairs.get(row.id, [])
        record: dict[str, Any] = {
            "id": row.id,
            "date": row.sent_at,
            "direction": row.direction,
            "from": row.from_address,
            "to": ", ".join(address for _, address in row.to_addresses),
            "subject": row.subject,
            "paired": ", ".join(f"{p['entity']} #{p['id']}" for p in mine) or None,
        }
        if full:
            record |= {
                "from_name": row.from_name,
                "cc": ", ".join(address for _, address in row.cc_addresses),
                "message_id": row.message_id,
                "in_reply_to": row.in_reply_to,
                "references": list(row.reference_ids),
                "thread": row.thread_key,
                "mailbox": row.mailbox,
                "source": row.source,
                "body": row.body,
                "attachments": _attachment_records(ctx, row.id),
                "skipped_attachments": list(row.skipped_attachments),
                "pairings": mine,
            }
        records.append(record)
    return records


def _pairing_rows(ctx: Context, ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {}
    if not ids:
        return found
    statement = select(_p).where(_p.c.message_id.in_(ids)).order_by(_p.c.id)
    for row in ctx.session.execute(statement):
        found.setdefault(row.message_id, []).append(
            {"entity": row.entity_type, "id": row.entity_id, "rule": row.rule, "reason": row.reason}
        )
    return found


def _attachment_records(ctx: Context, message_id: int) -> list[dict[str, Any]]:
    d, a = tables.documents.c, tables.message_attachments.c
    rows = ctx.session.execute(
        select(d.id, d.file_name, d.size, d.media_type)
        .join(tables.message_attachments, a.document_id == d.id)
        .where(a.message_id == message_id, d.deleted_at.is_(None))
        .order_by(d.id)
    )
    return [
        {"document": r.id, "file_name": r.file_name, "size": r.size, "media_type": r.media_type}
        for r in rows
    ]


def show_message(ctx: Context, ref: str) -> dict[str, Any]:
    return _records(ctx, [resolve_message(ctx, ref)], full=True)[0]


def thread(ctx: Context, ref: str) -> list[dict[str, Any]]:
    """The readable messages of the thread of ``ref``, oldest first."""
    row = resolve_message(ctx, ref)
    rows = ctx.session.execute(
        select(_m)
        .where(_m.c.thread_key == row.thread_key, _m.c.deleted_at.is_(None), readable(ctx))
        .order_by(_m.c.sent_at.is_(None), _m.c.sent_at, _m.c.id)
    ).all()
    return _records(ctx, rows)


def why(ctx: Context, ref: str) -> list[dict[str, Any]]:
    """Which rule paired the message to each record — or why each rule found nothing."""
    row = resolve_message(ctx, ref)
    lines = [
        {"record": f"{p['entity']} #{p['id']}", "rule": p["rule"], "reason": p["reason"]}
        for p in _pairing_rows(ctx, [row.id]).get(row.id, [])
    ]
    for rule, text in sorted(dict(row.misses).items()):
        lines.append({"record": None, "rule": int(rule), "reason": text})
    if not any(line["record"] for line in lines) and row.unpaired_reason:
        reason = "unpaired: no rule found a record (see rules 1–4); pair it with `mail pair`"
        lines.append({"record": None, "rule": 5, "reason": reason})
    return lines


# --- fixing pairings ----------------------------------------------------------------------


def _target_id(ctx: Context, target: str, ref: str) -> int:
    if target == "deal":
        return int(resolve_deal(ctx, ref).id)
    if target == "lead":
        return int(resolve_lead(ctx, ref).id)
    if target == "contact":
        return int(resolve_person(ctx, ref).id)
    if target == "company":
        return int(resolve_company(ctx, ref, action="read").id)
    raise UsageError(f"cannot pair to {target!r}; choose one of {', '.join(TARGETS)}")


def pair(ctx: Context, ref: str, target: str, target_ref: str) -> dict[str, Any]:
    """Pair a message to a record by hand (rule 0), on that record's timeline."""
    row = resolve_message(ctx, ref)
    target_id = _target_id(ctx, target, target_ref)
    policy.require(ctx, target, target_id, "write")
    present = ctx.session.execute(
        select(_p.c.id).where(
            _p.c.message_id == row.id, _p.c.entity_type == target, _p.c.entity_id == target_id
        )
    ).first()
    if present is None:
        login = getattr(ctx.actor, "login", None)
        _insert_pairings(
            ctx, row.id, [(target, target_id, RULE_BY_HAND, f"paired by hand by {login}")]
        )
        payload = {"message": row.id, "subject": row.subject, "from": row.from_address}
        record_event(ctx, target, target_id, "email.paired", payload)
        record_event(ctx, target, target_id, _event_kind(row.direction), payload | {"rule": 0})
    return show_message(ctx, str(row.id))


def unpair(ctx: Context, ref: str, target: str, target_ref: str) -> dict[str, Any]:
    row = resolve_message(ctx, ref)
    target_id = _target_id(ctx, target, target_ref)
    policy.require(ctx, target, target_id, "write")
    removed = ctx.session.execute(
        delete(_p).where(
            _p.c.message_id == row.id, _p.c.entity_type == target, _p.c.entity_id == target_id
        )
    )
    if removed.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound(f"message #{row.id} is not paired to {target} #{target_id}")
    payload = {"message": row.id, "subject": row.subject, "from": row.from_address}
    record_event(ctx, target, target_id, "email.unpaired", payload)
    return {"id": row.id, "unpaired": f"{target} #{target_id}"}


# --- GDPR ---------------------------------------------------------------------------------


def person_messages(ctx: Context, person_id: int, emails: Sequence[str]) -> list[Any]:
    """The messages paired to the person or sent from/to one of their addresses."""
    wanted = [e.lower() for e in emails if e]
    conditions: list[ColumnElement[bool]] = [
        exists().where(
            _p.c.message_id == _m.c.id,
            _p.c.entity_type == "contact",
            _p.c.entity_id == person_id,
        )
    ]
    if wanted:
        conditions.append(_m.c.from_address.in_(wanted))
    rows = ctx.session.execute(select(_m).where(or_(*conditions)).order_by(_m.c.id)).all()
    if wanted:  # To/Cc are JSON lists: checked here rather than per dialect in SQL
        others = ctx.session.execute(select(_m).where(~or_(*conditions)).order_by(_m.c.id)).all()
        rows.extend(r for r in others if _mentions_address(r, wanted))
    return sorted(rows, key=lambda r: r.id)


def _mentions_address(row: Any, emails: Sequence[str]) -> bool:
    listed = {address.lower() for _, address in (*row.to_addresses, *row.cc_addresses)}
    return bool(listed.intersection(emails))


def export_messages(ctx: Context, person_id: int, emails: Sequence[str]) -> list[dict[str, Any]]:
    """The person's messages the acting user may read (as ``gdpr export`` is)."""
    rows = person_messages(ctx, person_id, emails)
    ids = [row.id for row in rows]
    allowed = (
        set(ctx.session.scalars(select(_m.c.id).where(_m.c.id.in_(ids), readable(ctx))))
        if ids
        else set()
    )
    return _records(ctx, [row for row in rows if row.id in allowed], full=True)


def erase_messages(
    ctx: Context, person_id: int, emails: Sequence[str], names: Sequence[str]
) -> dict[str, int]:
    """Remove the person from mail: messages they sent, or only to/about them, are
    deleted with their attachments; in messages with other people their address and
    name are replaced by ``[erased]`` everywhere (headers, subject, body)."""
    rows = person_messages(ctx, person_id, emails)
    wanted = {e.lower() for e in emails if e}
    deleted = anonymised = 0
    for row in rows:
        people = {a.lower() for _, a in (*row.to_addresses, *row.cc_addresses)}
        if row.from_address:
            people.add(row.from_address)
        if not (people - wanted - _own_addresses(ctx, people)):
            _delete_message(ctx, row.id)
            deleted += 1
        else:
            _anonymise(ctx, row, person_id, wanted, names)
            anonymised += 1
    return {"messages_deleted": deleted, "messages_anonymised": anonymised}


def _own_addresses(ctx: Context, addresses: set[str]) -> set[str]:
    settings = mail_settings(ctx.settings)
    return {a for a in addresses if settings.is_own(a) or a in settings.lead_addresses}


def _delete_message(ctx: Context, message_id: int) -> None:
    a = tables.message_attachments.c
    document_ids = list(
        ctx.session.scalars(select(a.document_id).where(a.message_id == message_id))
    )
    ctx.session.execute(delete(tables.message_attachments).where(a.message_id == message_id))
    if document_ids:
        ctx.session.execute(
            update(tables.documents)
            .where(tables.documents.c.id.in_(document_ids))
            .values(deleted_at=ctx.now)
        )
    ctx.session.execute(delete(_p).where(_p.c.message_id == message_id))
    ctx.session.execute(delete(_m).where(_m.c.id == message_id))


def _scrub(text: str | None, needles: Sequence[str]) -> str | None:
    if text is None:
        return None

    for needle in needles:
        text = re.sub(re.escape(needle), "[erased]", text, flags=re.IGNORECASE)
    return text


def _anonymise(
    ctx: Context, row: Any, person_id: int, emails: set[str], names: Sequence[str]
) -> None:
    needles = sorted({*emails, *(n for n in names if n and len(n) > 2)}, key=len, reverse=True)

    def people(pairs: Sequence[Sequence[str]]) -> list[list[str]]:
        return [
            ["", "[erased]"]
            if address.lower() in emails
            else [_scrub(name, needles) or "", address]
            for name, address in pairs
        ]

    erased_sender = row.from_address in emails
    ctx.session.execute(
        update(_m)
        .where(_m.c.id == row.id)
        .values(
            from_address="[erased]" if erased_sender else row.from_address,
            from_name=None if erased_sender else _scrub(row.from_name, needles),
            to_addresses=people(row.to_addresses),
            cc_addresses=people(row.cc_addresses),
            subject=_scrub(row.subject, needles) or "",
            body=_scrub(row.body, needles) or "",
            source=None,
        )
    )
    ctx.session.execute(
        delete(_p).where(
            _p.c.message_id == row.id, _p.c.entity_type == "contact", _p.c.entity_id == person_id
        )
    )
