"""``crmctl audit list``: the change history of everything (admins)."""

from typing import Annotated

import typer

from crmctl.cli.common import Fields, Output, new_app, service_context, stdout_write_records
from crmctl.services.audit import AuditOptions, audit_list

app = new_app("The audit log: who changed what and when, with before and after values.")
TABLE_FIELDS = ("id", "at", "actor", "entity", "kind", "summary")


@app.command("list")
def list_(
    ctx: typer.Context,
    user: Annotated[str | None, typer.Option("--user", help="Only changes by this login.")] = None,
    entity: Annotated[
        str | None,
        typer.Option("--entity", metavar="TYPE[:ID]", help="e.g. deal or deal:42 or contact:7."),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="From this date/time, e.g. 2026-01-01 or -7d.")
    ] = None,
    until: Annotated[str | None, typer.Option("--until", help="Before this date/time.")] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="Event kind, e.g. 'updated' or 'deal.won'.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Show at most N events.")] = 100,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """List changes newest first, with before/after values (admins only)."""
    options = AuditOptions(user, entity, since, until, kind, limit)
    with service_context(ctx) as svc:
        rows = audit_list(svc, options)
    stdout_write_records(rows, output, fields=fields, table_fields=TABLE_FIELDS, tz=svc.tz)
