"""The fields each entity exposes to ``--where`` and ``--sort``."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, false, func, not_, select

from crmctl.db.models import (
    Company,
    Consent,
    Deal,
    Lead,
    Person,
    PersonCompany,
    PersonEmail,
    PersonPhone,
    Tag,
    Task,
    User,
)
from crmctl.query.fields import EntityRegistry, FieldKind, FieldSpec


def _owner_login(owner_column: ColumnElement[int | None]) -> ColumnElement[str]:
    return select(User.login).where(User.id == owner_column).scalar_subquery()


def _has_tag(entity_type: str, id_column: ColumnElement[int]):  # type: ignore[no-untyped-def]
    def has_any(tags: list[str]) -> ColumnElement[bool]:
        return exists().where(
            Tag.entity_type == entity_type, Tag.entity_id == id_column, Tag.tag.in_(tags)
        )

    return has_any


def _text(name: str, column: ColumnElement[str | None], description: str = "") -> FieldSpec:
    return FieldSpec(name, FieldKind.TEXT, column=column, description=description)


def _stamps(model: Any) -> list[FieldSpec]:
    return [
        FieldSpec("created_at", FieldKind.DATETIME, column=model.created_at),
        FieldSpec("updated_at", FieldKind.DATETIME, column=model.updated_at),
        FieldSpec("deleted_at", FieldKind.DATETIME, column=model.deleted_at),
        _text("owner", _owner_login(model.owner_id), "owner's login"),
        _text("created_by", _owner_login(model.created_by_id), "creator's login"),
    ]


@cache
def company_registry() -> EntityRegistry:
    fields = [
        FieldSpec("id", FieldKind.INTEGER, column=Company.id),
        *(
            _text(name, getattr(Company, name))
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
        FieldSpec("tags", FieldKind.TAGS, tags=_has_tag("company", Company.id)),
        *_stamps(Company),
    ]
    return EntityRegistry("companies", {f.name: f for f in fields}, custom_column=Company.custom)


def _first(column: ColumnElement[str], person_column: ColumnElement[int], order) -> ColumnElement:  # type: ignore[no-untyped-def]
    return (
        select(column).where(person_column == Person.id).order_by(order).limit(1).scalar_subquery()
    )


def _has_consent(purposes: list[str] | None) -> ColumnElement[bool]:
    """A current (not superseded), granted consent for any of ``purposes`` (None: any)."""
    condition = exists().where(
        Consent.person_id == Person.id, Consent.granted, Consent.superseded_at.is_(None)
    )
    if purposes is not None:
        condition = condition.where(Consent.purpose.in_([p.strip().lower() for p in purposes]))
    return condition


@cache
def person_registry() -> EntityRegistry:
    primary_company = (
        select(Company.name)
        .join(PersonCompany, PersonCompany.company_id == Company.id)
        .where(PersonCompany.person_id == Person.id)
        .order_by(PersonCompany.is_primary.desc(), Company.id)
        .limit(1)
        .scalar_subquery()
    )
    fields = [
        FieldSpec("id", FieldKind.INTEGER, column=Person.id),
        *(
            _text(name, getattr(Person, name))
            for name in [
                "title_before",
                "first_name",
                "last_name",
                "title_after",
                "function",
                "note",
            ]
        ),
        _text("name", func.trim(func.coalesce(Person.first_name, "") + " " + Person.last_name)),
        _text("email", _first(PersonEmail.email, PersonEmail.person_id, PersonEmail.position)),
        _text("phone", _first(PersonPhone.phone, PersonPhone.person_id, PersonPhone.position)),
        _text("company", primary_company, "primary company's name"),
        FieldSpec("tags", FieldKind.TAGS, tags=_has_tag("contact", Person.id)),
        FieldSpec(
            "consent", FieldKind.TAGS, tags=_has_consent, has_any_tag=lambda: _has_consent(None),
            description='purposes with a current granted consent: consent = "newsletter"',
        ),
        *_stamps(Person),
    ]  # fmt: skip
    return EntityRegistry("contacts", {f.name: f for f in fields}, custom_column=Person.custom)


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
        Task.deal_id == Deal.id,
        Task.done_at.is_(None),
        Task.deleted_at.is_(None),
        Task.due_at > now,
    )
    return planned if value else not_(planned)


def _stage_compare(op: str, value: str, now: datetime) -> ColumnElement[bool]:
    """``stage = "Nabídka"`` matches the key ``nabidka``: labels fold to their keys."""
    from crmctl.query.compiler import _COMPARE
    from crmctl.services.pipelines import stage_key

    return _COMPARE[op](Deal.stage, stage_key(value))


def _company_name(company_column: Any) -> ColumnElement[str]:
    return select(Company.name).where(Company.id == company_column).scalar_subquery()


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
        FieldSpec("id", FieldKind.INTEGER, column=Deal.id),
        *(_text(name, getattr(Deal, name)) for name in DEAL_TEXT_FIELDS),
        FieldSpec(
            "stage", FieldKind.TEXT, column=Deal.stage, compare=_stage_compare,
            description="stage key; a label such as \"Nabídka\" matches its key",
        ),
        FieldSpec("value", FieldKind.DECIMAL, column=Deal.value),
        FieldSpec("probability", FieldKind.INTEGER, column=Deal.probability),
        FieldSpec("probability_overridden", FieldKind.BOOLEAN, column=Deal.probability_overridden),
        FieldSpec(
            "forecast_category_overridden",
            FieldKind.BOOLEAN,
            column=Deal.forecast_category_overridden,
        ),
        FieldSpec("expected_close", FieldKind.DATE, column=Deal.expected_close),
        FieldSpec("closed_at", FieldKind.DATETIME, column=Deal.closed_at),
        FieldSpec("stage_entered_at", FieldKind.DATETIME, column=Deal.stage_entered_at),
        FieldSpec("last_activity_at", FieldKind.DATETIME, column=Deal.last_activity_at),
        FieldSpec("last_touched_at", FieldKind.DATETIME, column=Deal.last_touched_at),
        FieldSpec("company_id", FieldKind.INTEGER, column=Deal.company_id),
        FieldSpec("lead_id", FieldKind.INTEGER, column=Deal.lead_id),
        FieldSpec(
            "days_in_stage", FieldKind.INTEGER, compare=_days_since(Deal.stage_entered_at),
            description="whole days since the deal entered its stage",
            sort_column=Deal.stage_entered_at, sort_inverted=True,
        ),
        FieldSpec(
            "idle_days", FieldKind.INTEGER, compare=_days_since(Deal.last_touched_at),
            description="whole days since the last change, activity or stage entry",
            sort_column=Deal.last_touched_at, sort_inverted=True,
        ),
        FieldSpec(
            "has_planned_activity", FieldKind.BOOLEAN, compare=_planned_activity,
            description="an open task of the deal is due in the future",
        ),
        _text("company", _company_name(Deal.company_id), "company's name"),
        FieldSpec("tags", FieldKind.TAGS, tags=_has_tag("deal", Deal.id)),
        *_stamps(Deal),
    ]  # fmt: skip
    return EntityRegistry("deals", {f.name: f for f in fields}, custom_column=Deal.custom)


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
        FieldSpec("id", FieldKind.INTEGER, column=Lead.id),
        *(_text(name, getattr(Lead, name)) for name in LEAD_TEXT_FIELDS),
        FieldSpec("received_at", FieldKind.DATETIME, column=Lead.received_at),
        FieldSpec("first_response_at", FieldKind.DATETIME, column=Lead.first_response_at),
        FieldSpec("converted_at", FieldKind.DATETIME, column=Lead.converted_at),
        FieldSpec("last_activity_at", FieldKind.DATETIME, column=Lead.last_activity_at),
        FieldSpec("company_id", FieldKind.INTEGER, column=Lead.company_id),
        FieldSpec("person_id", FieldKind.INTEGER, column=Lead.person_id),
        FieldSpec("deal_id", FieldKind.INTEGER, column=Lead.deal_id),
        _text("company", _company_name(Lead.company_id), "linked company's name"),
        FieldSpec("tags", FieldKind.TAGS, tags=_has_tag("lead", Lead.id)),
        *_stamps(Lead),
    ]
    return EntityRegistry("leads", {f.name: f for f in fields}, custom_column=Lead.custom)


def _priority_compare(op: str, value: Any, now: datetime) -> ColumnElement[bool]:
    """``priority = "high"``: names compare as their numbers (high = 1 … low = 3)."""
    from crmctl.query.compiler import _COMPARE
    from crmctl.services.tasks import PRIORITIES

    number = PRIORITIES.get(str(value).strip().lower())
    if number is None:
        number = int(value) if str(value).strip().isdigit() else -1
    return _COMPARE[op](Task.priority, number)  # type: ignore[no-any-return]


def _task_status(op: str, value: Any, now: datetime) -> ColumnElement[bool]:
    """``status = "open" | "done"``."""
    from crmctl.query.compiler import _COMPARE

    status = case((Task.done_at.is_not(None), "done"), else_="open")
    return _COMPARE[op](status, str(value))  # type: ignore[no-any-return]


@cache
def task_registry() -> EntityRegistry:
    fields = [
        FieldSpec("id", FieldKind.INTEGER, column=Task.id),
        _text("kind", Task.kind, "task | call | meeting"),
        _text("subject", Task.subject),
        _text("body", Task.body),
        FieldSpec(
            "status", FieldKind.TEXT, compare=_task_status, description="open | done",
        ),
        FieldSpec(
            "priority", FieldKind.TEXT, column=Task.priority, compare=_priority_compare,
            description="high | normal | low",
        ),
        FieldSpec("due_at", FieldKind.DATETIME, column=Task.due_at),
        FieldSpec("all_day", FieldKind.BOOLEAN, column=Task.all_day),
        FieldSpec("start_at", FieldKind.DATETIME, column=Task.start_at),
        FieldSpec("end_at", FieldKind.DATETIME, column=Task.end_at),
        FieldSpec("reminder_at", FieldKind.DATETIME, column=Task.reminder_at),
        FieldSpec("done_at", FieldKind.DATETIME, column=Task.done_at),
        FieldSpec("company_id", FieldKind.INTEGER, column=Task.company_id),
        FieldSpec("contact_id", FieldKind.INTEGER, column=Task.person_id),
        FieldSpec("lead_id", FieldKind.INTEGER, column=Task.lead_id),
        FieldSpec("deal_id", FieldKind.INTEGER, column=Task.deal_id),
        _text("assignee", _owner_login(Task.assignee_id), "assignee's login"),
        _text("company", _company_name(Task.company_id), "linked company's name"),
        FieldSpec("created_at", FieldKind.DATETIME, column=Task.created_at),
        FieldSpec("updated_at", FieldKind.DATETIME, column=Task.updated_at),
        _text("created_by", _owner_login(Task.created_by_id), "creator's login"),
    ]  # fmt: skip
    return EntityRegistry("tasks", {f.name: f for f in fields})
