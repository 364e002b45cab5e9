"""``crmctl tasks add|list|show|edit|done|overdue|agenda|export-ics``."""

from typing import Annotated

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
    read_context,
    service_context,
    stdout_write_grouped,
    stdout_write_record,
    stdout_write_records,
    table_fields,
    write_output_file,
)
from crmctl.cli.console import console
from crmctl.cli.reading import list_entity, show_entity

app = new_app("Tasks, calls and meetings (úkoly): due dates, overdue lists, agenda, .ics.")

TaskRef = Annotated[str, typer.Argument(metavar="TASK", help="Task id.")]
AGENDA_FIELDS = ("time", "id", "kind", "priority", "subject", "company", "contact", "deal")
WEEKDAYS = ("pondělí", "úterý", "středa", "čtvrtek", "pátek", "sobota", "neděle")

Due = Annotated[
    str | None,
    typer.Option(help="Due date (all day) or time: 2026-03-31, 2026-03-31T10:00, +2d, +3h."),
]
Start = Annotated[
    str | None, typer.Option(help="Start of a call or meeting, e.g. 2026-03-31T10:00.")
]
End = Annotated[str | None, typer.Option(help="End (default: 30 minutes after the start).")]
Priority = Annotated[str | None, typer.Option(help="high|normal|low.")]
Assignee = Annotated[str | None, typer.Option(help="Assignee's login (default: you).")]
Reminder = Annotated[
    str | None, typer.Option(help="Reminder before the task (15m, 1h, 1d) or a time.")
]
Owner = Annotated[str | None, typer.Option("--owner", help="Only tasks assigned to this login.")]
Team = Annotated[str | None, typer.Option("--team", help="Only tasks of this team's members.")]


@app.command("add")
def add(
    ctx: typer.Context,
    subject: Annotated[str, typer.Argument(help="What to do, e.g. 'Zavolat kvůli nabídce'.")],
    kind: Annotated[str, typer.Option(help="task|call|meeting.")] = "task",
    body: Annotated[str | None, typer.Option(help="Details.")] = None,
    due: Due = None,
    start: Start = None,
    end: End = None,
    priority: Priority = "normal",
    assignee: Assignee = None,
    company: Annotated[str | None, typer.Option(help="Company id, IČO or name.")] = None,
    contact: Annotated[str | None, typer.Option(help="Contact id, e-mail or name.")] = None,
    lead: Annotated[str | None, typer.Option(help="Lead id.")] = None,
    deal: Annotated[str | None, typer.Option(help="Deal id.")] = None,
    reminder: Reminder = None,
    output: Output = "table",
) -> None:
    """Add a task, call or meeting."""
    from crmctl.services.tasks import add_task

    with service_context(ctx) as svc:
        record = add_task(
            svc, subject, kind=kind, body=body, due_at=due, start_at=start, end_at=end,
            priority=priority or "normal", assignee=assignee, company=company,
            contact=contact, lead=lead, deal=deal, reminder=reminder,
        )  # fmt: skip
    info(f"task #{record['id']} added")
    stdout_write_record(record, output, tz=svc.tz)


@app.command("list")
def list_(
    ctx: typer.Context,
    where: Where = None,
    view: View = None,
    owner: Owner = None,
    team: Team = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only tasks not done.")] = False,
    sort: Sort = None,
    limit: Limit = None,
    include_deleted: IncludeDeleted = False,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """List tasks, soonest due first, e.g. --where 'kind = "call" and due_at < +7d'."""
    from crmctl.services.listing import ListOptions
    from crmctl.services.task_records import task_conditions

    options = ListOptions(where, None, sort, limit, include_deleted)
    list_entity(
        ctx, "task", options, output, fields, view=view,
        narrow=lambda svc: task_conditions(svc, owner=owner, team=team, open_only=open_only),
    )  # fmt: skip


@app.command("show")
def show(
    ctx: typer.Context, task: TaskRef, output: Output = "table", fields: Fields = None
) -> None:
    """Show a task."""
    show_entity(ctx, "task", task, output, fields)


@app.command("edit")
def edit(
    ctx: typer.Context,
    task: TaskRef,
    subject: Annotated[str | None, typer.Option(help="New subject.")] = None,
    body: Annotated[str | None, typer.Option(help="New details ('' clears them).")] = None,
    due: Due = None,
    start: Start = None,
    end: End = None,
    priority: Priority = None,
    assignee: Assignee = None,
    reminder: Reminder = None,
    output: Output = "table",
) -> None:
    """Change a task; its calendar event keeps its UID and gets a higher SEQUENCE."""
    from crmctl.services.tasks import edit_task

    with service_context(ctx) as svc:
        record = edit_task(
            svc, task, subject=subject, body=body, due_at=due, start_at=start, end_at=end,
            priority=priority, assignee=assignee, reminder=reminder,
        )  # fmt: skip
    info(f"task #{record['id']} saved")
    stdout_write_record(record, output, tz=svc.tz)


@app.command("done")
def done(
    ctx: typer.Context,
    task: TaskRef,
    note: Annotated[str | None, typer.Option("--note", help="How it went.")] = None,
    output: Output = "table",
) -> None:
    """Mark a task done."""
    from crmctl.services.tasks import complete_task

    with service_context(ctx) as svc:
        record = complete_task(svc, task, note=note)
    info(f"task #{record['id']} done")
    stdout_write_record(record, output, tz=svc.tz)


@app.command("overdue")
def overdue(
    ctx: typer.Context,
    owner: Owner = None,
    team: Team = None,
    fail_if_any: Annotated[
        bool, typer.Option("--fail-if-any", help="Exit 6 when any task is overdue (for cron).")
    ] = False,
    limit: Limit = None,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """Open tasks past due (all-day ones from the next day on), oldest first."""
    from crmctl.errors import CheckFailed
    from crmctl.services.task_records import overdue_tasks

    # Run from cron for every user: no ORM on this path (issue 5, tests/e2e check it).
    with read_context(ctx) as svc:
        records = overdue_tasks(svc, owner=owner, team=team, limit=limit)
    stdout_write_records(
        records, output, fields=fields, table_fields=table_fields("task"), tz=svc.tz
    )
    if fail_if_any and records:
        raise CheckFailed(
            f"{len(records)} overdue task(s); finish them with `crmctl tasks done ID`"
        )


@app.command("agenda")
def agenda(
    ctx: typer.Context,
    days: Annotated[int, typer.Option("--days", help="How many days from today.")] = 7,
    owner: Owner = None,
    team: Team = None,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """Your open tasks for the next days, grouped by day in the configured time zone."""
    from crmctl.services.tasks import agenda as agenda_service

    with service_context(ctx) as svc:
        records = agenda_service(svc, days=days, owner=owner, team=team)
    stdout_write_grouped(
        records, output, group_by="day", fields=fields,
        table_fields=AGENDA_FIELDS, tz=svc.tz, screen=console().screen(),
        heading=lambda day: f"{day.isoformat()} {WEEKDAYS[day.weekday()]}",
    )  # fmt: skip


@app.command("export-ics")
def export_ics(
    ctx: typer.Context,
    output_file: Annotated[
        str, typer.Option("--output", metavar="FILE", help="The .ics file to write; '-' = stdout.")
    ],
    owner: Owner = None,
    team: Team = None,
    include_done: Annotated[
        bool, typer.Option("--include-done", help="Also tasks already done (marked ✓).")
    ] = False,
) -> None:
    """Export tasks as an iCalendar file; re-imports update events (stable UIDs)."""
    from crmctl.ics import render_ics
    from crmctl.services.tasks import calendar_export

    with service_context(ctx) as svc:
        export = calendar_export(svc, owner=owner, team=team, include_done=include_done)
    data = render_ics(export)
    if output_file == "-":
        console().write_bytes(data)
        return
    write_output_file(output_file, data)
    info(f"{len(export.tasks)} task(s) written to {output_file}")
