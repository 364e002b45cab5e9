"""Turning what a user typed (an id, a login, an IČO, a name) into one record."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from crmctl.db.models import Company, Person, PersonEmail, Team, User
from crmctl.errors import AmbiguousReference, NotFound
from crmctl.services.context import Context
from crmctl.text import fold

CANDIDATES_SHOWN = 5


def resolve_user(ctx: Context, ref: str | int) -> User:
    text = str(ref).strip()
    condition = User.id == int(text) if text.isdigit() else User.login == text
    user = ctx.session.scalars(select(User).where(condition)).first()
    if user is None:
        raise NotFound(f"no user {text!r}; see `crmctl users list`")
    return user


def resolve_team(ctx: Context, ref: str | int) -> Team:
    text = str(ref).strip()
    condition = Team.id == int(text) if text.isdigit() else Team.name == text
    team = ctx.session.scalars(select(Team).where(condition)).first()
    if team is None:
        raise NotFound(f"no team {text!r}; see `crmctl teams list`")
    return team


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
