"""``crmctl leads add|list|show|assign|status|convert|reject``."""

import sys
from typing import Annotated, Any

import typer

from crmctl.cli.common import (
    Fields,
    IncludeDeleted,
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
    table_fields,
)
from crmctl.cli.reading import list_entity, show_entity

app = new_app("Leads (poptávky): inquiries with an owner and a status from the start.")

LeadRef = Annotated[str, typer.Argument(metavar="LEAD", help="Lead id.")]
Opt = Annotated[str | None, typer.Option()]


@app.command("add")
def add(
    ctx: typer.Context,
    json_input: Annotated[
        str | None,
        typer.Option(
            "--json",
            metavar="FILE",
            help="Read web-form JSON (one object or JSON lines); '-' = stdin.",
        ),
    ] = None,
    source: Annotated[
        str | None, typer.Option(help="web|email|phone|import|campaign|manual.")
    ] = None,
    subject: Opt = None,
    product: Opt = None,
    region: Opt = None,
    name: Annotated[str | None, typer.Option("--name", help="Sender's name.")] = None,
    email: Annotated[str | None, typer.Option("--email", help="Sender's e-mail.")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="Sender's phone.")] = None,
    company: Annotated[str | None, typer.Option("--company", help="Sender's company.")] = None,
    ico: Annotated[str | None, typer.Option("--ico", help="Sender's IČO.")] = None,
    message: Opt = None,
    campaign: Opt = None,
    received_at: Annotated[str | None, typer.Option(help="When it came in (default: now).")] = None,
    owner: Annotated[str | None, typer.Option(help="Owner's login (default: you).")] = None,
    output: Output = "table",
) -> None:
    """Add a lead from options, or from web-form JSON with --json -."""
    from crmctl.services.leads import add_lead, add_leads_from_json

    if json_input is not None:
        source_name = "-" if json_input == "-" else json_input
        text = sys.stdin.read() if json_input == "-" else _read(json_input)
        with service_context(ctx) as svc:
            records = add_leads_from_json(svc, text, source_name, default_source=source or "web")
        info(f"{len(records)} lead(s) added: " + " ".join(f"#{r['id']}" for r in records))
        stdout_write_records(records, output, table_fields=table_fields("lead"), tz=svc.tz)
        return
    desired: dict[str, Any] = {
        key: value
        for key, value in dict(
            source=source, subject=subject, product=product, region=region, contact_name=name,
            contact_email=email, contact_phone=phone, company_name=company, ico=ico,
            message=message, campaign=campaign, received_at=received_at, owner=owner,
        ).items()
        if value is not None
    }  # fmt: skip
    with service_context(ctx) as svc:
        record = add_lead(svc, desired)
    info(f"lead #{record['id']} added")
    stdout_write_record(record, output, tz=svc.tz)


def _read(path: str) -> str:
    from pathlib import Path

    from crmctl.cli.common import read_input_file as _read_file

    return _read_file(Path(path))


@app.command("list")
def list_(
    ctx: typer.Context,
    where: Where = None,
    view: View = None,
    sort: Sort = None,
    limit: Limit = None,
    include_deleted: IncludeDeleted = False,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """List leads, e.g. --where 'status = "new" and received_at < -2d'."""
    from crmctl.services.listing import ListOptions

    options = ListOptions(where, None, sort, limit, include_deleted)
    list_entity(ctx, "lead", options, output, fields, view=view)


@app.command("show")
def show(
    ctx: typer.Context, lead: LeadRef, output: Output = "table", fields: Fields = None
) -> None:
    """Show a lead."""
    show_entity(ctx, "lead", lead, output, fields)


@app.command("assign")
def assign(
    ctx: typer.Context,
    lead: LeadRef,
    owner: Annotated[str, typer.Argument(metavar="LOGIN", help="The new owner's login.")],
    output: Output = "table",
) -> None:
    """Give a lead to another owner."""
    from crmctl.services.leads import assign_lead

    with service_context(ctx) as svc:
        record = assign_lead(svc, lead, owner)
    info(f"lead #{record['id']} assigned to {record['owner']}")
    stdout_write_record(record, output, tz=svc.tz)


@app.command("status")
def status(
    ctx: typer.Context,
    lead: LeadRef,
    new_status: Annotated[str, typer.Argument(metavar="STATUS", help="contacted|qualified.")],
    output: Output = "table",
) -> None:
    """Mark a lead contacted or qualified (the first change stamps the response time)."""
    from crmctl.services.leads import set_status

    with service_context(ctx) as svc:
        record = set_status(svc, lead, new_status)
    info(f"lead #{record['id']} is {record['status']}")
    stdout_write_record(record, output, tz=svc.tz)


@app.command("convert")
def convert(
    ctx: typer.Context,
    lead: LeadRef,
    title: Annotated[str | None, typer.Option(help="Deal title (default: the subject).")] = None,
    value: Annotated[str | None, typer.Option(help="Deal value, e.g. '250 000 Kč'.")] = None,
    expected_close: Annotated[str | None, typer.Option(help="e.g. 2026-06-30.")] = None,
    pipeline: Annotated[str | None, typer.Option(help="Pipeline key.")] = None,
    stage: Annotated[str | None, typer.Option(help="First stage of the deal.")] = None,
    output: Output = "table",
) -> None:
    """Convert a lead: reuse or create its company and person, and open a deal."""
    from crmctl.services.leads import convert_lead

    fields = dict(
        title=title, value=value, expected_close=expected_close, pipeline=pipeline, stage=stage
    )
    with service_context(ctx) as svc:
        result = convert_lead(svc, lead, fields)
    deal = result["deal"]
    info(f"lead #{result['lead']['id']} converted into deal #{deal['id']} {deal['title']}")
    stdout_write_record(result["lead"], output, tz=svc.tz)


@app.command("reject")
def reject(
    ctx: typer.Context,
    lead: LeadRef,
    reason: Annotated[str, typer.Option("--reason", help="Why (required).")],
    output: Output = "table",
) -> None:
    """Reject a lead with a reason."""
    from crmctl.services.leads import reject_lead

    with service_context(ctx) as svc:
        record = reject_lead(svc, lead, reason)
    info(f"lead #{record['id']} rejected")
    stdout_write_record(record, output, tz=svc.tz)
