"""``crmctl companies add|list|show|edit|rm|merge``."""

from typing import Annotated, Any

import typer

from crmctl.cli.common import (
    Fields,
    IncludeDeleted,
    Limit,
    Output,
    Search,
    SetValues,
    Sort,
    UnsetValues,
    View,
    Where,
    info,
    new_app,
    parse_assignments,
    read_context,
    service_context,
    stdout_write_record,
    stdout_write_records,
)
from crmctl.cli.console import console
from crmctl.cli.reading import list_entity, read_record
from crmctl.phone_display import format_phone_national

app = new_app("Companies (firms) of the address book.")

CompanyRef = Annotated[str, typer.Argument(metavar="COMPANY", help="Company id, IČO or name.")]
Opt = Annotated[str | None, typer.Option()]
Tags = Annotated[list[str] | None, typer.Option("--tag", help="Add a tag (repeatable).")]
Owner = Annotated[str | None, typer.Option("--owner", help="Owner's login (default: you).")]
TIMELINE_FIELDS = ("at", "actor", "subject", "kind", "summary")


def phone_formatters() -> dict[str, Any]:
    def national(value: Any) -> str:
        if isinstance(value, list):
            return ", ".join(format_phone_national(v) for v in value)
        return format_phone_national(value) if value else ""

    return {"phone": national, "phones": national, "companies": _company_links}


def _company_links(links: Any) -> str:
    """``Acme s.r.o. (#1, jednatel, primary); Beta a.s. (#2)`` for a contact's card."""
    shown = []
    for link in links or []:
        details = [f"#{link['id']}", link.get("role"), "primary" if link.get("primary") else None]
        shown.append(f"{link['name']} ({', '.join(d for d in details if d)})")
    return "; ".join(shown)


def _input(
    values: dict[str, str | None],
    owner: str | None,
    tags: list[str] | None,
    untags: list[str] | None,
    set_values: list[str] | None,
    unset_values: list[str] | None,
) -> Any:
    from crmctl.services.companies import CompanyInput

    return CompanyInput(
        values={key: value for key, value in values.items() if value is not None},
        owner=owner,
        tags_add=tags or [],
        tags_remove=untags or [],
        custom_set=parse_assignments(set_values),
        custom_unset=unset_values or [],
    )


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="Company name.")],
    ico: Annotated[str | None, typer.Option("--ico", help="IČO (8 digits, checked).")] = None,
    dic: Annotated[str | None, typer.Option("--dic", help="DIČ, e.g. CZ27082440.")] = None,
    street: Opt = None,
    city: Opt = None,
    psc: Annotated[str | None, typer.Option("--psc", help="PSČ; sets region.")] = None,
    region: Annotated[str | None, typer.Option(help="Kraj (else from PSČ).")] = None,
    country: Opt = None,
    industry: Opt = None,
    website: Opt = None,
    phone: Opt = None,
    email: Opt = None,
    owner: Owner = None,
    tag: Tags = None,
    set_values: SetValues = None,
    output: Output = "table",
) -> None:
    """Add a company."""
    from crmctl.services.companies import add_company

    values = dict(
        name=name, ico=ico, dic=dic, street=street, city=city, psc=psc, region=region,
        country=country, industry=industry, website=website, phone=phone, email=email,
    )  # fmt: skip
    with service_context(ctx) as svc:
        record = add_company(svc, _input(values, owner, tag, None, set_values, None))
    info(f"company #{record['id']} {record['name']} added")
    stdout_write_record(record, output, formatters=phone_formatters(), tz=svc.tz)


@app.command("list")
def list_(
    ctx: typer.Context,
    where: Where = None,
    view: View = None,
    search: Search = None,
    sort: Sort = None,
    limit: Limit = None,
    include_deleted: IncludeDeleted = False,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """List companies."""
    from crmctl.services.listing import ListOptions

    options = ListOptions(where, search, sort, limit, include_deleted)
    list_entity(
        ctx, "company", options, output, fields, view=view,
        formatters=phone_formatters(),
    )  # fmt: skip


@app.command("show")
def show(
    ctx: typer.Context,
    company: CompanyRef,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """Show a company; as a table also its contacts and latest timeline."""
    from crmctl.services.read.records import contacts_of_company
    from crmctl.services.service_records import company_services
    from crmctl.services.timeline import TimelineOptions, timeline

    with read_context(ctx) as svc:
        record = read_record(svc, "company", company)
        people = contacts_of_company(svc, record["id"]) if output.tabular else []
        services = company_services(svc, record["id"]) if output.tabular else []
        events = (
            timeline(svc, "company", str(record["id"]), TimelineOptions(limit=10))
            if output.tabular and not fields
            else []
        )
    stdout_write_record(record, output, fields=fields, formatters=phone_formatters(), tz=svc.tz)
    if not output.tabular or fields:
        return
    console().write("\nContacts\n")
    stdout_write_records(
        people, output, formatters=phone_formatters(), tz=svc.tz,
        table_fields=("id", "name", "role", "function", "emails", "phones"),
    )  # fmt: skip
    if services:  # a section only for customers with services: the card stays short
        console().write("\nServices\n")
        stdout_write_records(services, output, table_fields=SERVICE_FIELDS, tz=svc.tz)
    console().write("\nTimeline (latest 10; `crmctl timeline company ID` for all)\n")
    stdout_write_records(events, output, table_fields=TIMELINE_FIELDS, tz=svc.tz)


SERVICE_FIELDS = ("id", "name", "kind", "product", "ends_on", "notice_deadline", "value", "billing")


@app.command("edit")
def edit(
    ctx: typer.Context,
    company: CompanyRef,
    name: Opt = None,
    ico: Annotated[str | None, typer.Option("--ico", help="IČO ('' clears).")] = None,
    dic: Opt = None,
    street: Opt = None,
    city: Opt = None,
    psc: Opt = None,
    region: Opt = None,
    country: Opt = None,
    industry: Opt = None,
    website: Opt = None,
    phone: Opt = None,
    email: Opt = None,
    owner: Owner = None,
    tag: Tags = None,
    untag: Annotated[list[str] | None, typer.Option("--untag", help="Remove a tag.")] = None,
    set_values: SetValues = None,
    unset_values: UnsetValues = None,
    output: Output = "table",
) -> None:
    """Change a company; an empty value ('') clears a field."""
    from crmctl.services.companies import edit_company

    values = dict(
        name=name, ico=ico, dic=dic, street=street, city=city, psc=psc, region=region,
        country=country, industry=industry, website=website, phone=phone, email=email,
    )  # fmt: skip
    data = _input(values, owner, tag, untag, set_values, unset_values)
    with service_context(ctx) as svc:
        record = edit_company(svc, company, data)
    stdout_write_record(record, output, formatters=phone_formatters(), tz=svc.tz)


@app.command("rm")
def rm(
    ctx: typer.Context,
    company: CompanyRef,
    purge: Annotated[
        bool, typer.Option("--purge", help="Delete for good instead of a soft delete.")
    ] = False,
) -> None:
    """Remove a company (soft delete; --purge removes it for good)."""
    from crmctl.services.companies import remove_company

    with service_context(ctx) as svc:
        record = remove_company(svc, company, purge=purge)
    info(f"company #{record['id']} {record['name']} {'purged' if purge else 'removed'}")


@app.command("merge")
def merge(
    ctx: typer.Context,
    keep: Annotated[str, typer.Argument(help="The company that stays.")],
    duplicate: Annotated[str, typer.Argument(help="The duplicate merged into KEEP.")],
    output: Output = "table",
) -> None:
    """Merge DUPLICATE into KEEP: contacts, tags, events and blanks move to KEEP."""
    from crmctl.services.companies import merge_companies

    with service_context(ctx) as svc:
        record = merge_companies(svc, keep, duplicate)
    info(f"merged into company #{record['id']} {record['name']}")
    stdout_write_record(record, output, formatters=phone_formatters(), tz=svc.tz)
