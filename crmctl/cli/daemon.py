"""``crmctl daemon`` and ``crmctl daemon status``."""

from typing import Annotated

import typer

from crmctl.cli.common import Output, info, new_app, service_context, settings_for
from crmctl.cli.common import stdout_write_records as write
from crmctl.errors import CheckFailed
from crmctl.workflows.service import daemon_status, rules_path, run_daemon

app = new_app("Run workflow rules continuously; `daemon status` tells if one is alive.")
app.info.invoke_without_command = True
app.info.no_args_is_help = False


@app.callback()
def daemon(
    ctx: typer.Context,
    workflows: Annotated[
        str | None,
        typer.Option("--workflows", metavar="FILE", help="Rules file (as for `workflows run`)."),
    ] = None,
    poll: Annotated[
        float, typer.Option("--poll", metavar="SECONDS", help="Longest wait between passes.")
    ] = 1.0,
) -> None:
    """Process events as they come and time rules on schedule; SIGTERM/SIGINT stop it."""
    if ctx.invoked_subcommand is not None:
        return

    settings = settings_for(ctx)
    raise typer.Exit(run_daemon(settings, rules_path(settings, workflows), poll=poll, log=info))


@app.command("status")
def status(ctx: typer.Context, output: Output = "table") -> None:
    """Recent daemons: alive (heartbeat within a minute), silent or stopped; 6 if none alive."""
    with service_context(ctx) as svc:
        records = daemon_status(svc)
    write(records, output, tz=svc.tz)
    if not any(record["state"] == "alive" for record in records):
        # Exit 6 lets monitoring (or cron) notice that nobody runs the rules.
        raise CheckFailed("no daemon is alive; start one with `crmctl daemon`")
