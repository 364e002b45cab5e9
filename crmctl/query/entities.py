"""The fields each entity exposes to ``--where`` and ``--sort``."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import Column, ColumnElement, and_, case, exists, false, func, not_, select
from sqlalchemy.sql.base import ReadOnlyColumnCollection

from crmctl.db import tables
from crmctl.query.fields import EntityRegistry, FieldKind, FieldSpec
from crmctl.query.response_fields import response_fields

# The columns of one row of each table, as the registries below read them: Core, not the
# ORM classes, so that permission checks of read-only commands (which compile limited
# views' ``where`` with these registries) never import the ORM.
company = tables.companies.c
consent = tables.consents.c
deal = tables.deals.c
lead = tables.leads.c
person = tables.persons.c
person_company = tables.person_companies.c
person_email = tables.person_emails.c
person_phone = tables.person_phones.c
tag = tables.tags.c
task = tables.tasks.c
user = tables.users.c


def _owner_login(owner_column: ColumnElement[int | None]) -> ColumnElement[str]:
    return select(user.login).where(user.id == owner_column).scalar_subquery()


def _has_tag(entity_type: str, id_column: ColumnElement[int]):  # type: ignore[no-untyped-def]
    def has_any(tags: list[str]) -> ColumnElement[bool]:
        return exists().where(
            tag.entity_type == entity_type, tag.entity_id == id_column, tag.tag.in_(tags)
        )

    return has_any


def _tags_field(entity_type: str, id_column: ColumnElement[int]) -> FieldSpec:
    """``tags = "vip"`` (has any of) and ``tags is null`` (has no tags at all)."""

    def has_some() -> ColumnElement[bool]:
        return exists().where(tag.entity_type == entity_type, tag.entity_id == id_column)

    return FieldSpec(
        "tags", FieldKind.TAGS, tags=_has_tag(entity_type, id_column), has_any_tag=has_some
    )


def _text(name: str, column: ColumnElement[str | None], description: str = "") -> FieldSpec:
    return FieldSpec(name, FieldKind.TEXT, column=column, description=description)


def _stamps(row: ReadOnlyColumnCollection[str, Column[Any]]) -> list[FieldSpec]:
    return [
        FieldSpec("created_at", FieldKind.DATETIME, column=row.created_at),
        FieldSpec("updated_at", FieldKind.DATETIME, column=row.updated_at),
        FieldSpec("deleted_at", FieldKind.DATETIME, column=row.deleted_at),
        _text("owner", _owner_login(row.owner_id), "owner's login"),
        _text("created_by", _owner_login(row.created_by_id), "creator's login"),
    ]


@cache
def company_registry() -> EntityRegistry:
    fields = [
        FieldSpec("id", FieldKind.INTEGER, column=company.id),
        *(
            _text(name, company[name])
            for name in [
                "name",
                "ico",
                "dic",
                "street",
                "city",
                "psc",
                "region",
                "district",
                "country",
                "industry",
                "website",
                "phone",
                "email",
            ]
        ),
        _tags_field("company", company.id),
        *_stamps(company),
    ]
    return EntityRegistry("companies", {f.name: f for f in fields}, custom_column=company.custom)


def _first(column: ColumnElement[str], person_column: ColumnElement[int], order) -> ColumnElement:  # type: ignore[no-untyped-def]
    return (
        select(column).where(person_column == person.id).order_by(order).limit(1).scalar_subquery()
    )


def _has_consent(purposes: list[str] | None) -> ColumnElement[bool]:
    """A current (not superseded), granted consent for any of ``purposes`` (None: any)."""
    condition = exists().where(
        consent.person_id == person.id, consent.granted, consent.superseded_at.is_(None)
    )
    if purposes is not None:
        condition = condition.where(consent.purpose.in_([p.strip().lower() for p in purposes]))
    return condition


@cache
def person_registry() -> EntityRegistry:
    primary_company = (
        select(company.name)
        .join(tables.person_companies, person_company.company_id == company.id)
        .where(person_company.person_id == person.id)
        .order_by(person_company.is_primary.desc(), company.id)
        .limit(1)
        .scalar_subquery()
    )
    fields = [
        FieldSpec("id", FieldKind.INTEGER, column=person.id),
        *(
            _text(name, person[name])
            for name in [
                "title_before",
                "first_name",
                "last_name",
                "title_after",
                "function",
                "note",
            ]
        ),
        _text("name", func.trim(func.coalesce(person.first_name, "") + " " + person.last_name)),
        _text("email", _first(person_email.email, person_email.person_id, person_email.position)),
        _text("phone", _first(person_phone.phone, person_phone.person_id, person_phone.position)),
        _text("company", primary_company, "primary company's name"),
        _tags_field("contact", person.id),
        FieldSpec(
            "consent", FieldKind.TAGS, tags=_has_consent, has_any_tag=lambda: _has_consent(None),
            description='purposes with a current granted consent: consent = "newsletter"',
        ),
        *_stamps(person),
    ]  # fmt: skip
    return EntityRegistry("contacts", {f.name: f for f in fields}, custom_column=person.custom)


def _days_since(column: Any) -> Any:
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


def _planned_activity(op: str, value: bool, now: datetime) -> ColumnElement[bool]:
    """An open task, call or meeting of the deal due after now."""
    planned = exists().where(
        task.deal_id == deal.id,
        task.done_at.is_(None),
        task.deleted_at.is_(None),
        task.due_at > now,
    )
    return planned if value else not_(planned)


def _stage_compare(op: str, value: str, now: datetime) -> ColumnElement[bool]:
    """``stage = "Nabídka"`` matches the key ``nabidka``: labels fold to their keys."""
    from crmctl.query.compiler import _COMPARE
    from crmctl.services.pipelines import stage_key

    return _COMPARE[op](deal.stage, stage_key(value))


def _company_name(company_column: Any) -> ColumnElement[str]:
    return select(company.name).where(company.id == company_column).scalar_subquery()


DEAL_TEXT_FIELDS = (
    "title",
    "pipeline",
    "currency",
    "forecast_category",
    "status",
    "won_reason",
    "lost_reason",
    "source",
    "campaign",
)


@cache
def deal_registry() -> EntityRegistry:
    fields = [
        FieldSpec("id", FieldKind.INTEGER, column=deal.id),
        *(_text(name, deal[name]) for name in DEAL_TEXT_FIELDS),
        FieldSpec(
            "stage", FieldKind.TEXT, column=deal.stage, compare=_stage_compare,
            description="stage key; a label such as \"Nabídka\" matches its key",
        ),
        FieldSpec("value", FieldKind.DECIMAL, column=deal.value),
        FieldSpec("probability", FieldKind.INTEGER, column=deal.probability),
        FieldSpec("probability_overridden", FieldKind.BOOLEAN, column=deal.probability_overridden),
        FieldSpec(
            "forecast_category_overridden",
            FieldKind.BOOLEAN,
            column=deal.forecast_category_overridden,
        ),
        FieldSpec("expected_close", FieldKind.DATE, column=deal.expected_close),
        FieldSpec("closed_at", FieldKind.DATETIME, column=deal.closed_at),
        FieldSpec("stage_entered_at", FieldKind.DATETIME, column=deal.stage_entered_at),
        FieldSpec("last_activity_at", FieldKind.DATETIME, column=deal.last_activity_at),
        FieldSpec("last_touched_at", FieldKind.DATETIME, column=deal.last_touched_at),
        FieldSpec("company_id", FieldKind.INTEGER, column=deal.company_id),
        FieldSpec("lead_id", FieldKind.INTEGER, column=deal.lead_id),
        FieldSpec(
            "days_in_stage", FieldKind.INTEGER, compare=_days_since(deal.stage_entered_at),
            description="whole days since the deal entered its stage",
            sort_column=deal.stage_entered_at, sort_inverted=True,
        ),
        FieldSpec(
            "idle_days", FieldKind.INTEGER, compare=_days_since(deal.last_touched_at),
            description="whole days since the last change, activity or stage entry",
            sort_column=deal.last_touched_at, sort_inverted=True,
        ),
        FieldSpec(
            "has_planned_activity", FieldKind.BOOLEAN, compare=_planned_activity,
            description="an open task of the deal is due in the future",
        ),
        _text("company", _company_name(deal.company_id), "company's name"),
        _tags_field("deal", deal.id),
        *_stamps(deal),
    ]  # fmt: skip
    return EntityRegistry("deals", {f.name: f for f in fields}, custom_column=deal.custom)


LEAD_TEXT_FIELDS = (
    "source",
    "subject",
    "product",
    "region",
    "contact_name",
    "contact_email",
    "contact_phone",
    "company_name",
    "ico",
    "message",
    "status",
    "reject_reason",
    "campaign",
)


@cache
def lead_registry() -> EntityRegistry:
    fields = [
        FieldSpec("id", FieldKind.INTEGER, column=lead.id),
        *(_text(name, lead[name]) for name in LEAD_TEXT_FIELDS),
        FieldSpec("received_at", FieldKind.DATETIME, column=lead.received_at),
        FieldSpec("first_response_at", FieldKind.DATETIME, column=lead.first_response_at),
        *response_fields(),  # response_minutes, response_business_minutes (issue 17)
        FieldSpec("converted_at", FieldKind.DATETIME, column=lead.converted_at),
        FieldSpec("last_activity_at", FieldKind.DATETIME, column=lead.last_activity_at),
        FieldSpec("company_id", FieldKind.INTEGER, column=lead.company_id),
        FieldSpec("person_id", FieldKind.INTEGER, column=lead.person_id),
        FieldSpec("deal_id", FieldKind.INTEGER, column=lead.deal_id),
        _text("company", _company_name(lead.company_id), "linked company's name"),
        _tags_field("lead", lead.id),
        *_stamps(lead),
    ]
    return EntityRegistry("leads", {f.name: f for f in fields}, custom_column=lead.custom)


def _priority_compare(op: str, value: Any, now: datetime) -> ColumnElement[bool]:
    """``priority = "high"``: names compare as their numbers (high = 1 … low = 3)."""
    from crmctl.query.compiler import _COMPARE
    from crmctl.services.task_records import PRIORITIES

    number = PRIORITIES.get(str(value).strip().lower())
    if number is None:
        number = int(value) if str(value).strip().isdigit() else -1
    return _COMPARE[op](task.priority, number)  # type: ignore[no-any-return]


def _task_status(op: str, value: Any, now: datetime) -> ColumnElement[bool]:
    """``status = "open" | "done"``."""
    from crmctl.query.compiler import _COMPARE

    status = case((task.done_at.is_not(None), "done"), else_="open")
    return _COMPARE[op](status, str(value))  # type: ignore[no-any-return]


@cache
def task_registry() -> EntityRegistry:
    fields = [
        FieldSpec("id", FieldKind.INTEGER, column=task.id),
        _text("kind", task.kind, "task | call | meeting"),
        _text("subject", task.subject),
        _text("body", task.body),
        FieldSpec(
            "status", FieldKind.TEXT, compare=_task_status, description="open | done",
        ),
        FieldSpec(
            "priority", FieldKind.TEXT, column=task.priority, compare=_priority_compare,
            description="high | normal | low",
        ),
        FieldSpec("due_at", FieldKind.DATETIME, column=task.due_at),
        FieldSpec("all_day", FieldKind.BOOLEAN, column=task.all_day),
        FieldSpec("start_at", FieldKind.DATETIME, column=task.start_at),
        FieldSpec("end_at", FieldKind.DATETIME, column=task.end_at),
        FieldSpec("reminder_at", FieldKind.DATETIME, column=task.reminder_at),
        FieldSpec("done_at", FieldKind.DATETIME, column=task.done_at),
        FieldSpec("company_id", FieldKind.INTEGER, column=task.company_id),
        FieldSpec("contact_id", FieldKind.INTEGER, column=task.person_id),
        FieldSpec("lead_id", FieldKind.INTEGER, column=task.lead_id),
        FieldSpec("deal_id", FieldKind.INTEGER, column=task.deal_id),
        _text("assignee", _owner_login(task.assignee_id), "assignee's login"),
        _text("company", _company_name(task.company_id), "linked company's name"),
        FieldSpec("created_at", FieldKind.DATETIME, column=task.created_at),
        FieldSpec("updated_at", FieldKind.DATETIME, column=task.updated_at),
        _text("created_by", _owner_login(task.created_by_id), "creator's login"),
    ]  # fmt: skip
    return EntityRegistry("tasks", {f.name: f for f in fields})
