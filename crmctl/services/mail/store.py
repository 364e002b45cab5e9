"""Storing imported mail: import it, pair it and put it on the timelines.

The library (``crmctl.mail``) reads, parses and pairs; this module stores. An import
runs in batches: each batch's new messages, their pairings, attachments (documents),
timeline events, leads from inquiries and the IMAP state after its last message are one
transaction, so a failure leaves no message stored half and a re-run resumes after the
last committed batch. A message is stored once by Message-ID (a content hash when it has
none): re-reading a source, or a re-scan after UIDVALIDITY changed, stores nothing twice.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any

from sqlalchemy import insert, select, update

from crmctl.db import tables
from crmctl.mail.pairing import KnownMessage, PairingResult, pair_message
from crmctl.mail.parse import Address, ParsedMessage, message_id_header, parse_message
from crmctl.mail.settings import MailSettings, mail_settings
from crmctl.mail.sources import ImapSource, ImapState, RawMessage, open_source, parse_imap_url
from crmctl.services.access import policy
from crmctl.services.context import Context
from crmctl.services.documents import StagedFiles
from crmctl.services.events import record_events
from crmctl.services.mail.common import RULE_INQUIRY, _m, _p
from crmctl.services.mail.inquiries import _first_response, _lead_from_inquiry
from crmctl.services.mail.lookup import DbLookup
from crmctl.services.refs import resolve_user

BATCH = 200  # messages per transaction


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
    progress: Callable[[int, int | None], None] | None = None,
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
                progress(summary.read, None)
    _store_batch(ctx, batch, origin, settings, lookup, summary, reader, final=True)
    if progress:
        progress(summary.read, None)
    summary.rescanned = isinstance(reader, ImapSource) and reader.rescanned
    return summary


def _unknown(
    ctx: Context, raw_messages: Iterator[RawMessage], summary: ImportSummary
) -> Iterator[RawMessage]:
    """Messages whose Message-ID is stored already are counted and not parsed (a re-run,
    a re-scan after UIDVALIDITY changed): reading the header costs a fraction of parsing
    the attachments. Messages without one are parsed (their id is a content hash)."""
    stored: set[str] | None = None  # read when the first message comes (a re-sync: never)
    parser = BytesHeaderParser(policy=compat32)
    for raw in raw_messages:
        if stored is None:
            stored = set(ctx.session.scalars(select(_m.c.message_id)))
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
    """One transaction: the batch's new messages and the IMAP state after them. Their
    rows are written by multi-row INSERTs; their attachment files are fsynced together
    before the commit that names them."""
    session: Any = ctx.session
    files = StagedFiles(ctx.settings.documents_dir)
    try:
        new = _new_messages(ctx, batch, summary) if batch else []
        if new:
            lookup.prefetch([parsed for _, parsed in new])
        pending: list[_Stored] = []
        for raw, parsed in new:
            result = pair_message(parsed, settings, lookup)
            if pending and result.new_lead:
                # A lead's events follow the messages before it in the log, as one by one.
                _write(ctx, pending, files)
                pending = []
            pending.append(_pair_one(ctx, raw, parsed, result, origin, lookup, summary))
        _write(ctx, pending, files)
        uids = [raw.uid for raw, _ in batch if raw.uid is not None]
        _save_sync_state(ctx, reader, uids, final)
        files.publish()
        session.commit()
    except BaseException:
        session.rollback()
        files.discard()
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


@dataclass(frozen=True)
class _Stored:
    """One new message, paired, waiting for the batch's multi-row INSERTs."""

    values: dict[str, Any]  # its row of ``messages``
    parsed: ParsedMessage
    direction: str
    pairings: list[tuple[str, int, int, str]]


def _pair_one(
    ctx: Context,
    raw: RawMessage,
    parsed: ParsedMessage,
    result: PairingResult,
    origin: _Origin,
    lookup: DbLookup,
    summary: ImportSummary,
) -> _Stored:
    """A paired message's row (a lead from an inquiry is made now, by the leads service)."""
    pairings = [(p.target, p.target_id, p.rule, p.reason) for p in result.pairings]
    if result.new_lead:
        lead_id = _lead_from_inquiry(ctx, parsed)
        summary.leads.append(lead_id)
        pairings.append(("lead", lead_id, RULE_INQUIRY, f"inquiry: {result.new_lead_reason}"))
    values = _message_values(ctx, raw, parsed, result, origin)
    if pairings:
        summary.paired += 1
        values["unpaired_reason"] = None
    else:
        summary.unpaired += 1
    for skipped in parsed.skipped_attachments:
        summary.skipped_attachments.append(f"{parsed.message_id}: {skipped.filename}")
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
    return _Stored(values, parsed, result.direction, pairings)


def _write(ctx: Context, pending: Sequence[_Stored], files: StagedFiles) -> None:
    """The messages, then their pairings, timeline events and attachments: one
    multi-row INSERT each (ids in the order of ``pending``)."""
    if not pending:
        return
    ctx.session.flush()  # a lead made by an inquiry, before the rows that name it
    statement = insert(_m).returning(_m.c.id, sort_by_parameter_order=True)
    ids = list(ctx.session.scalars(statement, [p.values for p in pending]))
    _insert_pairings_of(ctx, [(i, p.pairings) for i, p in zip(ids, pending, strict=True)])
    record_events(
        ctx,
        [
            (target, target_id, _event_kind(p.direction), _event_payload(i, p.parsed, rule))
            for i, p in zip(ids, pending, strict=True)
            for target, target_id, rule, _ in p.pairings
        ],
    )
    _attachments(ctx, list(zip(ids, pending, strict=True)), files)


def _pair_list(addresses: Sequence[Address]) -> list[list[str]]:
    return [[a.name, a.address] for a in addresses]


def _message_values(
    ctx: Context, raw: RawMessage, parsed: ParsedMessage, result: PairingResult, origin: _Origin
) -> dict[str, Any]:
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
    return values


def _insert_pairings(
    ctx: Context, message_id: int, pairings: Sequence[tuple[str, int, int, str]]
) -> None:
    _insert_pairings_of(ctx, [(message_id, pairings)])


def _insert_pairings_of(
    ctx: Context, messages: Sequence[tuple[int, Sequence[tuple[str, int, int, str]]]]
) -> None:
    rows = [
        {
            "message_id": message_id,
            "entity_type": target,
            "entity_id": target_id,
            "rule": rule,
            "reason": reason,
            "created_at": ctx.now,
        }
        for message_id, pairings in messages
        for target, target_id, rule, reason in pairings
    ]
    if rows:
        ctx.session.execute(insert(_p), rows)


def _event_kind(direction: str) -> str:
    return "email.sent" if direction == "out" else "email.received"


def _event_payload(message_id: int, parsed: ParsedMessage, rule: int) -> dict[str, Any]:
    """``email.received``/``email.sent`` on every record the message is paired with."""
    return {
        "message": message_id,
        "subject": parsed.subject,
        "from": parsed.sender.address if parsed.sender else None,
        "at": parsed.date,
        "rule": rule,
    }


def _attachments(ctx: Context, messages: Sequence[tuple[int, _Stored]], files: StagedFiles) -> None:
    """Each attachment a document of the message's deal, contact and company."""
    documents, owners = [], []
    for message_id, stored in messages:
        links = {
            "deal_id": next((i for t, i, _, _ in stored.pairings if t == "deal"), None),
            "person_id": next((i for t, i, _, _ in stored.pairings if t == "contact"), None),
            "company_id": next((i for t, i, _, _ in stored.pairings if t == "company"), None),
        }
        for attachment in stored.parsed.attachments:
            documents.append(
                {
                    "sha256": files.add(attachment.data),
                    "size": attachment.size,
                    "file_name": attachment.filename[:500],
                    "media_type": attachment.content_type[:200],
                    "created_at": ctx.now,
                    "created_by_id": ctx.actor_id,
                    **links,
                }
            )
            owners.append(message_id)
    if not documents:
        return
    d = tables.documents
    statement = insert(d).returning(d.c.id, sort_by_parameter_order=True)
    ids = list(ctx.session.scalars(statement, documents))
    ctx.session.execute(
        insert(tables.message_attachments),
        [{"message_id": m, "document_id": i} for m, i in zip(owners, ids, strict=True)],
    )
