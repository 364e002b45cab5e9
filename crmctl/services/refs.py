"""Turning what a user typed (an id, a login, an IČO, a name) into one record."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Row, Select, Table, func, select

from crmctl import entities
from crmctl.db import tables
from crmctl.errors import AmbiguousReference, NotFound
from crmctl.query import entities as filters
from crmctl.services.context import Context
from crmctl.text import fold

if TYPE_CHECKING:
    from crmctl.db.models import Company, Person, Team, User

CANDIDATES_SHOWN = 5


# The ORM classes are imported by the functions that return them: read-only commands
# resolve users and teams to ``*_row`` results and never load the ORM.


def resolve_user(ctx: Context, ref: str | int) -> User:
    from crmctl.db.models import User

    text = str(ref).strip()
    user = ctx.session.scalars(select(User).where(_user_condition(text))).first()
    if user is None:
        raise _no_user(text)
    return user


def resolve_user_row(ctx: Context, ref: str | int) -> Row[Any]:
    """Like ``resolve_user``, as a row of the ``users`` table (works on a Connection)."""
    text = str(ref).strip()
    row = ctx.session.execute(select(tables.users).where(_user_condition(text))).first()
    if row is None:
        raise _no_user(text)
    return row


def _user_condition(text: str) -> ColumnElement[bool]:
    users = tables.users.c
    return users.id == int(text) if text.isdigit() else users.login == text


def _no_user(text: str) -> NotFound:
    return NotFound(f"no user {text!r}; see `crmctl users list`")


def resolve_team(ctx: Context, ref: str | int) -> Team:
    from crmctl.db.models import Team

    text = str(ref).strip()
    team = ctx.session.scalars(select(Team).where(_team_condition(text))).first()
    if team is None:
        raise _no_team(text)
    return team


def resolve_team_row(ctx: Context, ref: str | int) -> Row[Any]:
    """Like ``resolve_team``, as a row of the ``teams`` table (works on a Connection)."""
    text = str(ref).strip()
    row = ctx.session.execute(select(tables.teams).where(_team_condition(text))).first()
    if row is None:
        raise _no_team(text)
    return row


def _team_condition(text: str) -> ColumnElement[bool]:
    teams = tables.teams.c
    return teams.id == int(text) if text.isdigit() else teams.name == text


def _no_team(text: str) -> NotFound:
    return NotFound(f"no team {text!r}; see `crmctl teams list`")


def logins_by_id(ctx: Context, user_ids: Iterable[int | None]) -> dict[int, str]:
    """Logins of the owners and authors of a page of records, in one query."""
    wanted = {user_id for user_id in user_ids if user_id is not None}
    if not wanted:
        return {}
    users = tables.users.c
    rows = ctx.session.execute(select(users.id, users.login).where(users.id.in_(wanted)))
    return {user_id: login for user_id, login in rows}


# What a task or document may link to (a company, contact, deal or lead).
_LINKED = entities.linked_from(entities.TASK)


def linked_names(ctx: Context, records: Sequence[Any]) -> dict[tuple[str, int], str]:
    """Names of the companies, contacts, deals and leads a page of tasks or documents
    links to, one query per kind, keyed ``(kind, id)``. A visible task may be about a
    contact, deal or lead the reader may not see: those get no name."""
    from crmctl.services import policy

    names: dict[tuple[str, int], str] = {}
    for linked in _LINKED:
        assert linked.links is not None
        column, table = linked.links.column, linked.table
        ids = {value for record in records if (value := getattr(record, column, None))}
        if not ids:
            continue
        statement = select(table.c.id, filters.title(linked.name)).where(table.c.id.in_(ids))
        if not linked.links.public:
            statement = statement.where(policy.readable(ctx, linked.name, linked.title))
        for row_id, title in ctx.session.execute(statement):
            names[linked.name, row_id] = title or f"#{row_id}"
    return names


def resolve_company(
    ctx: Context, ref: str | int, *, include_deleted: bool = False, action: str | None = None
) -> Company:
    """By id, IČO (8 digits) or name: exact (accent-insensitive) first, then contains.

    Everyone may find a company (its card); ``action`` read|write also checks the policy.
    """
    from crmctl.db.models import Company

    company: Company = find_company(ctx, ref, include_deleted, Company)
    if action is not None:
        from crmctl.services import policy

        policy.require(ctx, "company", company.id, action)
    return company


def find_company(
    ctx: Context, ref: str | int, include_deleted: bool, target: Any = tables.companies
) -> Any:
    """The company ``ref`` names: a row of its table, or a mapped ``Company`` as ``target``."""
    companies = tables.companies.c
    text = str(ref).strip()
    live = [] if include_deleted else [companies.deleted_at.is_(None)]
    if text.isdigit():
        by_key = select(target).where(companies.id == int(text), *live)
        if len(text) == 8:
            by_key = select(target).where(companies.ico == text, *live)
        found = _fetch(ctx, by_key, target).first()
        if found is None and len(text) == 8:
            found = _fetch(ctx, select(target).where(companies.id == int(text), *live), target)
            found = found.first()
        if found is None:
            raise NotFound(f"no company with id or IČO {text}; see `crmctl companies list`")
        return found
    name_key = func.crm_fold(companies.name)
    exact = select(target).where(name_key == fold(text), *live)
    contains = select(target).where(name_key.contains(fold(text), autoescape=True), *live)
    return _pick_one(ctx, "company", text, exact, contains, _company_label, target)


def resolve_person(
    ctx: Context, ref: str | int, *, include_deleted: bool = False, action: str = "read"
) -> Person:
    """By id, e-mail or full name (accent-insensitive), among the contacts the acting
    user may ``action`` (read|write): others are "permission denied", found or not."""
    from crmctl.db.models import Person

    person: Person = find_person(ctx, ref, include_deleted=include_deleted, target=Person)
    if action == "write":
        from crmctl.services import policy

        policy.require(ctx, "contact", person.id, "write")
    return person


def find_person(
    ctx: Context, ref: str | int, *, include_deleted: bool = False, target: Any = tables.persons
) -> Any:
    """The readable contact ``ref`` names: a row of its table, or a mapped ``Person``."""
    from crmctl.services import policy

    visible = policy.predicate(ctx, "contact", "read")
    try:
        return _find_person(ctx, ref, include_deleted, visible, target)
    except NotFound as error:
        raise policy.missing(ctx, "contact", str(ref).strip(), error) from None


def _find_person(
    ctx: Context, ref: str | int, include_deleted: bool, visible: ColumnElement[bool], target: Any
) -> Any:
    persons, emails = tables.persons.c, tables.person_emails.c
    text = str(ref).strip()
    live = [visible] if include_deleted else [persons.deleted_at.is_(None), visible]
    if text.isdigit():
        found = _fetch(ctx, select(target).where(persons.id == int(text), *live), target).first()
        if found is None:
            raise NotFound(f"no contact with id {text}; see `crmctl contacts list`")
        return found
    if "@" in text:
        by_email = (
            select(target)
            .join(tables.person_emails, emails.person_id == persons.id)
            .where(emails.email == text.lower(), *live)
        )
        found = _fetch(ctx, by_email, target).first()
        if found is None:
            raise NotFound(f"no contact with e-mail {text}; see `crmctl contacts list`")
        return found
    full_name = func.crm_fold(func.coalesce(persons.first_name, "") + " " + persons.last_name)
    exact = select(target).where(func.trim(full_name) == fold(text), *live)
    contains = select(target).where(full_name.contains(fold(text), autoescape=True), *live)
    return _pick_one(ctx, "contact", text, exact, contains, _person_label, target)


def _fetch(ctx: Context, statement: Select[Any], target: Any) -> Any:
    """Mapped objects when ``target`` is an ORM class, rows when it is a Core table."""
    if isinstance(target, Table):
        return ctx.session.execute(statement)
    return ctx.session.scalars(statement)


def _pick_one(
    ctx: Context,
    noun: str,
    text: str,
    exact: Select[Any],
    contains: Select[Any],
    label: Any,
    target: Any,
) -> Any:
    for query in (exact, contains):
        found: Sequence[Any] = _fetch(ctx, query.limit(CANDIDATES_SHOWN + 1), target).all()
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


def _company_label(company: Any) -> str:
    return f"#{company.id} {company.name}"


def _person_label(person: Any) -> str:
    return f"#{person.id} {' '.join(filter(None, [person.first_name, person.last_name]))}"
