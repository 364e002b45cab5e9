"""The entities the read pipeline lists and shows: ReadSources derived from the one
entity registry (``crmctl.entities``), whose ``present``/``search``/``find`` hooks name
the functions here and in ``records``. An entity declared there without hooks is still
listed and shown (its stored fields, by id).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select

from crmctl import entities
from crmctl.db import tables
from crmctl.entities import Entity
from crmctl.query import entities as registries
from crmctl.services import policy
from crmctl.services.context import Context
from crmctl.services.listing import search_pattern
from crmctl.services.read.pipeline import ReadSource
from crmctl.services.refs import find_company, find_person, logins_by_id

# By name, with the declaration it was derived from (a test may declare another).
_SOURCES: dict[str, tuple[Entity, ReadSource]] = {}


def source(name: str) -> ReadSource:
    """The read source of the entity ``name`` (singular or plural), from the registry."""
    declared = entities.entity(name)
    known = _SOURCES.get(declared.name)
    if known is None or known[0] is not declared:
        known = _SOURCES[declared.name] = (declared, derive(declared))
    return known[1]


def derive(declared: Entity) -> ReadSource:
    """What the pipeline needs, read off one registry entry (its hooks imported now)."""
    return ReadSource(
        declared.name,
        declared.plural,
        declared.table,
        partial(registries.registry, declared.name),
        declared.hook("present") or partial(plain_records, declared),
        search=declared.hook("search"),
        default_sort=declared.default_sort,
        paged_scope=bool(declared.extra.get("paged_scope")),
        find=declared.hook("find"),
        id_example=int(declared.extra.get("id_example", 12)),
    )


def plain_records(declared: Entity, ctx: Context, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """An entity without a ``present`` hook: its stored fields as they are, its owner as
    a login (as every record shows it)."""
    stored = [f for f in declared.fields if f.shown and f.column_name is not None]
    owners = logins_by_id(ctx, [getattr(row, declared.owner) for row in rows])
    records = []
    for row in rows:
        record = {f.name: getattr(row, f.column_name) for f in stored if f.column_name}
        if declared.field("owner") is not None:
            record["owner"] = owners.get(getattr(row, declared.owner) or -1)
        records.append(record)
    return records


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


def find_company_row(ctx: Context, ref: str) -> Any:
    """``companies show REF``: by id, IČO or name, as a row of the table."""
    return find_company(ctx, ref, include_deleted=False)


def find_person_row(ctx: Context, ref: str) -> Any:
    """``contacts show REF``: by id, e-mail or name among the readable contacts."""
    return find_person(ctx, ref)
