"""Turning what a user typed (an id, a login, an IČO, a name) into one record."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, Table, func, select

from crmctl import entities
from crmctl.db import tables
from crmctl.errors import AmbiguousReference, NotFound, ValidationError
from crmctl.query import entities as filters
from crmctl.services.context import Actor, Context, TeamRef
from crmctl.text import fold

if TYPE_CHECKING:
    from crmctl.db.models import Company, Deal, Document, ImportBatch, Lead, Person, Task

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


@cache
def _linked() -> tuple[entities.Entity, ...]:
    """What a task or document may link to (a company, contact, deal or lead); on first
    use, as it reads the tasks table."""
    return entities.linked_from(entities.TASK)


def linked_names(ctx: Context, records: Sequence[Any]) -> dict[tuple[str, int], str]:
    """Names of the companies, contacts, deals and leads a page of tasks or documents
    links to, one query per kind, keyed ``(kind, id)``. A visible task may be about a
    contact, deal or lead the reader may not see: those get no name."""
    from crmctl.services.access import policy  # noqa: PLC0415  (circle: refs ↔ policy)

    names: dict[tuple[str, int], str] = {}
    for linked in _linked():
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
    from crmctl.db.models import Company  # noqa: PLC0415  (start-up: ORM only for writes)

    company: Company = find_company(ctx, ref, include_deleted, Company)
    if action is not None:
        from crmctl.services.access import policy  # noqa: PLC0415  (circle: refs ↔ policy)

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
    from crmctl.db.models import Person  # noqa: PLC0415  (start-up: ORM only for writes)

    person: Person = find_person(ctx, ref, include_deleted=include_deleted, target=Person)
    if action == "write":
        from crmctl.services.access import policy  # noqa: PLC0415  (circle: refs ↔ policy)

        policy.require(ctx, "contact", person.id, "write")
    return person


def find_person(
    ctx: Context, ref: str | int, *, include_deleted: bool = False, target: Any = tables.persons
) -> Any:
    """The readable contact ``ref`` names: a row of its table, or a mapped ``Person``."""
    from crmctl.services.access import policy  # noqa: PLC0415  (circle: refs ↔ policy)

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


# Records named by id: the live deal, lead, task or document the acting user may act on.


def resolve_deal(
    ctx: Context, ref: str | int, *, for_update: bool = False, action: str | None = "read"
) -> Deal:
    """The live deal ``ref``; ``action`` (read|write) is checked against the policy.

    ``action=None`` checks nothing: for callers that check a limited read themselves.
    """
    from crmctl.db.models import Deal  # noqa: PLC0415  (start-up: ORM only for writes)
    from crmctl.services.access import policy  # noqa: PLC0415  (circle: refs ↔ policy)
    from crmctl.services.locking import begin_write  # noqa: PLC0415  (start-up: ORM only for writes)

    text = str(ref).strip().lstrip("#")
    if not text.removeprefix("-").isdigit():  # -1 is an id (of no record): not found
        raise ValidationError(f"deal {ref!r}: expected a deal id such as 42")
    statement = select(Deal).where(Deal.id == int(text), Deal.deleted_at.is_(None))
    if for_update:
        # The row as committed now, locked until commit (SQLite: the write lock first).
        begin_write(ctx)
        statement = statement.with_for_update().execution_options(populate_existing=True)
    deal = ctx.session.scalars(statement).first()
    if deal is None:
        raise policy.missing(
            ctx, "deal", text, NotFound(f"no deal #{text}; see `crmctl deals list`")
        )
    if action is not None:
        policy.require(ctx, "deal", deal.id, action)
    return deal


def resolve_lead(ctx: Context, ref: str | int, *, action: str = "read") -> Lead:
    """A live lead the acting user may ``action`` (read|write)."""
    from crmctl.db.models import Lead  # noqa: PLC0415  (start-up: ORM only for writes)
    from crmctl.services.access import policy  # noqa: PLC0415  (circle: refs ↔ policy)

    text = str(ref).strip().lstrip("#")
    if not text.removeprefix("-").isdigit():  # -1 is an id (of no record): not found
        raise ValidationError(f"lead {ref!r}: expected a lead id such as 12")
    lead = ctx.session.scalars(
        select(Lead).where(Lead.id == int(text), Lead.deleted_at.is_(None))
    ).first()
    if lead is None:
        raise policy.missing(
            ctx, "lead", text, NotFound(f"no lead #{text}; see `crmctl leads list`")
        )
    policy.require(ctx, "lead", lead.id, action)
    return lead


def resolve_task(ctx: Context, ref: str | int, *, action: str | None = "write") -> Task:
    """The live task ``ref`` that the acting user may ``action`` (read|write).

    ``action=None`` checks nothing: for callers that check a limited read themselves.
    """
    from crmctl.db.models import Task  # noqa: PLC0415  (start-up: ORM only for writes)
    from crmctl.services.access import policy  # noqa: PLC0415  (circle: refs ↔ policy)

    text = str(ref).strip().lstrip("#")
    if not text.removeprefix("-").isdigit():  # -1 is an id (of no record): not found
        raise ValidationError(f"task {ref!r}: expected a task id such as 12")
    task = ctx.session.scalars(
        select(Task).where(Task.id == int(text), Task.deleted_at.is_(None))
    ).first()
    if task is None:
        raise policy.missing(
            ctx, "task", text, NotFound(f"no task #{text}; see `crmctl tasks list`")
        )
    if action is not None:
        policy.require(ctx, "task", task.id, action)
    return task


def resolve_document(ctx: Context, ref: str | int, *, action: str = "read") -> Document:
    """The live document ``ref`` the acting user may ``action`` (read|write)."""
    from crmctl.db.models import Document  # noqa: PLC0415  (start-up: ORM only for writes)
    from crmctl.services.access import policy  # noqa: PLC0415  (circle: refs ↔ policy)

    text = str(ref).strip().lstrip("#")
    if not text.removeprefix("-").isdigit():  # -1 is an id (of no record): not found
        raise ValidationError(f"document {ref!r}: expected a document id such as 3")
    document = ctx.session.scalars(
        select(Document).where(Document.id == int(text), Document.deleted_at.is_(None))
    ).first()
    if document is None:
        raise policy.missing(
            ctx, "document", text, NotFound(f"no document #{text}; see `crmctl docs list`")
        )
    policy.require(ctx, "document", document.id, action)
    return document


def resolve_batch(ctx: Context, ref: str) -> ImportBatch:
    from crmctl.db.models import ImportBatch  # noqa: PLC0415  (start-up: ORM only for writes)

    text = str(ref).strip().lstrip("#")
    if not text.removeprefix("-").isdigit():  # -1 is an id (of no record): not found
        raise ValidationError(
            f"import batch {ref!r}: give the batch number from `crmctl import list`"
        )
    batch = ctx.session.get(ImportBatch, int(text))
    if batch is None:
        raise NotFound(f"no import batch #{text}; see `crmctl import list`")
    return batch
