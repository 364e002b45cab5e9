"""``crmctl policy show|explain``: who may see and change what, and why."""

from typing import Annotated

import typer

from crmctl.cli.common import Fields, Output, info, new_app, service_context, stdout_write_records
from crmctl.services.access.explain import explain as run_explain
from crmctl.services.access.explain import policy_matrix
from crmctl.services.access.row_security import install_row_security

app = new_app("Need-to-know permissions: the effective policy and why a user may see a record.")


@app.command("show")
def show(ctx: typer.Context, output: Output = "table", fields: Fields = None) -> None:
    """Print the effective matrix: per role and entity the read and write scopes."""

    with service_context(ctx) as svc:
        rows = policy_matrix(svc)
    stdout_write_records(rows, output, fields=fields)


@app.command("explain")
def explain(
    ctx: typer.Context,
    user: Annotated[str, typer.Argument(metavar="USER", help="Login of the user.")],
    entity: Annotated[
        str, typer.Argument(metavar="ENTITY", help="company|contact|lead|deal|task.")
    ],
    record_id: Annotated[int, typer.Argument(metavar="ID", help="Record id.")],
    output: Output = "table",
) -> None:
    """Say why USER may or may not read and change one record."""

    with service_context(ctx) as svc:
        rows = run_explain(svc, user, entity, record_id)
    stdout_write_records(rows, output)


@app.command("install")
def install(
    ctx: typer.Context,
    group: Annotated[
        str, typer.Option("--group", help="Database role that every mapped login joins.")
    ] = "crmctl_users",
    output: Output = "table",
) -> None:
    """PostgreSQL: install row-level security enforcing the policy (admins; as the owner)."""

    with service_context(ctx) as svc:
        rows = install_row_security(svc, group)
    info(f"row-level security installed; mapped logins join role {group!r}")
    stdout_write_records(rows, output)
