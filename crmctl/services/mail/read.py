"""Reading messages with rights (list, show, thread, why) and fixing their pairings by hand.

A message is readable by whoever may read a record it is paired to; by default every
message also by admins and by the owner of its mailbox (``owner_id``) — issue 18 item 6,
the policy's default rule for ``message``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, select

from crmctl.db import tables
from crmctl.errors import NotFound, PermissionDenied, UsageError, ValidationError
from crmctl.services.access import policy
from crmctl.services.context import Context
from crmctl.services.events import record_event
from crmctl.services.listing import ListOptions
from crmctl.services.mail.common import ENTITY, RULE_BY_HAND, TARGETS, _m, _p
from crmctl.services.mail.store import _event_kind, _insert_pairings
from crmctl.services.read.pipeline import list_records, show_record
from crmctl.services.read.sources import source
from crmctl.services.refs import resolve_company, resolve_deal, resolve_lead, resolve_person

# --- rights -------------------------------------------------------------------------------


def readable(ctx: Context) -> ColumnElement[bool]:
    """The messages the acting user may read: the policy's rule for ``message`` (the
    entity's ``paired`` declaration adds the messages paired to records they may read)."""
    return policy.predicate(ctx, ENTITY)


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
    """Through the read pipeline (deleted → policy → ``--where`` → sort by date → limit);
    ``--unpaired`` and ``--contact|--company|--deal|--lead`` narrow the base select."""
    conditions: list[ColumnElement[bool]] = []
    if options.unpaired:
        conditions.append(~exists().where(_p.c.message_id == _m.c.id))
    if options.target is not None:
        target, target_id = options.target
        conditions.append(
            exists().where(
                _p.c.message_id == _m.c.id,
                _p.c.entity_type == target,
                _p.c.entity_id == target_id,
            )
        )
    listing = ListOptions(where=options.where, limit=options.limit or None)
    return list_records(ctx, source(ENTITY), listing, conditions)


def message_records(ctx: Context, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """The entity's ``present`` hook: a list's records (``show`` adds the rest)."""
    return _records(ctx, rows)


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
    """Through the read pipeline's show (find with rights → records), the whole record."""
    return show_record(ctx, replace(source(ENTITY), records=partial(_records, full=True)), ref)


def thread(ctx: Context, ref: str) -> list[dict[str, Any]]:
    """The readable messages of the thread of ``ref``, oldest first."""
    row = resolve_message(ctx, ref)
    same = [_m.c.thread_key == row.thread_key]
    return list_records(ctx, source(ENTITY), ListOptions(), same)


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


def resolve_target_id(ctx: Context, target: str, ref: str) -> int:
    """The id of the deal, lead, contact or company ``ref`` names (pairing, sending)."""
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
    target_id = resolve_target_id(ctx, target, target_ref)
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
    target_id = resolve_target_id(ctx, target, target_ref)
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
