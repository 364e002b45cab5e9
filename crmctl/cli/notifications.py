"""``crmctl notifications list|read``: the in-app inbox."""

from typing import Annotated

import typer

from crmctl.cli.common import Fields, Output, info, new_app, service_context
from crmctl.cli.common import stdout_write_records as write
from crmctl.services.notifications import list_notifications, read_notifications

app = new_app("Your in-app inbox: notifications from workflow rules.")


@app.command("list")
def list_(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Also read ones.")] = False,
    user: Annotated[
        str | None, typer.Option("--user", metavar="LOGIN", help="Another user's inbox (admin).")
    ] = None,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """Unread notifications, newest first."""
    with service_context(ctx) as svc:
        records = list_notifications(svc, include_read=all_, user=user)
    write(records, output, fields=fields, tz=svc.tz)


@app.command("read")
def read(
    ctx: typer.Context,
    ids: Annotated[list[int] | None, typer.Argument(metavar="[ID]...", help="Ids to mark.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Mark every notification read.")] = False,
) -> None:
    """Mark notifications read."""
    with service_context(ctx) as svc:
        count = read_notifications(svc, ids or [], all_=all_)
    info(f"{count} notification(s) marked read")
