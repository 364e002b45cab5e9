"""``crmctl teams add|list``."""

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
from crmctl.services.users import add_team, list_teams

app = new_app("Teams of users.")


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Team name.")],
    description: Annotated[str | None, typer.Option("--description")] = None,
    output: Output = "table",
) -> None:
    """Add a team (admins only); put users in it with `users edit LOGIN --team NAME`."""
    with service_context(ctx) as svc:
        record = add_team(svc, name, description)
    info(f"team {record['name']!r} added")
    stdout_write_record(record, output)


@app.command("list")
def list_(ctx: typer.Context, output: Output = "table", fields: Fields = None) -> None:
    """List teams and their members."""
    with service_context(ctx) as svc:
        records = list_teams(svc)
    stdout_write_records(records, output, fields=fields)
