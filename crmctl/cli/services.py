"""``crmctl services add|list|show|edit|rm|expiring``: contracts and sales records."""

import re
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
    read_context,
    service_context,
    stdout_write_record,
    stdout_write_records,
    table_fields,
)
from crmctl.cli.reading import list_entity, show_entity
from crmctl.errors import CheckFailed, UsageError
from crmctl.services.contracts import add_service, edit_service, remove_service
from crmctl.services.contracts import expiring as expiring_services
from crmctl.services.listing import ListOptions

app = new_app("Services: our contracts, competitors' contracts and customers' purchases.")
add_apply_command(app, "service", "services")

ServiceRef = Annotated[str, typer.Argument(metavar="SERVICE", help="Service id.")]
Company = Annotated[str | None, typer.Option(help="Company id, IČO or name.")]
Name = Annotated[str | None, typer.Option(help="What it is, e.g. 'Servisní smlouva'.")]
Product = Annotated[str | None, typer.Option(help="Product code or id.")]
Kind = Annotated[str | None, typer.Option(help="ours|competitor|purchase.")]
Starts = Annotated[str | None, typer.Option(help="Start (a purchase: its day), e.g. 2027-01-01.")]
Ends = Annotated[str | None, typer.Option(help="Contract end date (last day).")]
NoticeDays = Annotated[
    str | None, typer.Option("--notice-days", help="Notice period in days before the end.")
]
Value = Annotated[str | None, typer.Option(help="Amount per billing period, e.g. '990 Kč'.")]
Currency = Annotated[str | None, typer.Option(help="Currency code (default CZK).")]
Billing = Annotated[str | None, typer.Option(help="once|monthly|quarterly|yearly.")]
Provider = Annotated[str | None, typer.Option(help="Who provides it (a competitor's name).")]
Serial = Annotated[str | None, typer.Option(help="Serial or licence number.")]
Note = Annotated[str | None, typer.Option(help="Free note.")]


@app.command("add")
def add(
    ctx: typer.Context,
    company: Company = None,
    name: Name = None,
    kind: Kind = None,
    product: Product = None,
    starts: Starts = None,
    ends: Ends = None,
    notice_days: NoticeDays = None,
    value: Value = None,
    currency: Currency = None,
    billing: Billing = None,
    provider: Provider = None,
    serial: Serial = None,
    note: Note = None,
    output: Output = "table",
) -> None:
    """Record a service: `services add --company 27184315 --name Podpora --kind ours
    --starts 2026-01-01 --ends 2026-12-31 --notice-days 60 --value 1500 --billing monthly`."""
    desired = _given(company=company, name=name, kind=kind, product=product, starts_on=starts,
                     ends_on=ends, notice_days=notice_days, value=value, currency=currency,
                     billing=billing, provider=provider, serial=serial, note=note)  # fmt: skip
    with service_context(ctx) as svc:
        record = add_service(svc, desired)
    info(f"service #{record['id']} {record['name']!r} added")
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
    """List services, e.g. --where 'kind = "ours" and ends_on < 2027-01-01'."""
    options = ListOptions(where, None, sort, limit)
    list_entity(ctx, "service", options, output, fields, view=view)


@app.command("show")
def show(
    ctx: typer.Context, service: ServiceRef, output: Output = "table", fields: Fields = None
) -> None:
    """Show a service."""
    show_entity(ctx, "service", service, output, fields)


@app.command("edit")
def edit(
    ctx: typer.Context,
    service: ServiceRef,
    company: Company = None,
    name: Name = None,
    kind: Kind = None,
    product: Product = None,
    starts: Starts = None,
    ends: Ends = None,
    notice_days: NoticeDays = None,
    value: Value = None,
    currency: Currency = None,
    billing: Billing = None,
    provider: Provider = None,
    serial: Serial = None,
    note: Note = None,
    output: Output = "table",
) -> None:
    """Change a service's fields (only those given); a renewal is a new --ends."""
    desired = _given(company=company, name=name, kind=kind, product=product, starts_on=starts,
                     ends_on=ends, notice_days=notice_days, value=value, currency=currency,
                     billing=billing, provider=provider, serial=serial, note=note)  # fmt: skip
    with service_context(ctx) as svc:
        record = edit_service(svc, service, desired)
    info(f"service #{record['id']} saved")
    stdout_write_record(record, output, tz=svc.tz)


@app.command("rm")
def rm(ctx: typer.Context, service: ServiceRef) -> None:
    """Remove a service (recorded by mistake; an ended contract keeps its end date)."""
    with service_context(ctx) as svc:
        record = remove_service(svc, service)
    info(f"service #{record['id']} {record['name']!r} removed")


@app.command("expiring")
def expiring(
    ctx: typer.Context,
    within: Annotated[
        str, typer.Option(help="From today to today + this many days, inclusive: 90d or 90.")
    ] = "90d",
    kind: Annotated[str | None, typer.Option(help="ours|competitor (default both).")] = None,
    fail_if_any: Annotated[
        bool, typer.Option("--fail-if-any", help="Exit 6 when any contract expires (for cron).")
    ] = False,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """Contracts ending from today to today + --within, with their notice deadline."""
    days = _days(within)
    with read_context(ctx) as svc:
        records = expiring_services(svc, days, kind.strip().lower() if kind else None)
    stdout_write_records(
        records, output, fields=fields, table_fields=table_fields("service"), tz=svc.tz
    )
    if fail_if_any and records:
        raise CheckFailed(f"{len(records)} contract(s) end within {days} days")


def _days(text: str) -> int:
    found = re.fullmatch(r"\s*(\d+)\s*d?\s*", text)
    if found is None:
        raise UsageError(f"--within {text!r}: a number of days, e.g. 90d")
    return int(found.group(1))


def _given(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}
