"""``crmctl views save|list|show|rm``: named filters for any list."""

from typing import Annotated

import typer

from crmctl.cli.common import (
    Fields,
    Output,
    info,
    new_app,
    service_context,
    stdout_write_record,
    stdout_write_records,
)
from crmctl.services.views import list_views, remove_view, save_view, show_view

app = new_app("Saved views: named filters for any list (`--view NAME`).")

ViewName = Annotated[str, typer.Argument(metavar="NAME", help="The view's name.")]
TABLE = ("id", "name", "entity", "where", "sort", "shared", "owner")


@app.command("save")
def save(
    ctx: typer.Context,
    name: ViewName,
    entity: Annotated[
        str, typer.Option("--entity", help="companies|contacts|deals|leads|tasks|products|…")
    ],
    where: Annotated[str, typer.Option("--where", "-w", metavar="EXPR", help="The filter.")],
    sort: Annotated[str | None, typer.Option(help="Default sort, e.g. '-created_at'.")] = None,
    fields: Annotated[str | None, typer.Option(help="Default --fields.")] = None,
    shared: Annotated[bool, typer.Option("--shared", help="Visible to every user.")] = False,
    output: Output = "table",
) -> None:
    """Save a view (replacing your view of the same name)."""
    with service_context(ctx) as svc:
        record = save_view(svc, name, entity, where, sort=sort, fields=fields, shared=shared)
    info(f"view {record['name']!r} saved; use it with `crmctl {record['entity']} list "
         f"--view {record['name']}`")  # fmt: skip
    stdout_write_record(record, output, tz=svc.tz)


@app.command("list")
def list_(
    ctx: typer.Context,
    entity: Annotated[str | None, typer.Option("--entity", help="Only this entity's.")] = None,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """Your views and the shared ones."""
    with service_context(ctx) as svc:
        records = list_views(svc, entity)
    stdout_write_records(records, output, fields=fields, table_fields=TABLE, tz=svc.tz)


@app.command("show")
def show(
    ctx: typer.Context, name: ViewName, output: Output = "table", fields: Fields = None
) -> None:
    """Show a view (yours first, else the shared one; LOGIN/NAME picks one)."""
    with service_context(ctx) as svc:
        record = show_view(svc, name)
    stdout_write_record(record, output, fields=fields, tz=svc.tz)


@app.command("rm")
def rm(ctx: typer.Context, name: ViewName) -> None:
    """Remove one of your views (an admin may remove anyone's)."""
    with service_context(ctx) as svc:
        record = remove_view(svc, name)
    info(f"view {record['name']!r} removed")
