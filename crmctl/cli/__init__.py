"""The ``crmctl`` command: nouns first, like ``gh`` and ``kubectl``."""

from typing import Annotated

import typer

from crmctl.cli import (
    approvals,
    audit,
    companies,
    contacts,
    daemon,
    database,
    deals,
    docs,
    gdpr,
    imports,
    leads,
    log,
    notifications,
    pipelines,
    policy,
    report,
    tasks,
    teams,
    timeline,
    users,
    workflows,
)
from crmctl.cli.common import global_options, new_app

app = new_app("crmctl: the command-line CRM for Czech small and mid-sized firms.")


def _print_version(value: bool) -> None:
    if value:
        from crmctl import __version__

        typer.echo(f"crmctl {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database URL or SQLite file (else CRM_DATABASE_URL, config)."),
    ] = None,
    as_user: Annotated[
        str | None, typer.Option("--as", help="Act as this user login (else CRM_USER).")
    ] = None,
    _version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print version."),
    ] = False,
) -> None:
    options = global_options(ctx)
    options.db, options.as_user = db, as_user


database.register(app)
app.add_typer(users.app, name="users")
app.add_typer(teams.app, name="teams")
app.add_typer(companies.app, name="companies")
app.add_typer(contacts.app, name="contacts")
app.add_typer(timeline.app, name="timeline")
app.add_typer(imports.app, name="import")
app.add_typer(pipelines.app, name="pipelines")
app.add_typer(leads.app, name="leads")
app.add_typer(deals.app, name="deals")
app.add_typer(report.app, name="report")
app.add_typer(tasks.app, name="tasks")
app.add_typer(log.app, name="log")
app.add_typer(docs.app, name="docs")
app.add_typer(workflows.app, name="workflows")
app.add_typer(daemon.app, name="daemon")
app.add_typer(notifications.app, name="notifications")
app.add_typer(approvals.app, name="approvals")
app.add_typer(policy.app, name="policy")
app.add_typer(audit.app, name="audit")
app.add_typer(gdpr.app, name="gdpr")
