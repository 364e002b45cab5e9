"""``crmctl targets set|list|rm``: sales targets that ``report performance`` measures."""

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
from crmctl.services.targets import list_targets, remove_target, set_target

app = new_app("Sales targets per salesperson or team, period and metric.")


@app.command("set")
def set_(
    ctx: typer.Context,
    subject: Annotated[str, typer.Argument(metavar="LOGIN|team:NAME", help="Who it is for.")],
    period: Annotated[
        str, typer.Option("--period", metavar="PERIOD", help="2027, 2027-Q1 or 2027-01.")
    ],
    metric: Annotated[
        str,
        typer.Option(
            "--metric",
            metavar="METRIC",
            help="won_value|won_count|new_deals|first_meetings|calls.",
        ),
    ],
    value: Annotated[
        str, typer.Option("--value", metavar="N", help="A count, or an amount for won_value.")
    ],
    currency: Annotated[
        str | None, typer.Option("--currency", help="won_value's currency (default CZK).")
    ] = None,
    output: Output = "table",
) -> None:
    """Set (or replace) a target; admins set anyone's, managers their people's and team's."""
    with service_context(ctx) as svc:
        record = set_target(svc, subject, period, metric, value, currency)
    info(f"target #{record['id']} set: {record['subject']} {record['period']} {record['metric']}")
    stdout_write_record(record, output)


@app.command("list")
def list_(
    ctx: typer.Context,
    period: Annotated[
        str | None, typer.Option("--period", help="Targets overlapping 2027, 2027-Q1, 2027-01.")
    ] = None,
    subject: Annotated[
        str | None, typer.Option("--for", metavar="LOGIN|team:NAME", help="Only these.")
    ] = None,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """List the targets you may read (your own; a manager's people's; all for admins)."""
    with service_context(ctx) as svc:
        records = list_targets(svc, period, subject)
    stdout_write_records(records, output, fields=fields)


@app.command("rm")
def rm(
    ctx: typer.Context,
    target_id: Annotated[int, typer.Argument(metavar="ID", help="The target's id.")],
) -> None:
    """Remove a target (who may set it may remove it)."""
    with service_context(ctx) as svc:
        record = remove_target(svc, target_id)
    info(f"target #{record['id']} removed ({record['subject']} {record['period']} "
         f"{record['metric']})")  # fmt: skip
