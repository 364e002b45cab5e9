"""``crmctl campaigns add|list|show|edit|rm|launch``."""

from typing import Annotated, Any

import typer

from crmctl.cli.applying import add_apply_command
from crmctl.cli.common import (
    Fields,
    Limit,
    Output,
    Sort,
    View,
    Where,
    info,
    new_app,
    service_context,
    stdout_write_record,
    stdout_write_records,
)
from crmctl.cli.progress import progress_for
from crmctl.cli.reading import list_entity, show_entity
from crmctl.services.campaigns import (
    LaunchOptions,
    add_campaign,
    edit_campaign,
    launch_campaign,
    remove_campaign,
)
from crmctl.services.listing import ListOptions

app = new_app("Campaigns: open leads for a chosen set of companies, see what they brought.")
add_apply_command(app, "campaign", "campaigns")

CampaignRef = Annotated[str, typer.Argument(metavar="CAMPAIGN", help="Campaign id or name.")]
Opt = Annotated[str | None, typer.Option()]
Description = Annotated[str | None, typer.Option(help="What the campaign offers.")]
Product = Annotated[str | None, typer.Option(help="Product code or id.")]
Starts = Annotated[str | None, typer.Option(help="First day, e.g. 2027-03-01.")]
Ends = Annotated[str | None, typer.Option(help="Last day.")]
Budget = Annotated[str | None, typer.Option(help="Budget, e.g. '50 000 Kč'.")]
Owner = Annotated[str | None, typer.Option(help="Owner's login (default: you).")]
LAUNCH_FIELDS = ("action", "company_id", "company", "lead_id", "owner", "reason")


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="Unique campaign name.")],
    description: Description = None,
    product: Product = None,
    starts: Starts = None,
    ends: Ends = None,
    budget: Budget = None,
    owner: Owner = None,
    output: Output = "table",
) -> None:
    """Add a campaign (managers and admins)."""
    desired = _given(name=name, description=description, product=product, starts_on=starts,
                     ends_on=ends, budget=budget, owner=owner)  # fmt: skip
    with service_context(ctx) as svc:
        record = add_campaign(svc, desired)
    info(f"campaign #{record['id']} {record['name']!r} added")
    stdout_write_record(record, output, tz=svc.tz)


@app.command("list")
def list_(
    ctx: typer.Context,
    where: Where = None,
    view: View = None,
    sort: Sort = None,
    limit: Limit = None,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """List campaigns, e.g. --where 'launched_at is null'."""
    options = ListOptions(where, None, sort, limit)
    list_entity(ctx, "campaign", options, output, fields, view=view)


@app.command("show")
def show(
    ctx: typer.Context, campaign: CampaignRef, output: Output = "table", fields: Fields = None
) -> None:
    """Show a campaign."""
    show_entity(ctx, "campaign", campaign, output, fields)


@app.command("edit")
def edit(
    ctx: typer.Context,
    campaign: CampaignRef,
    name: Annotated[str | None, typer.Option(help="New name.")] = None,
    description: Description = None,
    product: Product = None,
    starts: Starts = None,
    ends: Ends = None,
    budget: Budget = None,
    owner: Owner = None,
    output: Output = "table",
) -> None:
    """Change a campaign's fields (only those given; '' clears one)."""
    desired = _given(name=name, description=description, product=product, starts_on=starts,
                     ends_on=ends, budget=budget, owner=owner)  # fmt: skip
    with service_context(ctx) as svc:
        record = edit_campaign(svc, campaign, desired)
    info(f"campaign #{record['id']} saved")
    stdout_write_record(record, output, tz=svc.tz)


@app.command("rm")
def rm(ctx: typer.Context, campaign: CampaignRef) -> None:
    """Remove a campaign that has no leads or deals yet."""
    with service_context(ctx) as svc:
        record = remove_campaign(svc, campaign)
    info(f"campaign #{record['id']} {record['name']!r} removed")


@app.command("launch")
def launch(
    ctx: typer.Context,
    campaign: CampaignRef,
    where: Annotated[
        str | None,
        typer.Option("--where", "-w", metavar="EXPR", help="Companies to open leads for."),
    ] = None,
    view: View = None,
    assign: Annotated[
        str, typer.Option(help="owner | round_robin:LOGIN,LOGIN | territory.")
    ] = "owner",
    task: Annotated[str | None, typer.Option(help="A follow-up task per lead: TITLE.")] = None,
    due: Annotated[str | None, typer.Option(help="The task's due date, e.g. +5d.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would open.")] = False,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """Open one lead per matching company (a second launch opens only new matches)."""
    options = LaunchOptions(where, view, assign, task, due, dry_run)
    with progress_for(ctx, "launch", "leads") as progress, service_context(ctx) as svc:
        result = launch_campaign(svc, campaign, options, progress)
    stdout_write_records(
        result.rows(), output, fields=fields, table_fields=LAUNCH_FIELDS, tz=svc.tz
    )
    verb = "would open" if dry_run else "opened"
    info(f"campaign #{result.campaign['id']}: {verb} {len(result.opened)} lead(s), "
         f"skipped {len(result.skipped)} compan{'y' if len(result.skipped) == 1 else 'ies'}"
         + (" (dry run: nothing written)" if dry_run else ""))  # fmt: skip


def _given(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}
