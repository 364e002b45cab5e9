"""Leads (poptávky): every inquiry has an owner and a status from the moment it exists.

Status: new → contacted → qualified → converted, or rejected (with a reason) from any
open status. The first status change or activity by a person stamps
``first_response_at``, from which response times are measured.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from crmctl import business_hours
from crmctl.db.models import Company, Deal, Lead, Person, PersonCompany
from crmctl.errors import Conflict, NotFound, UsageError, ValidationError
from crmctl.normalize import normalize_email, normalize_ico, normalize_phone, split_person_name
from crmctl.query.dates import parse_moment
from crmctl.services.access import policy
from crmctl.services.campaigns import campaign_id_named
from crmctl.services.context import Context
from crmctl.services.deals import add_deal
from crmctl.services.events import record_event
from crmctl.services.listing import ListOptions
from crmctl.services.products import match_product_text
from crmctl.services.read import sources
from crmctl.services.read.pipeline import list_records, show_record
from crmctl.services.read.records import LEAD_TEXTS, lead_records
from crmctl.services.refs import resolve_company, resolve_lead, resolve_person, resolve_user
from crmctl.services.users import logins_by_id
from crmctl.text import company_name_key, person_name_key

ENTITY = "lead"
SOURCES = ("web", "email", "phone", "import", "campaign", "manual")
STATUSES = ("new", "contacted", "qualified", "converted", "rejected")
OPEN_STATUSES = ("new", "contacted", "qualified")
TEXT_FIELDS = LEAD_TEXTS
# What web forms tend to call the raw contact fields.
ALIASES = {
    "name": "contact_name",
    "email": "contact_email",
    "e-mail": "contact_email",
    "phone": "contact_phone",
    "telefon": "contact_phone",
    "company": "company_name",
    "firma": "company_name",
    "ic": "ico",
    "ičo": "ico",
    "text": "message",
    "zprava": "message",
    "zpráva": "message",
}
ANSWERABLE = (
    "contact_name", "contact_email", "contact_phone", "company_name", "ico", "company_id",
    "person_id",
)  # fmt: skip
KNOWN = {*TEXT_FIELDS, "source", "received_at", "owner", "company_id", "person_id", "custom"}


def add_lead(
    ctx: Context,
    desired: dict[str, Any],
    *,
    default_source: str = "manual",
    name_fields: bool = False,
) -> dict[str, Any]:
    """``name_fields``: errors say which field of ``desired`` (as the sender spelled it)
    was wrong, for input that is not typed at options (web-form JSON)."""
    actor = ctx.require_actor()
    policy.require_any_write(ctx, ENTITY, "add leads")
    wanted = _normalise(ctx, desired, default_source, name_fields)
    policy.require_owner_in_scope(ctx, ENTITY, wanted.get("owner_id", actor.id))
    _link_references(ctx, wanted)
    lead = Lead(
        status="new",
        custom=wanted.pop("custom", {}),
        received_at=wanted.pop("received_at", None) or ctx.now,
        owner_id=wanted.pop("owner_id", actor.id),
        created_at=ctx.now,
        updated_at=ctx.now,
        created_by_id=actor.id,
        updated_by_id=actor.id,
        **wanted,
    )
    ctx.session.add(lead)
    ctx.session.flush()
    record = lead_record(ctx, lead)
    fields = {k: v for k, v in record.items() if v not in (None, "", {}) and k != "id"}
    record_event(ctx, ENTITY, lead.id, "lead.created", {"fields": fields})
    return record


def add_leads_from_json(
    ctx: Context, text: str, source: str, *, default_source: str = "web"
) -> list[dict[str, Any]]:
    """One JSON object, a JSON list of them, or JSON lines; any bad one stops everything
    (nothing is written)."""
    payloads: list[tuple[str, Any]] = []
    stripped = text.strip()
    if not stripped:
        raise ValidationError(f"{source}: no lead on input; expected a JSON object per line")
    try:
        document = json.loads(stripped)
        if isinstance(document, list):
            payloads = [(f"item {n}", item) for n, item in enumerate(document, start=1)]
            if not payloads:
                raise ValidationError(f"{source}: an empty list; no lead on input")
        else:
            payloads = [("line 1", document)]
    except json.JSONDecodeError as error:
        if error.msg != "Extra data":
            raise ValidationError(
                f"{source}: line {error.lineno}: invalid JSON ({error.msg})"
            ) from None
        payloads = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                payloads.append((f"line {number}", json.loads(line)))
            except json.JSONDecodeError as line_error:
                raise ValidationError(
                    f"{source}: line {number}: invalid JSON ({line_error.msg})"
                ) from None
    records = []
    for where, payload in payloads:
        try:
            if not isinstance(payload, dict):
                raise ValidationError("expected a JSON object of lead fields")
            records.append(add_lead(ctx, payload, default_source=default_source, name_fields=True))
        except (ValidationError, NotFound, Conflict) as error:
            raise type(error)(f"{source}: {where}: {error.message}") from None
    return records


def _normalise(
    ctx: Context, desired: dict[str, Any], default_source: str, name_fields: bool = False
) -> dict[str, Any]:
    wanted: dict[str, Any] = {}
    custom: dict[str, Any] = dict(desired.get("custom") or {})
    written: dict[str, str] = {}  # field → the key the sender used for it
    for key, value in desired.items():
        name = ALIASES.get(str(key).lower(), str(key))
        if name not in KNOWN:
            custom[str(key)] = value  # extra form fields are kept, not lost
            continue
        written[name] = str(key)
        if name in TEXT_FIELDS:
            wanted[name] = str(value).strip() or None if value is not None else None
    source = str(desired.get("source") or default_source).strip().lower()
    if source not in SOURCES:
        raise ValidationError(f"source {source!r} is not one of {', '.join(SOURCES)}")
    wanted["source"] = source
    checks: dict[str, Callable[[Any], Any]] = {
        "contact_email": normalize_email,
        "contact_phone": normalize_phone,
        "ico": normalize_ico,
        "received_at": lambda raw: _moment(ctx, raw),
        "owner": lambda raw: resolve_user(ctx, str(raw)).id,
        "company_id": lambda raw: resolve_company(ctx, str(raw)).id,
        "person_id": lambda raw: resolve_person(ctx, str(raw)).id,
    }
    for name, check in checks.items():
        raw = wanted.get(name) if name in TEXT_FIELDS else desired.get(name)
        if raw:
            target = "owner_id" if name == "owner" else name
            label = written.get(name, name) if name_fields else None
            wanted[target] = _checked(check, raw, label)
    if not any(wanted.get(k) for k in ANSWERABLE):
        raise ValidationError(
            "a lead needs someone to answer: give a name, e-mail, phone, company or IČO"
        )
    wanted["custom"] = custom
    return wanted


def _checked(check: Callable[[Any], Any], raw: Any, label: str | None) -> Any:
    """``check(raw)``; with a ``label``, its error names the field, and a bad value is
    invalid data (exit 4), not a usage error: it came in a file, not on the command line."""
    if label is None:
        return check(raw)
    try:
        return check(raw)
    except (ValidationError, UsageError) as error:
        raise ValidationError(f'field "{label}": {error.message}') from None
    except NotFound as error:
        raise NotFound(f'field "{label}": {error.message}') from None


def _link_references(ctx: Context, wanted: dict[str, Any]) -> None:
    """The free-text product and campaign point at the catalogue product and the campaign
    they name, where one matches (the text is kept as the sender wrote it)."""
    wanted.setdefault("product_id", match_product_text(ctx, wanted.get("product")))
    wanted.setdefault("campaign_id", campaign_id_named(ctx, wanted.get("campaign")))


def _moment(ctx: Context, raw: Any) -> datetime:
    return parse_moment(str(raw), ctx.now, ctx.tz, "received_at")


def list_leads(ctx: Context, options: ListOptions) -> list[dict[str, Any]]:
    return list_records(ctx, sources.source("lead"), options)


def show_lead(ctx: Context, ref: str) -> dict[str, Any]:
    return show_record(ctx, sources.source("lead"), ref)


def lead_record(ctx: Context, lead: Lead) -> dict[str, Any]:
    return lead_records(ctx, [lead])[0]


def assign_lead(
    ctx: Context, ref: str | int, owner: str, *, reason: str | None = None
) -> dict[str, Any]:
    lead = resolve_lead(ctx, ref, action="write")
    user = resolve_user(ctx, owner)
    if lead.owner_id != user.id:
        policy.require_owner_in_scope(ctx, ENTITY, user.id)
    before = logins_by_id(ctx, [lead.owner_id]).get(lead.owner_id or -1)
    if lead.owner_id != user.id:
        lead.owner_id = user.id
        _touch(ctx, lead)
        payload: dict[str, Any] = {"changes": {"owner": [before, user.login]}}
        if reason:
            payload["reason"] = reason
        record_event(ctx, ENTITY, lead.id, "lead.assigned", payload)
    return lead_record(ctx, lead)


def set_status(ctx: Context, ref: str, status: str) -> dict[str, Any]:
    """Move an open lead to ``contacted`` or ``qualified``."""
    lead = resolve_lead(ctx, ref, action="write")
    wanted = status.strip().lower()
    if wanted not in ("new", "contacted", "qualified"):
        raise ValidationError(
            f"status {status!r}: use contacted or qualified here; "
            "`crmctl leads convert` and `crmctl leads reject` close a lead"
        )
    _change_status(ctx, lead, wanted)
    return lead_record(ctx, lead)


def reject_lead(ctx: Context, ref: str, reason: str) -> dict[str, Any]:
    if not reason or not reason.strip():
        raise ValidationError("say why the lead is rejected: pass --reason TEXT")
    lead = resolve_lead(ctx, ref, action="write")
    _change_status(ctx, lead, "rejected", {"reason": reason.strip()})
    lead.reject_reason = reason.strip()
    return lead_record(ctx, lead)


def _change_status(
    ctx: Context, lead: Lead, status: str, extra: dict[str, Any] | None = None
) -> None:
    if lead.status not in OPEN_STATUSES:
        raise Conflict(
            f"lead #{lead.id} is already {lead.status}; a closed lead cannot change status"
        )
    if status == lead.status:
        raise Conflict(f"lead #{lead.id} is already {status}")
    before = lead.status
    lead.status = status
    _touch(ctx, lead)
    kind = f"lead.{status}" if status in ("converted", "rejected") else "lead.status_changed"
    record_event(ctx, ENTITY, lead.id, kind, {"from": before, "to": status, **(extra or {})})


def _touch(ctx: Context, lead: Lead) -> None:
    """A person acted on the lead: the first time is its response."""
    # A rule assigning the lead is not a person answering it.
    if ctx.actor is not None and ctx.rule is None and lead.first_response_at is None:
        lead.first_response_at = ctx.now
        # Stored so that ``--where response_business_minutes > 240`` is plain SQL.
        lead.response_business_minutes = business_hours.from_settings(ctx.settings).minutes(
            lead.received_at, ctx.now
        )
    lead.last_activity_at = lead.updated_at = ctx.now
    lead.updated_by_id = ctx.actor_id


def record_lead_activity(ctx: Context, lead_id: int) -> None:
    """For activities logged against a lead (calls, e-mails): stamps the first response."""
    _touch(ctx, resolve_lead(ctx, lead_id, action="write"))


def convert_lead(ctx: Context, ref: str, deal_fields: dict[str, Any]) -> dict[str, Any]:
    """Company and person (reused by IČO, name or e-mail, else created) and a new deal."""
    lead = resolve_lead(ctx, ref, action="write")
    if lead.status not in OPEN_STATUSES:
        raise Conflict(f"lead #{lead.id} is already {lead.status}; only open leads convert")
    owner = logins_by_id(ctx, [lead.owner_id]).get(lead.owner_id or -1)
    company, company_reused = _company_for(ctx, lead, owner)
    person, person_reused = _person_for(ctx, lead, company, owner)
    title = (
        deal_fields.pop("title", None)
        or lead.subject
        or " – ".join(filter(None, [lead.product, company.name if company else None]))
        or f"Poptávka #{lead.id}"
    )
    desired: dict[str, Any] = {
        "title": title,
        "source": lead.source,
        "campaign": lead.campaign,
        "lead_id": lead.id,
        "owner": owner,
        **{key: value for key, value in deal_fields.items() if value is not None},
    }
    if company is not None:
        desired["company_id"] = company.id
    if person is not None:
        desired["contacts"] = [{"id": person.id, "role": None}]
    deal = add_deal(ctx, desired)
    _keep_references(ctx, lead, deal["id"])
    lead.company_id = company.id if company else None
    lead.person_id = person.id if person else None
    lead.deal_id, lead.converted_at = deal["id"], ctx.now
    _change_status(
        ctx, lead, "converted",
        {
            "deal_id": deal["id"],
            "company_id": lead.company_id,
            "company_reused": company_reused,
            "person_id": lead.person_id,
            "person_reused": person_reused,
        },
    )  # fmt: skip
    return {"lead": lead_record(ctx, lead), "deal": deal}


def _keep_references(ctx: Context, lead: Lead, deal_id: int) -> None:
    """The deal keeps the lead's campaign and product as references (not only text)."""
    deal = ctx.session.get_one(Deal, deal_id)
    if lead.campaign_id is not None:
        deal.campaign_id = lead.campaign_id
    if lead.product_id is not None:
        deal.product_id = lead.product_id


def _company_for(ctx: Context, lead: Lead, owner: str | None) -> tuple[Company | None, bool]:
    from crmctl.services.companies import CompanyInput, add_company  # noqa: PLC0415  (circle: leads ↔ companies)

    if lead.company_id:
        return ctx.session.get(Company, lead.company_id), True
    live = Company.deleted_at.is_(None)
    if lead.ico:
        found = ctx.session.scalars(select(Company).where(Company.ico == lead.ico, live)).first()
        if found is not None:
            return found, True
    if lead.company_name:
        matches = ctx.session.scalars(
            select(Company)
            .where(Company.name_key == company_name_key(lead.company_name), live)
            .limit(2)
        ).all()
        if len(matches) == 1 and not (lead.ico and matches[0].ico):
            return matches[0], True
    if not (lead.company_name or lead.ico):
        return None, False
    values: dict[str, str | None] = {"name": lead.company_name or f"IČO {lead.ico}"}
    if lead.ico:
        values["ico"] = lead.ico
    if lead.region:
        values["region"] = lead.region
    record = add_company(ctx, CompanyInput(values=values, owner=owner))
    return ctx.session.get(Company, record["id"]), False


def _person_for(
    ctx: Context, lead: Lead, company: Company | None, owner: str | None
) -> tuple[Person | None, bool]:
    from crmctl.services.contacts import add_contact, find_by_emails  # noqa: PLC0415  (circle: leads ↔ contacts)

    if lead.person_id:
        return ctx.session.get(Person, lead.person_id), True
    if lead.contact_email:
        found = find_by_emails(ctx, [lead.contact_email])
        if found is not None and found.deleted_at is None:
            return found, True
    if lead.contact_name and company is not None:
        parts = split_person_name(lead.contact_name)
        key = person_name_key(parts.first_name or None, parts.last_name or parts.first_name)
        found = ctx.session.scalars(
            select(Person)
            .join(PersonCompany, PersonCompany.person_id == Person.id)
            .where(
                PersonCompany.company_id == company.id,
                Person.name_key == key,
                Person.deleted_at.is_(None),
            )
        ).first()
        if found is not None:
            return found, True
    if not (lead.contact_name or lead.contact_email):
        return None, False
    desired: dict[str, Any] = {
        "full_name": lead.contact_name or lead.contact_email.split("@")[0],  # type: ignore[union-attr]
        "owner": owner,
    }
    if lead.contact_email:
        desired["emails"] = [lead.contact_email]
    if lead.contact_phone:
        desired["phones"] = [lead.contact_phone]
    if company is not None:
        desired["companies"] = [{"id": company.id, "primary": True}]
    record = add_contact(ctx, desired)
    return ctx.session.get(Person, record["id"]), False
