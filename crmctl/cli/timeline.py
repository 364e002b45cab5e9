"""``crmctl timeline company|contact|deal|lead ID``."""

from typing import Annotated

import typer

from crmctl.cli.common import Fields, Output, info, new_app, read_context, stdout_write_records

app = new_app("The timeline of a record: every change and activity, newest first.")
TABLE_FIELDS = ("id", "at", "actor", "subject", "kind", "summary")

Types = Annotated[
    list[str] | None,
    typer.Option("--type", "-t", help="Event kind, e.g. 'updated' or 'company.merged'."),
]
Since = Annotated[
    str | None, typer.Option("--since", help="From this date/time, e.g. 2026-01-01 or -30d.")
]
Until = Annotated[str | None, typer.Option("--until", help="Before this date/time.")]
Author = Annotated[str | None, typer.Option("--author", help="Only events by this login.")]
Limit = Annotated[int, typer.Option("--limit", "-n", help="Show at most N events.")]
TextSearch = Annotated[
    str | None,
    typer.Option("--search", "-s", help="Accent-insensitive text in the event (notes, values)."),
]
Before = Annotated[
    int | None, typer.Option("--before", help="Cursor: only events older than this event id.")
]


def _show(
    ctx: typer.Context,
    entity: str,
    ref: str,
    types: list[str] | None,
    since: str | None,
    until: str | None,
    author: str | None,
    limit: int,
    before: int | None,
    search: str | None,
    output: str,
    fields: str | None,
) -> None:
    from crmctl.services.timeline import TimelineOptions, timeline_page

    options = TimelineOptions(tuple(types or ()), since, until, author, limit, before, search)
    with read_context(ctx) as svc:
        page = timeline_page(svc, entity, ref, options)
    stdout_write_records(page.events, output, fields=fields, table_fields=TABLE_FIELDS, tz=svc.tz)
    if page.next_before is not None:
        info(f"more: add --before {page.next_before} for the next page")


@app.command("company")
def company(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Company id, IČO or name.")],
    type_: Types = None,
    since: Since = None,
    until: Until = None,
    author: Author = None,
    limit: Limit = 50,
    before: Before = None,
    search: TextSearch = None,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """A company's timeline, with its contacts', leads', deals', tasks' and documents' events."""
    _show(ctx, "company", ref, type_, since, until, author, limit, before, search, output, fields)


@app.command("contact")
def contact(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Contact id, e-mail or name.")],
    type_: Types = None,
    since: Since = None,
    until: Until = None,
    author: Author = None,
    limit: Limit = 50,
    before: Before = None,
    search: TextSearch = None,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """A contact's timeline, with its tasks, activities and documents."""
    _show(ctx, "contact", ref, type_, since, until, author, limit, before, search, output, fields)


@app.command("deal")
def deal(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Deal id.")],
    type_: Types = None,
    since: Since = None,
    until: Until = None,
    author: Author = None,
    limit: Limit = 50,
    before: Before = None,
    search: TextSearch = None,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """A deal's timeline: stage changes, updates, tasks, activities, documents."""
    _show(ctx, "deal", ref, type_, since, until, author, limit, before, search, output, fields)


@app.command("lead")
def lead(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Lead id.")],
    type_: Types = None,
    since: Since = None,
    until: Until = None,
    author: Author = None,
    limit: Limit = 50,
    before: Before = None,
    search: TextSearch = None,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """A lead's timeline: status changes, assignment, conversion, tasks, activities."""
    _show(ctx, "lead", ref, type_, since, until, author, limit, before, search, output, fields)


@app.command("product")
def product(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Product id or code.")],
    type_: Types = None,
    since: Since = None,
    until: Until = None,
    author: Author = None,
    limit: Limit = 50,
    before: Before = None,
    search: TextSearch = None,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """A product's timeline: when it was added and every change of price or name."""
    _show(ctx, "product", ref, type_, since, until, author, limit, before, search, output, fields)


@app.command("campaign")
def campaign(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Campaign id or name.")],
    type_: Types = None,
    since: Since = None,
    until: Until = None,
    author: Author = None,
    limit: Limit = 50,
    before: Before = None,
    search: TextSearch = None,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """A campaign's timeline: changes and launches."""
    _show(ctx, "campaign", ref, type_, since, until, author, limit, before, search, output, fields)


@app.command("service")
def service(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Service id.")],
    type_: Types = None,
    since: Since = None,
    until: Until = None,
    author: Author = None,
    limit: Limit = 50,
    before: Before = None,
    search: TextSearch = None,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """A service's timeline: recorded, renewed (a new end date), changed."""
    _show(ctx, "service", ref, type_, since, until, author, limit, before, search, output, fields)


@app.command("plan")
def plan(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Account plan id.")],
    type_: Types = None,
    since: Since = None,
    until: Until = None,
    author: Author = None,
    limit: Limit = 50,
    before: Before = None,
    search: TextSearch = None,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """An account plan's timeline: changes, stakeholders and its planned actions."""
    _show(ctx, "plan", ref, type_, since, until, author, limit, before, search, output, fields)
