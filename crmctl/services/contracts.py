"""Services, contracts and sales records (issue 19): what a customer has.

Three kinds: ``ours`` (our contract, to renew), ``competitor`` (theirs, to win when it
ends) and ``purchase`` (a one-time sale on a day). Contracts may have an end date and a
notice period; ``notice_on`` (the last day to give notice) is stored with the record so
that ``services expiring`` and the renewal rules' date triggers read it by index.

The module is ``contracts`` because ``crmctl.services`` is the service layer itself.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select

from crmctl.db import tables
from crmctl.db.tables.contracts import EXPIRING_COLUMNS
from crmctl.errors import ValidationError
from crmctl.services.access import policy
from crmctl.services.context import Context
from crmctl.services.events import field_changes, record_event
from crmctl.services.service_records import find_service_row, service_records, show_service

ENTITY = "service"
KINDS = ("ours", "competitor", "purchase")
CONTRACTS = ("ours", "competitor")
BILLINGS = ("once", "monthly", "quarterly", "yearly")
EDITABLE = ("company", "name", "kind", "product", "starts_on", "ends_on", "notice_days",
            "value", "currency", "billing", "provider", "serial", "note")  # fmt: skip
_services = tables.services


# --- expiring ---------------------------------------------------------------------------


def expiring(ctx: Context, within_days: int, kind: str | None = None) -> list[dict[str, Any]]:
    """Contracts whose end date falls from today to today + ``within_days`` inclusive.

    Ended contracts (end date before today), contracts without an end date and
    purchases are not expiring. Ordered by end date, then id.
    """
    statement, scope = expiring_query(ctx, within_days, kind)
    rows = ctx.session.execute(statement).all()
    return policy.present(ctx, ENTITY, scope, service_records(ctx, rows))


def expiring_query(
    ctx: Context, within_days: int, kind: str | None = None
) -> tuple[Select[Any], policy.ReadScope]:
    """The rows of ``expiring``, in the reader's scope: one range of end dates, with the
    columns the listing shows; on SQLite read from the covering ``ix_services_expiring``
    alone (bench/services.py times it over 1,000,000 services)."""
    if kind is not None and kind not in CONTRACTS:
        raise ValidationError(
            f"--kind {kind!r}: choose ours or competitor (purchases never expire)"
        )
    today = ctx.now.astimezone(ctx.tz).date()
    kinds = (kind,) if kind else CONTRACTS
    columns = [_services.c[name] for name in EXPIRING_COLUMNS]
    statement = select(*columns).where(
        _services.c.kind.in_(kinds),
        _services.c.ends_on >= today,
        _services.c.ends_on <= today + timedelta(days=within_days),
    )
    statement, scope = policy.restrict(ctx, ENTITY, statement)
    return statement.order_by(_services.c.ends_on, _services.c.id), scope


# --- writes -----------------------------------------------------------------------------


def add_service(ctx: Context, desired: dict[str, Any]) -> dict[str, Any]:
    from crmctl.db.models import Service  # noqa: PLC0415  (start-up)

    actor = ctx.require_actor()
    policy.require_any_write(ctx, ENTITY, "add services")
    values = _checked(ctx, desired, current=None)
    service = Service(
        **values, created_at=ctx.now, updated_at=ctx.now,
        created_by_id=actor.id, updated_by_id=actor.id,
    )  # fmt: skip
    ctx.session.add(service)
    ctx.session.flush()
    # In scope through its company: a salesperson records services of own customers only.
    policy.require(ctx, ENTITY, service.id, "write")
    record = show_service(ctx, service.id)
    fields = {k: v for k, v in record.items() if v not in (None, "") and k != "id"}
    record_event(ctx, ENTITY, service.id, "service.created", {"fields": fields})
    return record


def edit_service(ctx: Context, ref: str, desired: dict[str, Any]) -> dict[str, Any]:
    from crmctl.db.models import Service  # noqa: PLC0415  (start-up)

    row = find_service_row(ctx, ref)
    policy.require(ctx, ENTITY, row.id, "write")
    service = ctx.session.get_one(Service, row.id)
    before = show_service(ctx, row.id)
    values = _checked(ctx, desired, current=row)
    for key, value in values.items():
        setattr(service, key, value)
    service.updated_at, service.updated_by_id = ctx.now, ctx.actor_id
    ctx.session.flush()
    policy.require(ctx, ENTITY, row.id, "write")  # moved to a company out of scope?
    after = show_service(ctx, row.id)
    changes = field_changes(before, after)
    changes.pop("updated_at", None)
    if changes:
        record_event(ctx, ENTITY, row.id, "service.updated", {"changes": changes})
    return after


def remove_service(ctx: Context, ref: str) -> dict[str, Any]:
    from crmctl.db.models import Service  # noqa: PLC0415  (start-up)

    row = find_service_row(ctx, ref)
    policy.require(ctx, ENTITY, row.id, "write")
    record = show_service(ctx, row.id)
    ctx.session.delete(ctx.session.get_one(Service, row.id))
    record_event(ctx, ENTITY, row.id, "service.removed",
                 {"name": record["name"], "company_id": record["company_id"]})  # fmt: skip
    return record


def services_from_deal(ctx: Context, deal: Any) -> list[dict[str, Any]]:
    """``deals win --create-services``: the won deal's product as our contract (or a
    purchase for a one-time product), starting on the day it was won."""
    if deal.product_id is None:
        raise ValidationError(
            f"deal #{deal.id} has no product to record as a service; set its product first "
            "or win it without --create-services"
        )
    product = ctx.session.execute(
        select(tables.products).where(tables.products.c.id == deal.product_id)
    ).one()
    once = product.billing == "once"
    desired = {
        "company": deal.company_id, "name": product.name, "product": product.id,
        "kind": "purchase" if once else "ours", "starts_on": ctx.now.astimezone(ctx.tz).date(),
        "value": deal.value if once else product.list_price, "currency": deal.currency,
        "billing": product.billing,
    }  # fmt: skip
    record = add_service(ctx, desired)
    from crmctl.db.models import Service  # noqa: PLC0415  (start-up)

    ctx.session.get_one(Service, record["id"]).deal_id = deal.id
    ctx.session.flush()
    return [show_service(ctx, record["id"])]


# --- validation -------------------------------------------------------------------------


def _checked(ctx: Context, desired: dict[str, Any], current: Any) -> dict[str, Any]:
    unknown = sorted(set(desired) - set(EDITABLE))
    if unknown:
        raise ValidationError(f"unknown service field(s) {', '.join(unknown)}; known: {EDITABLE}")
    values: dict[str, Any] = {}
    _identity(ctx, desired, values, creating=current is None)
    _dates(ctx, desired, values)
    _money(desired, values)
    for key in ("provider", "serial", "note"):
        if key in desired:
            values[key] = str(desired[key] or "").strip() or None
    _consistent(values, current)
    return values


def _identity(
    ctx: Context, desired: dict[str, Any], values: dict[str, Any], *, creating: bool
) -> None:
    from crmctl.services.products import product_id_for  # noqa: PLC0415  (start-up)
    from crmctl.services.refs import resolve_company  # noqa: PLC0415  (start-up)

    if creating and not desired.get("company"):
        raise ValidationError("a service needs a company: `services add --company C ...`")
    if desired.get("company") not in (None, ""):
        values["company_id"] = resolve_company(ctx, desired["company"], action="read").id
    if "name" in desired or creating:
        name = str(desired.get("name") or "").strip()
        if not name:
            raise ValidationError("a service needs a name: --name 'Servisní smlouva'")
        values["name"] = name
    if "kind" in desired or creating:
        kind = str(desired.get("kind") or "").strip().lower()
        if kind not in KINDS:
            raise ValidationError(
                f"--kind {kind or '(missing)'!r}: choose one of {', '.join(KINDS)}"
            )
        values["kind"] = kind
    if "product" in desired:
        values["product_id"] = product_id_for(ctx, desired["product"])


def _dates(ctx: Context, desired: dict[str, Any], values: dict[str, Any]) -> None:
    for key in ("starts_on", "ends_on"):
        if key in desired:
            values[key] = _day(ctx, desired[key], key)
    if "notice_days" in desired:
        raw = desired["notice_days"]
        if raw in (None, ""):
            values["notice_days"] = None
        else:
            try:
                days = int(str(raw).strip())
            except ValueError:
                days = -1
            if days < 0:
                raise ValidationError(f"--notice-days {raw!r}: a whole number of days, e.g. 90")
            values["notice_days"] = days


def _money(desired: dict[str, Any], values: dict[str, Any]) -> None:
    from crmctl.money import currency_code, parse_money  # noqa: PLC0415  (start-up)

    if desired.get("value") not in (None, ""):
        raw = desired["value"]
        if isinstance(raw, Decimal):
            values["value"] = raw
        else:
            values["value"], named = parse_money(str(raw), "value")
            if named and "currency" not in desired:
                values["currency"] = named
    elif "value" in desired:
        values["value"] = None
    if desired.get("currency"):
        values["currency"] = currency_code(str(desired["currency"]))
    if desired.get("billing") not in (None, ""):
        billing = str(desired["billing"]).strip().lower()
        if billing not in BILLINGS:
            raise ValidationError(f"--billing {billing!r}: choose one of {', '.join(BILLINGS)}")
        values["billing"] = billing
    elif "billing" in desired:
        values["billing"] = None


def _consistent(values: dict[str, Any], current: Any) -> None:
    """The record as it will be: purchases have no end, a value has a billing period,
    and the notice deadline follows the end date and notice period."""

    def final(key: str) -> Any:
        return values[key] if key in values else getattr(current, key, None)

    kind, starts, ends = final("kind"), final("starts_on"), final("ends_on")
    if kind == "purchase":
        if ends is not None or final("notice_days") is not None:
            raise ValidationError(
                "a purchase is a one-time sale on a day (--starts): it has no --ends or "
                "--notice-days; record a contract with --kind ours|competitor"
            )
        if final("billing") not in (None, "once"):
            raise ValidationError("a purchase is billed once: --billing once")
        if final("value") is not None and final("billing") is None:
            values["billing"] = "once"
    elif final("value") is not None and final("billing") is None:
        raise ValidationError(
            "--value is the amount per billing period: give --billing once|monthly|quarterly|yearly"
        )
    if starts and ends and ends < starts:
        raise ValidationError(f"the service ends ({ends}) before it starts ({starts})")
    notice_days = final("notice_days")
    values["notice_on"] = None if ends is None else ends - timedelta(days=notice_days or 0)


def _day(ctx: Context, raw: Any, option: str) -> date | None:
    from crmctl.query.dates import parse_when  # noqa: PLC0415  (start-up)

    if raw in (None, ""):
        return None
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    flag = {"starts_on": "--starts", "ends_on": "--ends"}[option]
    day = parse_when(str(raw), ctx.now, ctx.tz, flag)
    return day if not isinstance(day, datetime) else day.astimezone(ctx.tz).date()
