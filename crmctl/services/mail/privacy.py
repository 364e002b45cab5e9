"""GDPR for mail: a person's messages for ``gdpr export``; ``gdpr erase`` deletes or
anonymises them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, or_, select, update

from crmctl.db import tables
from crmctl.mail.settings import mail_settings
from crmctl.services.context import Context
from crmctl.services.mail.common import _m, _p
from crmctl.services.mail.read import _records, readable


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
