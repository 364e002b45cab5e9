"""``crmctl init``, ``crmctl db …`` and ``crmctl config show``."""

from pathlib import Path
from typing import Annotated

import typer

from crmctl.cli.common import (
    Output,
    info,
    new_app,
    settings_for,
    stdout_write_record,
    stdout_write_records,
)
from crmctl.services import setup
from crmctl.services.backup import backup as run_backup

db_app = new_app("Database schema and backups.")
config_app = new_app("Effective configuration.")


def init(
    ctx: typer.Context,
    demo: Annotated[bool, typer.Option("--demo", help="Load Czech demo data.")] = False,
    history: Annotated[
        bool,
        typer.Option("--history", help="With --demo: 18 months of leads, deals and targets."),
    ] = False,
    admin: Annotated[
        str | None,
        typer.Option("--admin", help="Login of the first admin (else your --as/OS user)."),
    ] = None,
    admin_name: Annotated[str | None, typer.Option("--admin-name", help="Admin's name.")] = None,
) -> None:
    """Create the database (or upgrade an existing one) and the first admin."""
    settings = settings_for(ctx)
    result = setup.initialise(
        settings, admin_login=admin, admin_name=admin_name, demo=demo, history=history
    )
    for line in result:
        info(line)


@db_app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Apply pending schema migrations."""
    before, after = setup.upgrade_database(settings_for(ctx))
    if before == after:
        info(f"database schema is up to date (revision {after})")
    else:
        info(f"database schema upgraded from {before or 'empty'} to {after}")


@db_app.command("current")
def current(ctx: typer.Context, output: Output = "table") -> None:
    """Print the database's schema revision and whether it is up to date."""
    stdout_write_record(setup.schema_status(settings_for(ctx)), output)


@db_app.command("backup")
def backup(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Where to write the backup.")],
    no_documents: Annotated[
        bool,
        typer.Option("--no-documents", help="Leave the document store out (warns)."),
    ] = False,
) -> None:
    """Back up the database (SQLite online backup; pg_dump for PostgreSQL) and the
    document store (FILE.documents.tar); both readable by you only."""
    done = run_backup(settings_for(ctx), file, documents=not no_documents)
    info(f"database backup written to {done.database}")
    if done.archive is None:
        info(
            f"warning: the document store {done.store} is NOT in this backup; "
            "back it up yourself or run without --no-documents"
        )
    else:
        info(f"documents backup written to {done.archive} ({done.files} files from {done.store})")


@config_app.command("show")
def show(ctx: typer.Context, output: Output = "table") -> None:
    """Print the effective settings and where each came from."""
    stdout_write_records(setup.describe_settings(settings_for(ctx)), output)
