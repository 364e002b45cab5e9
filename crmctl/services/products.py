"""The product catalogue: code, name, category, list price and billing period.

A table rather than ``products:`` in crmctl.yaml: leads, deals, campaigns, services and
account plans refer to a product by foreign key, and a price change is an event on the
product's timeline like any other record's change.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select, update

from crmctl.db import tables
from crmctl.db.models import Product
from crmctl.errors import Conflict, NotFound, ValidationError
from crmctl.money import currency_code, parse_money
from crmctl.services.access import policy
from crmctl.services.context import Context
from crmctl.services.events import field_changes, record_event
from crmctl.services.refs import logins_by_id
from crmctl.text import fold

ENTITY = "product"
BILLINGS = ("once", "monthly", "quarterly", "yearly")
EDITABLE = ("code", "name", "category", "list_price", "currency", "billing", "active")
_products = tables.products


def add_product(ctx: Context, desired: dict[str, Any]) -> dict[str, Any]:
    actor = ctx.require_actor()
    policy.require_any_write(ctx, ENTITY, "add products")
    values = _checked(ctx, desired, creating=True)
    product = Product(
        **values, created_at=ctx.now, updated_at=ctx.now,
        created_by_id=actor.id, updated_by_id=actor.id,
    )  # fmt: skip
    ctx.session.add(product)
    ctx.session.flush()
    record = show_product(ctx, product.id)
    fields = {k: v for k, v in record.items() if v not in (None, "") and k != "id"}
    # Leads that named this product in their free text now refer to it.
    linked = link_leads_to_products(ctx)
    record_event(
        ctx, ENTITY, product.id, "product.created", {"fields": fields, "leads_linked": linked}
    )
    return record


def edit_product(ctx: Context, ref: str, desired: dict[str, Any]) -> dict[str, Any]:
    product = resolve_product(ctx, ref)
    policy.require(ctx, ENTITY, product.id, "write")
    before = show_product(ctx, product.id)
    values = _checked(ctx, desired, creating=False, current_id=product.id)
    for key, value in values.items():
        setattr(product, key, value)
    product.updated_at, product.updated_by_id = ctx.now, ctx.actor_id
    ctx.session.flush()
    after = show_product(ctx, product.id)
    changes = field_changes(before, after)
    changes.pop("updated_at", None)
    if changes:
        record_event(ctx, ENTITY, product.id, "product.updated", {"changes": changes})
    return after


def _checked(
    ctx: Context, desired: dict[str, Any], *, creating: bool, current_id: int | None = None
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    unknown = sorted(set(desired) - set(EDITABLE))
    if unknown:
        raise ValidationError(f"unknown product field(s) {', '.join(unknown)}; known: {EDITABLE}")
    for key in ("code", "name", "category"):
        if key in desired:
            text = str(desired[key] or "").strip()
            if not text and key != "category":
                raise ValidationError(f"product {key} must not be empty")
            values[key] = text or None
    if creating and not (values.get("code") and values.get("name")):
        raise ValidationError("a product needs a code and a name: `products add CODE --name N`")
    if "code" in values:
        _unique_code(ctx, values["code"], current_id)
    if desired.get("list_price") not in (None, ""):
        amount, currency = parse_money(desired["list_price"], "list_price")
        values["list_price"] = amount
        if currency and "currency" not in desired:
            values["currency"] = currency
    elif "list_price" in desired:
        values["list_price"] = None
    if desired.get("currency"):
        values["currency"] = currency_code(str(desired["currency"]))
    if desired.get("billing") is not None:
        billing = str(desired["billing"]).strip().lower()
        if billing not in BILLINGS:
            raise ValidationError(f"billing {billing!r} is not one of {', '.join(BILLINGS)}")
        values["billing"] = billing
    if desired.get("active") is not None:
        values["active"] = bool(desired["active"])
    return values


def _unique_code(ctx: Context, code: str, current_id: int | None) -> None:
    found = ctx.session.scalar(
        select(_products.c.id).where(func.lower(_products.c.code) == code.lower())
    )
    if found is not None and found != current_id:
        raise Conflict(f"product code {code!r} is taken by product #{found}; choose another")


def find_product_row(ctx: Context, ref: str | int) -> Any:
    """A product by id or code (any case), as a row of the table (the read pipeline's
    ``find``: Core only, no ORM)."""
    text = str(ref).strip().lstrip("#")
    condition = func.lower(_products.c.code) == text.lower()
    if text.isdigit():
        condition = or_(_products.c.id == int(text), condition)
    row = ctx.session.execute(select(_products).where(condition).order_by(_products.c.id)).first()
    if row is None:
        raise NotFound(f"no product {ref!r}; see `crmctl products list`")
    policy.require(ctx, ENTITY, row.id, "read")
    return row


def resolve_product(ctx: Context, ref: str | int) -> Any:
    """The ORM product by id or code, for writes."""
    return ctx.session.get_one(Product, find_product_row(ctx, ref).id)


def product_id_for(ctx: Context, ref: str | None) -> int | None:
    """The id of the product given by id or code (None for no product)."""
    if ref is None or not str(ref).strip():
        return None
    return int(find_product_row(ctx, ref).id)


def match_product_text(ctx: Context, text: str | None) -> int | None:
    """A lead's free-text product mapped to a catalogue product: its code or its name,
    accents and case ignored; None when nothing (or more than one product) matches."""
    if not text or not text.strip():
        return None
    wanted = fold(text.strip())
    rows = ctx.session.execute(select(_products.c.id, _products.c.code, _products.c.name)).all()
    matches = [row.id for row in rows if wanted in (fold(row.code), fold(row.name))]
    return matches[0] if len(matches) == 1 else None


def show_product(ctx: Context, ref: str | int) -> dict[str, Any]:
    return product_records(ctx, [find_product_row(ctx, ref)])[0]


def product_records(ctx: Context, rows: Sequence[Any]) -> list[dict[str, Any]]:
    logins = logins_by_id(ctx, [row.created_by_id for row in rows])
    return [
        {
            "id": row.id,
            "code": row.code,
            "name": row.name,
            "category": row.category,
            "list_price": None if row.list_price is None else Decimal(row.list_price),
            "currency": row.currency,
            "billing": row.billing,
            "active": bool(row.active),
            "created_at": row.created_at,
            "created_by": logins.get(row.created_by_id or -1),
            "updated_at": row.updated_at,
        }
        for row in rows
    ]


def link_leads_to_products(ctx: Context) -> int:
    """Leads whose free-text product names a catalogue product now point at it."""
    count = 0
    rows = ctx.session.execute(
        select(tables.leads.c.product)
        .where(tables.leads.c.product_id.is_(None), tables.leads.c.product.is_not(None))
        .distinct()
    ).all()
    for (text,) in rows:
        product_id = match_product_text(ctx, text)
        if product_id is not None:
            result = ctx.session.execute(
                update(tables.leads)
                .where(tables.leads.c.product == text, tables.leads.c.product_id.is_(None))
                .values(product_id=product_id)
            )
            count += result.rowcount or 0
    return count
