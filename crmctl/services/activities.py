"""Activities (``crmctl log call|meeting|note|email``): what happened with a customer.

Logging an activity is work on the customer: it stamps the deal's and lead's last
activity (and a lead's first response). ``first_contact`` marks the first call or the
first meeting with a company — at most one of each per company, which a partial unique
index guarantees also when two people log at once.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from crmctl.db.models import Activity, Company, Deal, Document, Lead, PersonCompany, Task
from crmctl.errors import Conflict, ValidationError
from crmctl.query.dates import parse_moment
from crmctl.services.access import policy
from crmctl.services.context import Context
from crmctl.services.events import record_event
from crmctl.services.leads import record_lead_activity
from crmctl.services.refs import resolve_company
from crmctl.services.tasks import resolve_links
from crmctl.services.users import logins_by_id

ENTITY = "activity"
KINDS = ("call", "meeting", "note", "email")
FIRST_CONTACT_KINDS = ("call", "meeting")
_DURATION = re.compile(r"^(\d+)\s*(m|min|h)?$")

Ref = str | int | None


def touch_deal_and_lead(ctx: Context, deal_id: int | None, lead_id: int | None) -> None:
    """Stamp last activity on the deal (also ``last_touched_at``) and the lead."""
    if deal_id is not None:
        deal = ctx.session.get(Deal, deal_id)
        if deal is not None:
            deal.last_activity_at = deal.last_touched_at = ctx.now
    if lead_id is not None:
        lead = ctx.session.get(Lead, lead_id)
        if lead is not None and lead.deleted_at is None:
            record_lead_activity(ctx, lead_id)


def log_activity(
    ctx: Context,
    kind: str,
    *,
    subject: str | None = None,
    body: str | None = None,
    outcome: str | None = None,
    duration: str | int | None = None,
    attendees: list[str] | None = None,
    at: str | datetime | None = None,
    company: Ref = None,
    contact: Ref = None,
    lead: Ref = None,
    deal: Ref = None,
    first_contact: bool = False,
) -> dict[str, Any]:
    """Record an activity and its ``activity.<kind>`` event; returns its record."""
    actor = ctx.require_actor()
    kind = _kind(kind)
    policy.require_any_write(ctx, ENTITY, "log activities")
    links = resolve_links(ctx, company=company, contact=contact, lead=lead, deal=deal)
    if not any((links.company_id, links.person_id, links.lead_id, links.deal_id)):
        raise ValidationError(
            f"log {kind}: say who it was with: --company, --contact, --deal or --lead"
        )
    if not (subject or body or "").strip():
        raise ValidationError(f"log {kind}: say what happened with --body (or --subject)")
    occurred_at = _occurred_at(ctx, at)
    company_id = links.company_id or _contacts_company(ctx, links.person_id)
    activity = Activity(
        kind=kind,
        subject=(subject or "").strip() or None,
        body=(body or "").strip() or None,
        outcome=(outcome or "").strip() or None,
        duration_minutes=_duration(duration),
        attendees=[name.strip() for name in attendees or [] if name.strip()],
        occurred_at=occurred_at,
        occurred_on=occurred_at.astimezone(ctx.tz).date(),
        company_id=company_id,
        person_id=links.person_id,
        lead_id=links.lead_id,
        deal_id=links.deal_id,
        created_at=ctx.now,
        created_by_id=actor.id,
    )
    if first_contact:
        activity.first_contact = _first_contact_kind(ctx, kind, company_id)
    _insert(ctx, activity)
    touch_deal_and_lead(ctx, links.deal_id, links.lead_id)
    record = activity_record(ctx, activity)
    payload = {k: v for k, v in record.items() if v not in (None, "", []) and k != "id"}
    record_event(ctx, ENTITY, activity.id, f"activity.{kind}", payload)
    return record


def _insert(ctx: Context, activity: Activity) -> None:
    try:
        with ctx.session.begin_nested():
            ctx.session.add(activity)
            ctx.session.flush()
    except IntegrityError:
        # Someone logged the first call/meeting between our check and our insert.
        raise Conflict(_already_message(ctx, activity)) from None


def _first_contact_kind(ctx: Context, kind: str, company_id: int | None) -> str:
    if kind not in FIRST_CONTACT_KINDS:
        raise ValidationError(f"--first-{kind} does not exist; only a call or a meeting is first")
    if company_id is None:
        raise ValidationError(
            f"a first {kind} is counted per customer: add --company (or a deal or lead of one)"
        )
    probe = Activity(kind=kind, first_contact=kind, company_id=company_id)
    if _existing_first(ctx, company_id, kind) is not None:
        raise Conflict(_already_message(ctx, probe))
    return kind


def _existing_first(ctx: Context, company_id: int, kind: str) -> Activity | None:
    return ctx.session.scalars(
        select(Activity).where(Activity.company_id == company_id, Activity.first_contact == kind)
    ).first()


def _already_message(ctx: Context, activity: Activity) -> str:
    kind, company_id = activity.first_contact or activity.kind, activity.company_id
    first = _existing_first(ctx, company_id, kind) if company_id else None
    company = ctx.session.get(Company, company_id) if company_id else None
    name = f"company #{company_id} {company.name if company else ''}".strip()
    if first is None:
        return f"{name} already has a first {kind}; log this one without --first-{kind}"
    who = logins_by_id(ctx, [first.created_by_id]).get(first.created_by_id or -1, "?")
    when = first.occurred_at.astimezone(ctx.tz).strftime("%Y-%m-%d %H:%M")
    return (
        f"{name} already has its first {kind}: activity #{first.id} on {when} by {who}; "
        f"log this one without --first-{kind}"
    )


def _contacts_company(ctx: Context, person_id: int | None) -> int | None:
    """A contact with one company (or one primary company) is that customer's."""
    if person_id is None:
        return None
    links = ctx.session.execute(
        select(PersonCompany.company_id, PersonCompany.is_primary).where(
            PersonCompany.person_id == person_id
        )
    ).all()
    if len(links) == 1:
        return int(links[0].company_id)
    primary = [row.company_id for row in links if row.is_primary]
    return int(primary[0]) if len(primary) == 1 else None


def _kind(kind: str) -> str:
    value = str(kind).strip().lower()
    if value not in KINDS:
        raise ValidationError(f"activity kind {kind!r} is not one of {', '.join(KINDS)}")
    return value


def _occurred_at(ctx: Context, at: str | datetime | None) -> datetime:
    if at is None or at == "":
        return ctx.now
    if isinstance(at, datetime):
        return at if at.tzinfo else at.replace(tzinfo=ctx.tz)
    moment = parse_moment(str(at), ctx.now, ctx.tz, "--at")
    if moment > ctx.now + timedelta(minutes=5):
        raise ValidationError(f"--at {at}: an activity is logged after it happened, not ahead")
    return moment


def _duration(value: str | int | None) -> int | None:
    """Minutes: ``15``, ``15m``, ``1h``."""
    if value is None or value == "":
        return None
    match = _DURATION.match(str(value).strip().lower())
    if not match:
        raise ValidationError(f"--duration {value!r}: give minutes, e.g. 15, 15m or 1h")
    amount = int(match.group(1))
    return amount * 60 if match.group(2) == "h" else amount


def list_activities(
    ctx: Context, *, company: Ref = None, kind: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    statement = select(Activity).order_by(Activity.occurred_at.desc(), Activity.id.desc())
    statement = statement.where(policy.predicate(ctx, ENTITY, "read"))
    if company not in (None, ""):
        statement = statement.where(Activity.company_id == resolve_company(ctx, company).id)
    if kind:
        statement = statement.where(Activity.kind == _kind(kind))
    if limit is not None:
        statement = statement.limit(limit)
    return activity_records(ctx, list(ctx.session.scalars(statement).all()))


def activity_record(ctx: Context, activity: Activity) -> dict[str, Any]:
    return activity_records(ctx, [activity])[0]


def activity_records(ctx: Context, activities: list[Activity]) -> list[dict[str, Any]]:
    logins = logins_by_id(ctx, [a.created_by_id for a in activities])
    company_ids = {a.company_id for a in activities if a.company_id}
    companies = dict(
        ctx.session.execute(
            select(Company.id, Company.name).where(Company.id.in_(company_ids))
        ).all()
    ) if company_ids else {}  # fmt: skip
    return [
        {
            "id": a.id,
            "kind": a.kind,
            "occurred_at": a.occurred_at,
            "subject": a.subject,
            "body": a.body,
            "outcome": a.outcome,
            "duration_minutes": a.duration_minutes,
            "attendees": list(a.attendees or []),
            "first_contact": a.first_contact,
            "company_id": a.company_id,
            "company": companies.get(a.company_id or -1),
            "contact_id": a.person_id,
            "lead_id": a.lead_id,
            "deal_id": a.deal_id,
            "author": logins.get(a.created_by_id or -1),
            "created_at": a.created_at,
        }
        for a in activities
    ]


def move_links(ctx: Context, column: str, from_id: int, to_id: int) -> int:
    """Re-point tasks, activities and documents from a merged duplicate (``company_id``
    or ``person_id``) to the record kept, so they stay on its timeline; set-based.

    Two companies that both had a first call keep only the earlier one as first.
    """
    if column == "company_id":
        for kind in FIRST_CONTACT_KINDS:
            firsts = ctx.session.scalars(
                select(Activity)
                .where(Activity.company_id.in_((from_id, to_id)), Activity.first_contact == kind)
                .order_by(Activity.occurred_at, Activity.id)
            ).all()
            for later in firsts[1:]:
                later.first_contact = None
        ctx.session.flush()
    moved = 0
    for model in (Task, Activity, Document):
        target = getattr(model, column)
        moved += ctx.session.execute(
            update(model).where(target == from_id).values({column: to_id})
        ).rowcount
    return moved
