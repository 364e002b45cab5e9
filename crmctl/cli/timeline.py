"""``crmctl timeline company|contact|deal|lead ID``."""

import os
from typing import Annotated, Any, NamedTuple

import typer

from crmctl.cli.common import Fields, Output, info, new_app, read_context, stdout_write_records
from crmctl.cli.console import Console, console

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
Compact = Annotated[
    bool,
    typer.Option("--compact", help="One line per event: date, time, who, what (table only)."),
]
Before = Annotated[
    int | None, typer.Option("--before", help="Cursor: only events older than this event id.")
]


class Filters(NamedTuple):
    """What every ``timeline ENTITY`` takes to choose its events."""

    types: list[str] | None
    since: str | None
    until: str | None
    author: str | None
    limit: int
    before: int | None
    search: str | None


def _show(
    ctx: typer.Context,
    entity: str,
    ref: str,
    filters: Filters,
    output: str,
    fields: str | None,
    compact: bool,
) -> None:
    from crmctl.services.timeline import TimelineOptions, timeline_page

    types, since, until, author, limit, before, search = filters
    if compact and (output != "table" or fields):
        chosen = f"-o {output}" if output != "table" else "--fields"
        raise typer.BadParameter(
            f"--compact is a table layout; it does not combine with {chosen}",
            param_hint="--compact",
        )
    options = TimelineOptions(tuple(types or ()), since, until, author, limit, before, search)
    with read_context(ctx) as svc:
        page = timeline_page(svc, entity, ref, options)
        if output == "table" and not fields:
            # The story: days, local times, who and what in words (machine formats and
            # an explicit --fields keep the records' columns).
            _write_story(svc, page.events, entity, compact)
        else:
            stdout_write_records(
                page.events, output, fields=fields, table_fields=TABLE_FIELDS, tz=svc.tz
            )
    if page.next_before is not None:
        info(f"more: add --before {page.next_before} for the next page")


def _write_story(svc: Any, events: list[dict[str, Any]], entity: str, compact: bool) -> None:
    from crmctl.present import language
    from crmctl.services.timeline_story import story
    from crmctl.timeline_layout import compact_lines, story_lines

    if not events:
        console().write("(no records)\n")
        return
    lang = language(svc.settings)
    entries = story(svc, events, entity, lang)
    width = terminal_width(console())
    lines = compact_lines(entries, width) if compact else story_lines(entries, width, lang)
    console().write("\n".join(lines) + "\n")


def terminal_width(out: Console) -> int | None:
    """``COLUMNS``, else the terminal's width, else None (a pipe or a file: no limit)."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if not out.stdout_isatty:
        return None
    try:
        return os.get_terminal_size(out.stdout.fileno()).columns or None
    except (OSError, ValueError, AttributeError):
        return None


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
    compact: Compact = False,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """A company's timeline, with its contacts', leads', deals', tasks' and documents' events."""
    filters = Filters(type_, since, until, author, limit, before, search)
    _show(ctx, "company", ref, filters, output, fields, compact)


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
    compact: Compact = False,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """A contact's timeline, with its tasks, activities and documents."""
    filters = Filters(type_, since, until, author, limit, before, search)
    _show(ctx, "contact", ref, filters, output, fields, compact)


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
    compact: Compact = False,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """A deal's timeline: stage changes, updates, tasks, activities, documents."""
    filters = Filters(type_, since, until, author, limit, before, search)
    _show(ctx, "deal", ref, filters, output, fields, compact)


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
    compact: Compact = False,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """A lead's timeline: status changes, assignment, conversion, tasks, activities."""
    filters = Filters(type_, since, until, author, limit, before, search)
    _show(ctx, "lead", ref, filters, output, fields, compact)


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
    compact: Compact = False,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """A product's timeline: when it was added and every change of price or name."""
    filters = Filters(type_, since, until, author, limit, before, search)
    _show(ctx, "product", ref, filters, output, fields, compact)


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
    compact: Compact = False,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """A campaign's timeline: changes and launches."""
    filters = Filters(type_, since, until, author, limit, before, search)
    _show(ctx, "campaign", ref, filters, output, fields, compact)


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
    compact: Compact = False,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """A service's timeline: recorded, renewed (a new end date), changed."""
    filters = Filters(type_, since, until, author, limit, before, search)
    _show(ctx, "service", ref, filters, output, fields, compact)


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
    compact: Compact = False,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """An account plan's timeline: changes, stakeholders and its planned actions."""
    filters = Filters(type_, since, until, author, limit, before, search)
    _show(ctx, "plan", ref, filters, output, fields, compact)
