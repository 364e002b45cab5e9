"""Turning what a user typed (an id, a login, an IČO, a name) into one record."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, func, select

from crmctl.db import tables
from crmctl.errors import AmbiguousReference, NotFound
from crmctl.services.context import Actor, Context, TeamRef
from crmctl.text import fold

if TYPE_CHECKING:
    from crmctl.db.models import Company, Person

CANDIDATES_SHOWN = 5


# Users and teams resolve to the Core types of ``services.context`` (one query on the
# ``users``/``teams`` table), on a Session or a plain Connection alike: read-only commands
# never load the ORM for them, and services that write take the same type.


def resolve_user(ctx: Context, ref: str | int) -> Actor:
    """The user with this id or login."""
    text = str(ref).strip()
    row = ctx.session.execute(select(tables.users).where(_user_condition(text))).first()
    if row is None:
        raise NotFound(f"no user {text!r}; see `crmctl users list`")
    return Actor.of(row)


def _user_condition(text: str) -> ColumnElement[bool]:
    users = tables.users.c
    return users.id == int(text) if text.isdigit() else users.login == text


def resolve_team(ctx: Context, ref: str | int) -> TeamRef:
    """The team with this id or name."""
    text = str(ref).strip()
    teams = tables.teams.c
    condition = teams.id == int(text) if text.isdigit() else teams.name == text
    row = ctx.session.execute(select(teams.id, teams.name).where(condition)).first()
    if row is None:
        raise NotFound(f"no team {text!r}; see `crmctl teams list`")
    return TeamRef(row.id, row.name)


def logins_by_id(ctx: Context, user_ids: Iterable[int | None]) -> dict[int, str]:
    """Logins of the owners and authors of a page of records, in one query."""
    wanted = {user_id for user_id in user_ids if user_id is not None}
    if not wanted:
        return {}
    users = tables.users.c
    rows = ctx.session.execute(select(users.id, users.login).where(users.id.in_(wanted)))
    return {user_id: login for user_id, login in rows}


# What a task or document links to: kind → (its link attribute, the table, the columns
# of its name, the field a reader must see for the name to be shown; None: always shown).
_LINKED: dict[str, tuple[str, Any, tuple[str, ...], str | None]] = {
    "company": ("company_id", tables.companies, ("name",), None),  # on the public card
    "contact": ("person_id", tables.persons, ("first_name", "last_name"), "name"),
    "deal": ("deal_id", tables.deals, ("title",), "title"),
    "lead": ("lead_id", tables.leads, ("subject",), "subject"),
}


def linked_names(ctx: Context, records: Sequence[Any]) -> dict[tuple[str, int], str]:
    """Names of the companies, contacts, deals and leads a page of tasks or documents
    links to, one query per kind, keyed ``(kind, id)``. A visible task may be about a
    contact, deal or lead the reader may not see: those get no name."""
    from crmctl.services import policy

    names: dict[tuple[str, int], str] = {}
    for kind, (attribute, table, columns, field_name) in _LINKED.items():
        ids = {value for record in records if (value := getattr(record, attribute, None))}
        if not ids:
            continue
        statement = select(table.c.id, *(table.c[name] for name in columns))
        statement = statement.where(table.c.id.in_(ids))
        if field_name is not None:
            statement = statement.where(policy.readable(ctx, kind, field_name))
        for row_id, *parts in ctx.session.execute(statement):
            names[kind, row_id] = " ".join(filter(None, parts)) or f"#{row_id}"
    return names


def resolve_company(
    ctx: Context, ref: str | int, *, include_deleted: bool = False, action: str | None = None
) -> Company:
    """By id, IČO (8 digits) or name: exact (accent-insensitive) first, then contains.

    Everyone may find a company (its card); ``action`` read|write also checks the policy.
    """
    company = _find_company(ctx, ref, include_deleted)
    if action is not None:
        from crmctl.services import policy

        policy.require(ctx, "company", company.id, action)
    return company


def _find_company(ctx: Context, ref: str | int, include_deleted: bool) -> Company:
    from crmctl.db.models import Company

    text = str(ref).strip()
    live = [] if include_deleted else [Company.deleted_at.is_(None)]
    if text.isdigit():
        by_key = select(Company).where(Company.id == int(text), *live)
        if len(text) == 8:
            by_key = select(Company).where(Company.ico == text, *live)
        found = ctx.session.scalars(by_key).first()
        if found is None and len(text) == 8:
            found = ctx.session.scalars(
                select(Company).where(Company.id == int(text), *live)
            ).first()
        if found is None:
            raise NotFound(f"no company with id or IČO {text}; see `crmctl companies list`")
        return found
    name_key = func.crm_fold(Company.name)
    exact = select(Company).where(name_key == fold(text), *live)
    contains = select(Company).where(name_key.contains(fold(text), autoescape=True), *live)
    return _pick_one(ctx, "company", text, exact, contains, _company_label)


def resolve_person(
    ctx: Context, ref: str | int, *, include_deleted: bool = False, action: str = "read"
) -> Person:
    """By id, e-mail or full name (accent-insensitive), among the contacts the acting
    user may ``action`` (read|write): others are "permission denied", found or not."""
    from crmctl.services import policy

    try:
        person = _find_person(ctx, ref, include_deleted, policy.predicate(ctx, "contact", "read"))
    except NotFound as error:
        raise policy.missing(ctx, "contact", str(ref).strip(), error) from None
    if action == "write":
        policy.require(ctx, "contact", person.id, "write")
    return person


def _find_person(
    ctx: Context, ref: str | int, include_deleted: bool, visible: ColumnElement[bool]
) -> Person:
    from crmctl.db.models import Person, PersonEmail

    text = str(ref).strip()
    live = [visible] if include_deleted else [Person.deleted_at.is_(None), visible]
    if text.isdigit():
        found = ctx.session.scalars(select(Person).where(Person.id == int(text), *live)).first()
        if found is None:
            raise NotFound(f"no contact with id {text}; see `crmctl contacts list`")
        return found
    if "@" in text:
        by_email = (
            select(Person)
            .join(PersonEmail, PersonEmail.person_id == Person.id)
            .where(PersonEmail.email == text.lower(), *live)
        )
        found = ctx.session.scalars(by_email).first()
        if found is None:
            raise NotFound(f"no contact with e-mail {text}; see `crmctl contacts list`")
        return found
    full_name = func.crm_fold(func.coalesce(Person.first_name, "") + " " + Person.last_name)
    exact = select(Person).where(func.trim(full_name) == fold(text), *live)
    contains = select(Person).where(full_name.contains(fold(text), autoescape=True), *live)
    return _pick_one(ctx, "contact", text, exact, contains, _person_label)


def _pick_one(
    ctx: Context,
    noun: str,
    text: str,
    exact: Select[Any],
    contains: Select[Any],
    label: Any,
) -> Any:
    for query in (exact, contains):
        found: Sequence[Any] = ctx.session.scalars(query.limit(CANDIDATES_SHOWN + 1)).all()
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            shown = ", ".join(label(item) for item in found[:CANDIDATES_SHOWN])
            more = " and more" if len(found) > CANDIDATES_SHOWN else ""
            raise AmbiguousReference(
                f"{noun} name {text!r} is ambiguous: {shown}{more}; use the id instead"
            )
    raise NotFound(f"no {noun} matches {text!r}; see `crmctl {_plural(noun)} list --search`")


def _plural(noun: str) -> str:
    return "companies" if noun == "company" else f"{noun}s"


def _company_label(company: Company) -> str:
    return f"#{company.id} {company.name}"


def _person_label(person: Person) -> str:
    return f"#{person.id} {' '.join(filter(None, [person.first_name, person.last_name]))}"
