"""GDPR export: everything held about one person, as one JSON-ready document."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import or_, select

from crmctl.db import tables
from crmctl.db.models import Activity, Deal, DealContact, Document, Lead, Person, Task
from crmctl.services.access import policy
from crmctl.services.activities import activity_records
from crmctl.services.contacts import contact_record, describe_relations
from crmctl.services.context import Context
from crmctl.services.documents import document_records
from crmctl.services.gdpr.consent import consent_history
from crmctl.services.leads import lead_records
from crmctl.services.mail import export_messages
from crmctl.services.refs import resolve_person
from crmctl.services.timeline import TimelineOptions, timeline
from crmctl.values import jsonable

# Other branches register more: ``EXPORT_SECTIONS["activities"] = fn(ctx, person_id)``
# (erasure's counterpart is ``erase.ERASE_HOOKS``).
EXPORT_SECTIONS: dict[str, Callable[[Context, int], list[dict[str, Any]]]] = {}


def export_person(ctx: Context, person_ref: str) -> dict[str, Any]:
    """Everything held about a person that the acting user may read."""
    person = resolve_person(ctx, person_ref, include_deleted=True)
    record = contact_record(ctx, person)
    data: dict[str, Any] = {
        "person": record,
        "relations": describe_relations(ctx, record),
        "consents": consent_history(ctx, person.id),
        "deals": _deals_of(ctx, person.id),
        "leads": _leads_of(ctx, person, record["emails"]),
        "tasks": _tasks_of(ctx, person.id),
        "timeline": timeline(ctx, "contact", str(person.id), TimelineOptions(limit=100_000)),
        "activities": _activities_of(ctx, person.id),
        "documents": _documents_of(ctx, person.id),
        "messages": _messages_of(ctx, person.id, record["emails"]),
        "account_plans": _stakeholder_roles(ctx, person.id),
    }
    for name, section in EXPORT_SECTIONS.items():
        data[name] = section(ctx, person.id)
    return jsonable(data)


def _messages_of(ctx: Context, person_id: int, emails: list[Any]) -> list[dict[str, Any]]:
    return export_messages(ctx, person_id, [str(e) for e in emails])


def _stakeholder_roles(ctx: Context, person_id: int) -> list[dict[str, Any]]:
    """The account plans naming the person as a stakeholder, with the role and attitude
    recorded about them (plans the acting user may read)."""
    roles, plans = tables.plan_stakeholders.c, tables.account_plans.c
    rows = ctx.session.execute(
        select(plans.id, plans.period, plans.company_id, roles.role, roles.attitude)
        .join(tables.account_plans, plans.id == roles.plan_id)
        .where(roles.person_id == person_id, policy.predicate(ctx, "plan"))
        .order_by(plans.id)
    ).all()
    return [
        {"plan_id": r.id, "period": r.period, "company_id": r.company_id, "role": r.role,
         "attitude": r.attitude}
        for r in rows
    ]  # fmt: skip


def _deals_of(ctx: Context, person_id: int) -> list[dict[str, Any]]:
    rows = ctx.session.execute(
        select(Deal.id, Deal.title, Deal.stage, Deal.status, DealContact.role)
        .join(DealContact, DealContact.deal_id == Deal.id)
        .where(DealContact.person_id == person_id, policy.predicate(ctx, "deal"))
        .order_by(Deal.id)
    ).all()
    return [dict(row._mapping) for row in rows]


def _leads_of(ctx: Context, person: Person, emails: list[str]) -> list[dict[str, Any]]:
    leads = ctx.session.scalars(
        select(Lead)
        .where(_lead_of(person.id, emails), policy.predicate(ctx, "lead"))
        .order_by(Lead.id)
    ).all()
    return lead_records(ctx, list(leads))


def _lead_of(person_id: int, emails: list[str]) -> Any:
    if not emails:
        return Lead.person_id == person_id
    return or_(Lead.person_id == person_id, Lead.contact_email.in_(emails))


def _tasks_of(ctx: Context, person_id: int) -> list[dict[str, Any]]:
    rows = ctx.session.execute(
        select(Task.id, Task.kind, Task.subject, Task.body, Task.due_at, Task.done_at)
        .where(Task.person_id == person_id, policy.predicate(ctx, "task"))
        .order_by(Task.id)
    ).all()
    return [dict(row._mapping) for row in rows]


def _activities_of(ctx: Context, person_id: int) -> list[dict[str, Any]]:
    rows = ctx.session.scalars(
        select(Activity)
        .where(Activity.person_id == person_id, policy.predicate(ctx, "activity"))
        .order_by(Activity.occurred_at, Activity.id)
    ).all()
    return activity_records(ctx, list(rows))


def _documents_of(ctx: Context, person_id: int) -> list[dict[str, Any]]:
    """The list of the person's documents (names and hashes, not their content)."""
    rows = ctx.session.scalars(
        select(Document)
        .where(
            Document.person_id == person_id,
            Document.deleted_at.is_(None),
            policy.predicate(ctx, "document"),
        )
        .order_by(Document.id)
    ).all()
    return document_records(ctx, list(rows))
