"""``crmctl users add|list|show|edit``."""

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
from crmctl.services.users import UserInput, add_user, edit_user, list_users, show_user

app = new_app("Users: login, name, e-mail, role, manager, team.")

Name = Annotated[str | None, typer.Option("--name", help="Full name.")]
Email = Annotated[str | None, typer.Option("--email", help="E-mail address.")]
Role = Annotated[str | None, typer.Option("--role", help="admin|manager|sales|support.")]
Manager = Annotated[str | None, typer.Option("--manager", help="Manager's login ('' clears).")]
Team = Annotated[str | None, typer.Option("--team", help="Team name ('' clears).")]
DbRole = Annotated[
    str | None,
    typer.Option("--db-role", help="PostgreSQL login that acts as this user ('' clears)."),
]
TABLE_FIELDS = ("id", "login", "name", "email", "role", "manager", "team", "active")


@app.command("add")
def add(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(help="Login name.")],
    name: Name = None,
    email: Email = None,
    role: Role = "sales",
    manager: Manager = None,
    team: Team = None,
    db_role: DbRole = None,
    output: Output = "table",
) -> None:
    """Add a user (admins only)."""
    data = UserInput(login, name, email, role, manager, team, db_role=db_role)
    with service_context(ctx) as svc:
        record = add_user(svc, data)
    info(f"user {record['login']!r} added")
    stdout_write_record(record, output, tz=svc.tz)


@app.command("list")
def list_(ctx: typer.Context, output: Output = "table", fields: Fields = None) -> None:
    """List users."""
    with service_context(ctx) as svc:
        records = list_users(svc)
    stdout_write_records(records, output, fields=fields, table_fields=TABLE_FIELDS, tz=svc.tz)


@app.command("show")
def show(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(help="Login or id.")],
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """Show one user."""
    with service_context(ctx) as svc:
        record = show_user(svc, login)
    stdout_write_record(record, output, fields=fields, tz=svc.tz)


@app.command("edit")
def edit(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(help="Login or id.")],
    name: Name = None,
    email: Email = None,
    role: Role = None,
    manager: Manager = None,
    team: Team = None,
    active: Annotated[
        bool | None, typer.Option("--active/--inactive", help="Activate or deactivate.")
    ] = None,
    db_role: DbRole = None,
    output: Output = "table",
) -> None:
    """Change a user (admins only)."""
    data = UserInput(None, name, email, role, manager, team, active, db_role)
    with service_context(ctx) as svc:
        record = edit_user(svc, login, data)
    stdout_write_record(record, output, tz=svc.tz)
