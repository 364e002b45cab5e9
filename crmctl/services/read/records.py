"""What a company, contact, deal or lead is shown as: records built from table rows.

Core only (``crmctl.db.tables``), never the ORM: a mapped object and a row of the
entity's columns carry the same attribute names, so the writes (which hold mapped
objects) and the read pipeline (which holds rows) build the same records here.
Tasks' records are in ``crmctl.services.task_records``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from crmctl import entities
from crmctl.db import tables
from crmctl.services import tags as tag_store
from crmctl.services.access import policy
from crmctl.services.context import Context
from crmctl.services.refs import logins_by_id

# A record's source: a mapped object (writes) or a row of its table's columns (reads).
Source = Any

# The plain text fields each record shows, as the entity registry declares them.
COMPANY_SCALARS = entities.COMPANY.scalar_fields
CONTACT_SCALARS = entities.CONTACT.scalar_fields
LEAD_TEXTS = (
    "subject", "product", "region", "contact_name", "contact_email", "contact_phone",
    "company_name", "ico", "message", "campaign",
)  # fmt: skip
SECONDS_PER_DAY = 86400


def _authors(ctx: Context, rows: Sequence[Source], *columns: str) -> dict[int, str]:
    return logins_by_id(ctx, [getattr(row, column) for row in rows for column in columns])


# --- companies -----------------------------------------------------------------------


def company_records(ctx: Context, companies: Sequence[Source]) -> list[dict[str, Any]]:
    """Records for many companies with one query per related table, never one per row."""
    tags = tag_store.tags_for(ctx, "company", [company.id for company in companies])
    logins = _authors(ctx, companies, "owner_id", "created_by_id", "updated_by_id")
    return [_company(company, tags.get(company.id, []), logins) for company in companies]


def _company(company: Source, tags: list[str], logins: dict[int, str]) -> dict[str, Any]:
    record: dict[str, Any] = {"id": company.id}
    record.update({name: getattr(company, name) for name in COMPANY_SCALARS})
    record.update(
        tags=tags,
        owner=logins.get(company.owner_id or -1),
        custom=dict(company.custom or {}),
        created_at=company.created_at,
        created_by=logins.get(company.created_by_id or -1),
        updated_at=company.updated_at,
        updated_by=logins.get(company.updated_by_id or -1),
        deleted_at=company.deleted_at,
        merged_into=company.merged_into_id,
    )
    return record


# --- contacts ------------------------------------------------------------------------


def contact_records(ctx: Context, persons: Sequence[Source]) -> list[dict[str, Any]]:
    """Records for many contacts with one query per related table, never one per row."""
    related = _RelatedRows(ctx, [person.id for person in persons])
    logins = _authors(ctx, persons, "owner_id", "created_by_id", "updated_by_id")
    return [related.record(person, logins) for person in persons]


def display_name(person: Source) -> str:
    parts = [person.title_before, person.first_name, person.last_name]
    name = " ".join(part for part in parts if part)
    return f"{name}, {person.title_after}" if person.title_after else name


class _RelatedRows:
    """E-mails, phones, links, relations and tags of a set of contacts, fetched at once."""

    def __init__(self, ctx: Context, ids: list[int]) -> None:
        self.emails: dict[int, list[str]] = {}
        self.phones: dict[int, list[str]] = {}
        self.companies: dict[int, list[dict[str, Any]]] = {}
        self.out: dict[int, list[Source]] = {}
        self.incoming: dict[int, list[Source]] = {}
        self.tags = tag_store.tags_for(ctx, "contact", ids)
        for chunk in tag_store.chunked(ids):
            self._load(ctx, chunk)

    def _load(self, ctx: Context, ids: list[int]) -> None:
        emails, phones = tables.person_emails.c, tables.person_phones.c
        for person_id, email in ctx.session.execute(
            select(emails.person_id, emails.email)
            .where(emails.person_id.in_(ids))
            .order_by(emails.position, emails.id)
        ):
            self.emails.setdefault(person_id, []).append(email)
        for person_id, phone in ctx.session.execute(
            select(phones.person_id, phones.phone)
            .where(phones.person_id.in_(ids))
            .order_by(phones.position, phones.id)
        ):
            self.phones.setdefault(person_id, []).append(phone)
        self._load_links(ctx, ids)

    def _load_links(self, ctx: Context, ids: list[int]) -> None:
        links, companies = tables.person_companies.c, tables.companies.c
        relations = tables.person_relations.c
        for link in ctx.session.execute(
            select(links.person_id, links.company_id, links.role, links.is_primary, companies.name)
            .join_from(tables.person_companies, tables.companies, companies.id == links.company_id)
            .where(links.person_id.in_(ids))
            .order_by(links.is_primary.desc(), links.company_id)
        ):
            self.companies.setdefault(link.person_id, []).append(
                {"id": link.company_id, "name": link.name, "role": link.role,
                 "primary": link.is_primary}
            )  # fmt: skip
        for relation in ctx.session.execute(
            select(tables.person_relations)
            .where(or_(relations.person_id.in_(ids), relations.other_person_id.in_(ids)))
            .order_by(relations.id)
        ):
            self.out.setdefault(relation.person_id, []).append(relation)
            self.incoming.setdefault(relation.other_person_id, []).append(relation)

    def record(self, person: Source, logins: dict[int, str]) -> dict[str, Any]:
        out = self.out.get(person.id, [])
        incoming = self.incoming.get(person.id, [])
        record: dict[str, Any] = {"id": person.id, "name": display_name(person)}
        record.update({name: getattr(person, name) for name in CONTACT_SCALARS})
        record.update(
            emails=self.emails.get(person.id, []),
            phones=self.phones.get(person.id, []),
            companies=self.companies.get(person.id, []),
            company=next((c["name"] for c in self.companies.get(person.id, [])), None),
            reports_to=_single(out, "reports_to"),
            assistant_of=_single(out, "assistant_of"),
            related=[{"id": r.other_person_id, "label": r.label} for r in out if r.kind == "other"],
            direct_reports=[r.person_id for r in incoming if r.kind == "reports_to"],
            assistants=[r.person_id for r in incoming if r.kind == "assistant_of"],
            related_from=[
                {"id": r.person_id, "label": r.label} for r in incoming if r.kind == "other"
            ],
            tags=self.tags.get(person.id, []),
            owner=logins.get(person.owner_id or -1),
            custom=dict(person.custom or {}),
            created_at=person.created_at,
            created_by=logins.get(person.created_by_id or -1),
            updated_at=person.updated_at,
            updated_by=logins.get(person.updated_by_id or -1),
            deleted_at=person.deleted_at,
            merged_into=person.merged_into_id,
        )
        return record


def _single(relations: list[Source], kind: str) -> int | None:
    return next((r.other_person_id for r in relations if r.kind == kind), None)


# --- deals ---------------------------------------------------------------------------


def deal_records(ctx: Context, deals: Sequence[Source]) -> list[dict[str, Any]]:
    """Records for many deals with one query per related table, never one per row."""
    ids = [deal.id for deal in deals]
    tags = tag_store.tags_for(ctx, "deal", ids)
    logins = _authors(ctx, deals, "owner_id", "created_by_id", "updated_by_id")
    companies = tables.companies.c
    company_ids = {d.company_id for d in deals if d.company_id}
    names: dict[int, str] = {
        row.id: row.name
        for row in ctx.session.execute(
            select(companies.id, companies.name).where(companies.id.in_(company_ids))
        )
    }
    contacts: dict[int, list[dict[str, Any]]] = {}
    planned: set[int] = set()
    for chunk in tag_store.chunked(ids):
        _deal_contacts(ctx, chunk, contacts)
        planned.update(_planned(ctx, chunk))
    return [
        _deal(ctx, d, names, contacts.get(d.id, []), tags.get(d.id, []), logins, planned)
        for d in deals
    ]


def _deal_contacts(ctx: Context, ids: list[int], found: dict[int, list[dict[str, Any]]]) -> None:
    links, persons = tables.deal_contacts.c, tables.persons.c
    for row in ctx.session.execute(
        select(links.deal_id, links.role, persons.id, persons.first_name, persons.last_name)
        .join_from(tables.deal_contacts, tables.persons, persons.id == links.person_id)
        # Only the contacts the reader may see: a visible deal must not name the others.
        .where(links.deal_id.in_(ids), policy.readable(ctx, "contact", "name"))
        .order_by(links.deal_id, persons.last_name, persons.id)
    ):
        name = " ".join(filter(None, [row.first_name, row.last_name]))
        found.setdefault(row.deal_id, []).append({"id": row.id, "name": name, "role": row.role})


def _planned(ctx: Context, ids: list[int]) -> Sequence[int]:
    """Which of the deals have an open task due in the future."""
    tasks = tables.tasks.c
    return ctx.session.scalars(
        select(tasks.deal_id).where(
            tasks.deal_id.in_(ids),
            tasks.done_at.is_(None),
            tasks.deleted_at.is_(None),
            tasks.due_at > ctx.now,
        )
    ).all()


def _deal(
    ctx: Context,
    deal: Source,
    companies: dict[int, str],
    contacts: list[dict[str, Any]],
    tags: list[str],
    logins: dict[int, str],
    planned: set[int],
) -> dict[str, Any]:
    return {
        "id": deal.id,
        "title": deal.title,
        "company_id": deal.company_id,
        "company": companies.get(deal.company_id or -1),
        "pipeline": deal.pipeline,
        "stage": deal.stage,
        "value": deal.value,
        "currency": deal.currency,
        "probability": deal.probability,
        "probability_overridden": deal.probability_overridden,
        "forecast_category": deal.forecast_category,
        "forecast_category_overridden": deal.forecast_category_overridden,
        "expected_close": deal.expected_close,
        "owner": logins.get(deal.owner_id or -1),
        "status": deal.status,
        "closed_at": deal.closed_at,
        "won_reason": deal.won_reason,
        "lost_reason": deal.lost_reason,
        "lead_id": deal.lead_id,
        "source": deal.source,
        "campaign": deal.campaign,
        "contacts": contacts,
        "tags": tags,
        "custom": dict(deal.custom or {}),
        "stage_entered_at": deal.stage_entered_at,
        "days_in_stage": days_between(deal.stage_entered_at, ctx.now),
        "last_activity_at": deal.last_activity_at,
        "last_touched_at": deal.last_touched_at,
        "idle_days": days_between(deal.last_touched_at, ctx.now),
        "has_planned_activity": deal.id in planned,
        "created_at": deal.created_at,
        "created_by": logins.get(deal.created_by_id or -1),
        "updated_at": deal.updated_at,
        "updated_by": logins.get(deal.updated_by_id or -1),
        "deleted_at": deal.deleted_at,
    }


def days_between(since: datetime | None, until: datetime) -> int | None:
    # None: a column the database masks on a limited row (PostgreSQL column security).
    if since is None:
        return None
    return int((until - since).total_seconds() // SECONDS_PER_DAY)


# --- leads ---------------------------------------------------------------------------


def lead_records(ctx: Context, leads: Sequence[Source]) -> list[dict[str, Any]]:
    logins = _authors(ctx, leads, "owner_id", "created_by_id")
    return [_lead(lead, logins) for lead in leads]


def _lead(lead: Source, logins: dict[int, str]) -> dict[str, Any]:
    response = (
        int((lead.first_response_at - lead.received_at).total_seconds() // 60)
        if lead.first_response_at
        else None
    )
    return {
        "id": lead.id,
        "source": lead.source,
        "received_at": lead.received_at,
        "status": lead.status,
        "owner": logins.get(lead.owner_id or -1),
        **{name: getattr(lead, name) for name in LEAD_TEXTS},
        "reject_reason": lead.reject_reason,
        "company_id": lead.company_id,
        "person_id": lead.person_id,
        "deal_id": lead.deal_id,
        "first_response_at": lead.first_response_at,
        "response_minutes": response,
        "converted_at": lead.converted_at,
        "last_activity_at": lead.last_activity_at,
        "custom": dict(lead.custom or {}),
        "created_at": lead.created_at,
        "created_by": logins.get(lead.created_by_id or -1),
        "updated_at": lead.updated_at,
    }


# --- what `show` adds to a record ----------------------------------------------------


def contacts_of_company(ctx: Context, company_id: int) -> list[dict[str, Any]]:
    """The company's live contacts, each with its role at this company."""
    persons, links = tables.persons.c, tables.person_companies.c
    rows = ctx.session.execute(
        select(*tables.persons.columns, links.role.label("link_role"))
        .join_from(tables.persons, tables.person_companies, links.person_id == persons.id)
        .where(
            links.company_id == company_id,
            persons.deleted_at.is_(None),
            policy.predicate(ctx, "contact", "read"),
        )
        .order_by(links.is_primary.desc(), persons.last_name, persons.id)
    ).all()
    found = contact_records(ctx, rows)
    return [{**record, "role": row.link_role} for record, row in zip(found, rows, strict=True)]


def describe_relations(ctx: Context, record: dict[str, Any]) -> list[dict[str, Any]]:
    """Both directions of a contact's relations, with names, for ``contacts show``."""
    rows: list[tuple[str, int, str | None]] = []
    if record["reports_to"]:
        rows.append(("reports to", record["reports_to"], None))
    if record["assistant_of"]:
        rows.append(("assistant of", record["assistant_of"], None))
    rows += [("related", r["id"], r["label"]) for r in record["related"]]
    rows += [("direct report", person_id, None) for person_id in record["direct_reports"]]
    rows += [("assistant", person_id, None) for person_id in record["assistants"]]
    rows += [("related", r["id"], r["label"]) for r in record["related_from"]]
    persons = tables.persons.c
    # Names only of the contacts the user may see; the others show as a bare id.
    people = {
        person.id: display_name(person)
        for person in ctx.session.execute(
            select(tables.persons).where(
                persons.id.in_({person_id for _, person_id, _ in rows}),
                policy.predicate(ctx, "contact", "read"),
            )
        )
    }
    return [
        {"relation": relation, "id": person_id, "name": people.get(person_id), "label": label}
        for relation, person_id, label in rows
    ]


def stage_history(ctx: Context, deal_id: int) -> list[dict[str, Any]]:
    """Each stay in a stage: entered, left (empty for the current one) and days spent.

    Empty for a deal the user sees limited (support: the current stage only): its history
    (who moved it when) is the deal's history, as on PostgreSQL with row security.
    """
    if policy.read_level(ctx, "deal", deal_id) != "full":
        return []
    history = tables.deal_stage_history.c
    rows = ctx.session.execute(
        select(tables.deal_stage_history)
        .where(history.deal_id == deal_id)
        .order_by(history.entered_at, history.id)
    ).all()
    logins = logins_by_id(ctx, [row.entered_by_id for row in rows])
    return [
        {
            "pipeline": row.pipeline,
            "stage": row.stage,
            "entered_at": row.entered_at,
            "left_at": row.left_at,
            "days": days_between(row.entered_at, row.left_at or ctx.now),
            "by": logins.get(row.entered_by_id or -1),
        }
        for row in rows
    ]
