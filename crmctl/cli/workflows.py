"""``crmctl workflows validate|list|run|simulate|why|failures|resend``."""

from typing import Annotated, Any

import typer

from crmctl.cli.common import (
    Fields,
    Output,
    info,
    new_app,
    service_context,
    settings_for,
    stdout_write_records,
)
from crmctl.cli.console import console
from crmctl.errors import CheckFailed, ValidationError
from crmctl.workflows import service as rule_service
from crmctl.workflows.schema import load_rules
from crmctl.workflows.service import list_rules, rules_path, run_daemon, run_once

app = new_app("Workflow rules (workflows.yaml): validate, list, run, simulate, explain.")

RulesFile = Annotated[
    str | None,
    typer.Option(
        "--workflows",
        metavar="FILE",
        help="Rules file (else CRM_WORKFLOWS, `workflows:` in crmctl.yaml, ./workflows.yaml).",
    ),
]
RUN_FIELDS = ("rule", "entity", "trigger", "status", "actions", "error")
FAILED = ("failed", "dead", "cut")


@app.command("validate")
def validate(
    ctx: typer.Context,
    file: Annotated[
        str | None, typer.Argument(metavar="[FILE]", help="Rules file (default as --workflows).")
    ] = None,
) -> None:
    """Check a rules file: every problem as FILE:LINE:COLUMN: what was expected.

    With a database at hand, every login, team and role the rules name must exist there.
    """
    settings = settings_for(ctx)
    path = rules_path(settings, file)
    problems, count, note = rule_service.validate(settings, path)
    for problem in problems:
        console().message(f"{problem}")
    if note:
        info(f"note: {note}")
    if problems:
        raise ValidationError(f"{path}: {len(problems)} problem(s); nothing was changed")
    info(f"{path}: {count} rule(s), valid")


@app.command("list")
def list_(
    ctx: typer.Context, workflows: RulesFile = None, output: Output = "table", fields: Fields = None
) -> None:
    """List the rules: trigger, condition and actions."""
    settings = settings_for(ctx)
    records = list_rules(settings, rules_path(settings, workflows))
    stdout_write_records(records, output, fields=fields, tz=settings.timezone)


@app.command("run")
def run(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="One pass and exit (for cron); without it, as daemon.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would fire; change nothing.")
    ] = False,
    rule: Annotated[
        str | None, typer.Option("--rule", metavar="ID", help="Only this rule.")
    ] = None,
    workflows: RulesFile = None,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """Process pending events and due time rules; print what fired."""
    settings = settings_for(ctx)
    path = rules_path(settings, workflows)
    if not once:
        raise typer.Exit(run_daemon(settings, path, poll=1.0, log=info))
    result = run_once(settings, path, dry_run=dry_run, rule=rule)
    records = [firing.record() for firing in result.firings]
    stdout_write_records(records, output, fields=fields, table_fields=RUN_FIELDS)
    _summary(result, dry_run)


def _summary(result: Any, dry_run: bool) -> None:
    """One line on stderr; exit 6 (after printing) when cron must tell a human."""
    statuses = [d.status for d in result.deliveries]
    sent, uncertain = statuses.count("sent"), statuses.count("uncertain")
    waiting = len(statuses) - sent - uncertain
    failed = sum(1 for f in result.firings if f.status in FAILED)
    prefix = "dry run: " if dry_run else ""
    info(
        f"{prefix}{result.events_seen} event(s), {len(result.firings)} firing(s) "
        f"({failed} failed), {sent} delivered, {waiting} delivery failure(s)"
        + (f", {uncertain} uncertain (not resent)" if uncertain else "")
        + ("; see `crmctl workflows failures`" if failed or waiting or uncertain else "")
    )
    given_up = statuses.count("dead") + uncertain
    if failed or given_up:
        # Exit 6 lets cron (MAILTO) notice: a retried firing is still a failure now.
        raise CheckFailed(
            f"{failed} firing(s) failed and {given_up} delivery(ies) need a human in this "
            "pass; see `crmctl workflows failures`"
        )


@app.command("simulate")
def simulate(
    ctx: typer.Context,
    since: Annotated[
        str, typer.Option("--since", help="History to replay, e.g. 30d, 12h.")
    ] = "30d",
    workflows: RulesFile = None,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """Replay recorded events against the rules and print what would fire; changes nothing."""
    settings = settings_for(ctx)
    rules = load_rules(rules_path(settings, workflows), settings)
    with service_context(ctx) as svc:
        records = rule_service.simulate(svc, rules, since)
    stdout_write_records(records, output, fields=fields, tz=svc.tz)


@app.command("why")
def why(
    ctx: typer.Context,
    entity: Annotated[
        str, typer.Argument(metavar="ENTITY", help="lead, deal, company, contact, task.")
    ],
    entity_id: Annotated[int, typer.Argument(metavar="ID", help="The record's id.")],
    workflows: RulesFile = None,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """Which rules fired for a record, when and why; which do not match and on what."""
    settings = settings_for(ctx)
    rules = load_rules(rules_path(settings, workflows), settings)
    with service_context(ctx) as svc:
        records = rule_service.why(svc, rules, entity, entity_id)
    stdout_write_records(records, output, fields=fields, tz=svc.tz)


@app.command("failures")
def failures(
    ctx: typer.Context,
    dead_only: Annotated[
        bool, typer.Option("--dead", help="Only dead-lettered (given up) and loop-cut ones.")
    ] = False,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """Failed firings and deliveries: retrying (with the next attempt) or dead-lettered."""
    with service_context(ctx) as svc:
        records = rule_service.failures(svc, include_retrying=not dead_only)
    stdout_write_records(records, output, fields=fields, tz=svc.tz)


@app.command("resend")
def resend(
    ctx: typer.Context,
    delivery_id: Annotated[
        int, typer.Argument(metavar="ID", help="The delivery's id (`workflows failures`).")
    ],
) -> None:
    """Queue an uncertain or dead e-mail/webhook again (same Message-ID); admins only."""
    with service_context(ctx) as svc:
        record = rule_service.resend(svc, delivery_id)
    info(
        f"delivery {record['id']} ({record['channel']} {record['target']}) queued again; "
        "the next `crmctl workflows run --once` or the daemon sends it"
    )
