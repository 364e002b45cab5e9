"""The database-backed pairing lookup: what ``crmctl.mail.pairing`` asks of stored data
(known messages, deals named by token, contacts by address, companies by domain)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import urlsplit

from sqlalchemy import func, or_, select

from crmctl.db import tables
from crmctl.mail.pairing import ContactMatch, KnownMessage, deal_token_pattern
from crmctl.mail.parse import ParsedMessage
from crmctl.mail.settings import mail_settings
from crmctl.services.context import Context
from crmctl.services.mail.common import _m, _p


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
