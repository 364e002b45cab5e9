"""``crmctl products add|list|show|edit``: the product catalogue."""

from typing import Annotated, Any

import typer

from crmctl.cli.applying import add_apply_command
from crmctl.cli.common import (
    Fields,
    Limit,
    Output,
    Sort,
    View,
    Where,
    info,
    new_app,
    service_context,
    stdout_write_record,
)
from crmctl.cli.reading import list_entity, show_entity
from crmctl.services.listing import ListOptions
from crmctl.services.products import add_product, edit_product

app = new_app("Products: the catalogue that deals, leads and campaigns refer to.")
add_apply_command(app, "product", "products")

ProductRef = Annotated[str, typer.Argument(metavar="PRODUCT", help="Product id or code.")]
Name = Annotated[str | None, typer.Option(help="Product name.")]
Category = Annotated[str | None, typer.Option(help="Category, e.g. 'licence'.")]
Price = Annotated[str | None, typer.Option("--price", help="List price, e.g. '12 000 Kč'.")]
Currency = Annotated[str | None, typer.Option(help="Currency code (default CZK).")]
Billing = Annotated[str | None, typer.Option(help="once|monthly|quarterly|yearly.")]


@app.command("add")
def add(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(metavar="CODE", help="Short unique code.")],
    name: Name = None,
    category: Category = None,
    price: Price = None,
    currency: Currency = None,
    billing: Billing = None,
    output: Output = "table",
) -> None:
    """Add a product: `products add CRM-PRO --name 'CRM Pro' --price 990 --billing monthly`."""
    desired = _given(code=code, name=name, category=category, list_price=price,
                     currency=currency, billing=billing)  # fmt: skip
    with service_context(ctx) as svc:
        record = add_product(svc, desired)
    info(f"product #{record['id']} {record['code']} added")
    stdout_write_record(record, output, tz=svc.tz)


@app.command("list")
def list_(
    ctx: typer.Context,
    where: Where = None,
    view: View = None,
    sort: Sort = None,
    limit: Limit = None,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """List products, e.g. --where 'billing = "monthly"'."""
    options = ListOptions(where, None, sort, limit)
    list_entity(ctx, "product", options, output, fields, view=view)


@app.command("show")
def show(
    ctx: typer.Context, product: ProductRef, output: Output = "table", fields: Fields = None
) -> None:
    """Show a product."""
    show_entity(ctx, "product", product, output, fields)


@app.command("edit")
def edit(
    ctx: typer.Context,
    product: ProductRef,
    code: Annotated[str | None, typer.Option(help="New code.")] = None,
    name: Name = None,
    category: Category = None,
    price: Price = None,
    currency: Currency = None,
    billing: Billing = None,
    active: Annotated[
        bool | None, typer.Option("--active/--inactive", help="Offered (default) or retired.")
    ] = None,
    output: Output = "table",
) -> None:
    """Change a product's fields (only those given)."""
    desired = _given(code=code, name=name, category=category, list_price=price,
                     currency=currency, billing=billing, active=active)  # fmt: skip
    with service_context(ctx) as svc:
        record = edit_product(svc, product, desired)
    info(f"product #{record['id']} {record['code']} saved")
    stdout_write_record(record, output, tz=svc.tz)


def _given(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}
