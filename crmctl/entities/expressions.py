"""SQL of the computed fields the entity catalog declares (``--where`` and ``--sort``).

Each hook returns :class:`~crmctl.query.fields.FieldSpec` keyword arguments over the Core
tables (never the ORM: permission checks of read commands compile limited views' ``where``
with them). They are called when a filter registry is first built, not at import.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, false, func, literal, not_, select

from crmctl.db import tables
from crmctl.text import fold

company = tables.lazy_columns("companies")
consent = tables.lazy_columns("consents")
deal = tables.lazy_columns("deals")
person = tables.lazy_columns("persons")
person_company = tables.lazy_columns("person_companies")
person_email = tables.lazy_columns("person_emails")
person_phone = tables.lazy_columns("person_phones")
product = tables.lazy_columns("products")
tag = tables.lazy_columns("tags")
task = tables.lazy_columns("tasks")
user = tables.lazy_columns("users")

Spec = Mapping[str, Any]
# The comparisons a computed field's ``compare`` receives (``!=`` arrives as ``not =``).
_COMPARE: dict[str, Callable[[Any, Any], ColumnElement[bool]]] = {
    "=": operator.eq,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
# Task priorities as stored (1 sorts first) and as written.
PRIORITIES = {"high": 1, "normal": 2, "low": 3}


def stage_key(text_value: str) -> str:
    """``Nabídka`` → ``nabidka``: what a user types compared with stored keys."""
    return fold(text_value).strip().replace(" ", "_")


# --- shared by several entities ------------------------------------------------------------


def login_of(user_column: str) -> Callable[[Any], Callable[[], Spec]]:
    """A user id column shown and filtered as the user's login (``owner``, ``assignee``)."""

    def for_table(table: Any) -> Callable[[], Spec]:
        def hook() -> Spec:
            login = select(user.login).where(user.id == table.c[user_column])
            return {"column": login.scalar_subquery()}

        return hook

    return for_table


def company_name_of(table: Any) -> Callable[[], Spec]:
    """``company``: the name of the company the record links to."""

    def hook() -> Spec:
        name = select(company.name).where(company.id == table.c.company_id)
        return {"column": name.scalar_subquery()}

    return hook


def tags_of(entity_type: str, table: Any) -> Callable[[], Spec]:
    """``tags = "vip"`` (has any of) and ``tags is null`` (has no tags at all)."""

    def hook() -> Spec:
        id_column = table.c.id

        def has_any(wanted: list[str]) -> ColumnElement[bool]:
            return exists().where(
                tag.entity_type == entity_type, tag.entity_id == id_column, tag.tag.in_(wanted)
            )

        def has_some() -> ColumnElement[bool]:
            return exists().where(tag.entity_type == entity_type, tag.entity_id == id_column)

        return {"tags": has_any, "has_any_tag": has_some}

    return hook


# --- contacts ---------------------------------------------------------------------------------


def person_name() -> Spec:
    return {"column": func.trim(func.coalesce(person.first_name, "") + " " + person.last_name)}


def _first_of(column: Any, person_column: Any, order: Any) -> Spec:
    first = select(column).where(person_column == person.id).order_by(order).limit(1)
    return {"column": first.scalar_subquery()}


def person_email_first() -> Spec:
    return _first_of(person_email.email, person_email.person_id, person_email.position)


def person_phone_first() -> Spec:
    return _first_of(person_phone.phone, person_phone.person_id, person_phone.position)


def person_primary_company() -> Spec:
    name = (
        select(company.name)
        .join(tables.person_companies, person_company.company_id == company.id)
        .where(person_company.person_id == person.id)
        .order_by(person_company.is_primary.desc(), company.id)
        .limit(1)
    )
    return {"column": name.scalar_subquery()}


def _has_consent(purposes: list[str] | None) -> ColumnElement[bool]:
    """A current (not superseded), granted consent for any of ``purposes`` (None: any)."""
    condition = exists().where(
        consent.person_id == person.id, consent.granted, consent.superseded_at.is_(None)
    )
    if purposes is not None:
        condition = condition.where(consent.purpose.in_([p.strip().lower() for p in purposes]))
    return condition


def person_consent() -> Spec:
    return {"tags": _has_consent, "has_any_tag": lambda: _has_consent(None)}


# --- deals ------------------------------------------------------------------------------------


def _days_since(column: Any) -> Callable[[str, int | Decimal, datetime], ColumnElement[bool]]:
    """``N`` whole days since ``column``, compiled as a range on the column itself.

    ``idle_days > 10`` becomes ``last_touched_at <= now - 11 days``: no arithmetic on the
    column, so the (stage, last_touched_at) index serves it on SQLite and PostgreSQL.
    """

    def before(days: int, now: datetime) -> datetime:
        return now - timedelta(days=days)

    def compare(op: str, value: int | Decimal, now: datetime) -> ColumnElement[bool]:
        at_least = {">": math.floor(value) + 1, ">=": math.ceil(value)}
        below = {"<": math.ceil(value), "<=": math.floor(value) + 1}
        if op in at_least:
            return column <= before(at_least[op], now)  # type: ignore[no-any-return]
        if op in below:
            return column > before(below[op], now)  # type: ignore[no-any-return]
        if value != int(value):
            return false()
        whole = int(value)
        return and_(column <= before(whole, now), column > before(whole + 1, now))

    return compare


def days_since(column_name: str) -> Callable[[], Spec]:
    """``days_in_stage``/``idle_days``: sorted by the column itself, newest first."""

    def hook() -> Spec:
        column = tables.deals.c[column_name]
        return {"compare": _days_since(column), "sort_column": column, "sort_inverted": True}

    return hook


def _planned_activity(op: str, value: bool, now: datetime) -> ColumnElement[bool]:
    """An open task, call or meeting of the deal due after now."""
    planned = exists().where(
        task.deal_id == deal.id,
        task.done_at.is_(None),
        task.deleted_at.is_(None),
        task.due_at > now,
    )
    return planned if value else not_(planned)


def deal_planned_activity() -> Spec:
    return {"compare": _planned_activity}


def _stage_compare(op: str, value: str, now: datetime) -> ColumnElement[bool]:
    """``stage = "Nabídka"`` matches the key ``nabidka``: labels fold to their keys."""
    return _COMPARE[op](deal.stage, stage_key(value))


def deal_stage() -> Spec:
    return {"compare": _stage_compare}


# --- tasks ------------------------------------------------------------------------------------


def _priority_compare(op: str, value: Any, now: datetime) -> ColumnElement[bool]:
    """``priority = "high"``: names compare as their numbers (high = 1 … low = 3)."""
    number = PRIORITIES.get(str(value).strip().lower())
    if number is None:
        number = int(value) if str(value).strip().isdigit() else -1
    return _COMPARE[op](task.priority, number)


def task_priority() -> Spec:
    return {"compare": _priority_compare}


def _task_status(op: str, value: Any, now: datetime) -> ColumnElement[bool]:
    """``status = "open" | "done"``."""
    status = case((task.done_at.is_not(None), "done"), else_="open")
    return _COMPARE[op](status, str(value))


def task_status() -> Spec:
    return {"compare": _task_status}


def product_code_of(table: Any) -> Callable[[], Spec]:
    """``product``: the code of the catalogue product the record refers to."""

    def hook() -> Spec:
        code = select(product.code).where(product.id == table.c.product_id)
        return {"column": code.scalar_subquery()}

    return hook


def count_of(rows: Any, link_column: str, table: Any) -> Callable[[], Spec]:
    """How many ``rows`` point at the record through ``link_column``."""

    def hook() -> Spec:
        count = (
            select(func.count())
            .select_from(tables.resolve(rows))
            .where(rows.c[link_column] == table.c.id)
        )
        return {"column": count.scalar_subquery()}

    return hook


def company_owner_login(table: Any) -> Callable[[], Spec]:
    """``owner`` of a record that belongs to a company: the company owner's login."""

    def hook() -> Spec:
        owner = select(company.owner_id).where(company.id == table.c.company_id)
        login = select(user.login).where(user.id == owner.scalar_subquery())
        return {"column": login.scalar_subquery()}

    return hook


# --- messages ---------------------------------------------------------------------------------

_LAST = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


def undated_last(table: Any, column_name: str) -> Callable[[], Spec]:
    """A timestamp that sorts its missing values after every present one, on both databases
    (SQLite puts NULL first, PostgreSQL last): a message without a Date header."""

    def hook() -> Spec:
        column = table.c[column_name]
        return {"sort_column": func.coalesce(column, literal(_LAST, column.type))}

    return hook
