"""The entities the read pipeline lists and shows, each declared once as a ReadSource.

Derived from the entity registry when it has the entity (issue 16 item 1); the search
rules (what ``--search`` matches) live here with the pipeline.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, or_, select

from crmctl.db import tables
from crmctl.errors import NotFound
from crmctl.query import entities as registries
from crmctl.services import policy
from crmctl.services.context import Context
from crmctl.services.listing import search_pattern
from crmctl.services.read import records
from crmctl.services.read.pipeline import ReadSource
from crmctl.services.refs import find_company, find_person
from crmctl.services.task_records import task_records

_SOURCES: dict[str, ReadSource] = {}


def register(source: ReadSource) -> ReadSource:
    """Add (or replace) an entity's source: every generic list and show then knows it."""
    _SOURCES[source.entity] = source
    return source


def source(entity: str) -> ReadSource:
    try:
        return _SOURCES[entity]
    except KeyError:
        raise NotFound(f"no entity {entity!r}; known: {', '.join(_SOURCES)}") from None


def company_search(ctx: Context, text: str, scope: policy.ReadScope) -> ColumnElement[bool]:
    """``search_text`` holds e-mail and phone: on a card only name, IČO and city match."""
    companies = tables.companies.c
    pattern = search_pattern(text)
    full = companies.search_text.like(pattern, escape="\\")
    if scope.limited is None:
        return full
    card = or_(
        func.crm_fold(companies.name).like(pattern, escape="\\"),
        companies.ico.like(pattern, escape="\\"),
        func.crm_fold(companies.city).like(pattern, escape="\\"),
    )
    return or_(scope.full & full, card)


def contact_search(ctx: Context, text: str, scope: policy.ReadScope) -> ColumnElement[bool]:
    persons, links = tables.persons.c, tables.person_companies.c
    # Contacts are also found by their companies' IČO, name and city — by what else the
    # company holds (e-mail, phone) only where its reader sees more than the card.
    companies = company_search(ctx, text, policy.read_scope(ctx, "company"))
    via_company = select(links.person_id).where(
        links.company_id.in_(select(tables.companies.c.id).where(companies))
    )
    pattern = search_pattern(text)
    return or_(persons.search_text.like(pattern, escape="\\"), persons.id.in_(via_company))


def deal_search(ctx: Context, text: str, scope: policy.ReadScope) -> ColumnElement[bool]:
    return tables.deals.c.title.ilike(f"%{text.strip()}%")


def _find_company(ctx: Context, ref: str) -> Any:
    return find_company(ctx, ref, include_deleted=False)


def _find_person(ctx: Context, ref: str) -> Any:
    return find_person(ctx, ref)


COMPANY = register(
    ReadSource(
        "company", "companies", tables.companies, registries.company_registry,
        records.company_records, search=company_search, find=_find_company,
    )
)  # fmt: skip
CONTACT = register(
    ReadSource(
        "contact", "contacts", tables.persons, registries.person_registry,
        records.contact_records, search=contact_search, find=_find_person,
    )
)  # fmt: skip
# Most idle first: the (stage, last_touched_at) index then serves `stage = X and
# idle_days > N` in order, so the first page needs no sort of every match.
DEAL = register(
    ReadSource(
        "deal", "deals", tables.deals, registries.deal_registry, records.deal_records,
        search=deal_search, default_sort="last_touched_at", paged_scope=True, id_example=42,
    )
)  # fmt: skip
LEAD = register(
    ReadSource("lead", "leads", tables.leads, registries.lead_registry, records.lead_records)
)
TASK = register(
    ReadSource(
        "task", "tasks", tables.tasks, registries.task_registry, task_records,
        default_sort="due_at",
    )
)  # fmt: skip
