"""``crmctl plans add|list|show|edit``, ``plans stakeholder add``, ``plans action add``."""

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
)
from crmctl.cli.console import console
from crmctl.cli.reading import list_entity
from crmctl.services.listing import ListOptions
from crmctl.services.plans import add_action, add_plan, add_stakeholder, edit_plan, plan_detail

app = new_app("Account plans: goals, stakeholders, actions and whitespace.")
add_apply_command(app, "plan", "plans")
stakeholder_app = new_app("A plan's stakeholders: who decides at the customer.")
action_app = new_app("A plan's planned actions: tasks linked to the plan.")
app.add_typer(stakeholder_app, name="stakeholder")
app.add_typer(action_app, name="action")

PlanRef = Annotated[str, typer.Argument(metavar="PLAN", help="Account plan id.")]
Period = Annotated[str | None, typer.Option(help="Year (2027), quarter (2027-Q1) or month.")]
Goal = Annotated[str | None, typer.Option(help="What the plan is to achieve.")]
Target = Annotated[
    str | None, typer.Option("--target-value", help="Won value to reach, e.g. '500 000 Kč'.")
]
Owner = Annotated[str | None, typer.Option(help="Owner's login (default: the company's).")]
STAKEHOLDER_FIELDS = ("contact_id", "name", "role", "attitude", "last_contact_at", "quiet")
ACTION_FIELDS = ("task_id", "subject", "due_at", "done", "overdue")
WHITESPACE_FIELDS = ("code", "name", "billing", "list_price")


@app.command("add")
def add(
    ctx: typer.Context,
    company: Annotated[str, typer.Argument(metavar="COMPANY", help="Company id, IČO or name.")],
    period: Period = None,
    goal: Goal = None,
    target_value: Target = None,
    owner: Owner = None,
    output: Output = "table",
) -> None:
    """Add an account plan: `plans add 27184315 --period 2027 --target-value 500000`."""
    desired = _given(period=period, goal=goal, target_value=target_value, owner=owner)
    with service_context(ctx) as svc:
        record = add_plan(svc, company, desired)
    info(f"account plan #{record['id']} for {record['company']} {record['period']} added")
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
    """List account plans, e.g. --where 'period = "2027"'."""
    list_entity(ctx, "plan", ListOptions(where, None, sort, limit), output, fields, view=view)


@app.command("show")
def show(
    ctx: typer.Context, plan: PlanRef, output: Output = "table", fields: Fields = None
) -> None:
    """Show a plan with its progress: won value in the period against the target, open
    pipeline, actions done and overdue, stakeholders without contact in 90 days, and
    whitespace (catalogue products the customer neither has nor is offered)."""
    with read_context(ctx) as svc:
        detail = plan_detail(svc, plan)
    if not output.tabular or fields:
        stdout_write_record(detail, output, fields=fields, tz=svc.tz)
        return
    sections = {key: detail.pop(key) for key in ("progress", "stakeholders", "actions")}
    space = detail.pop("whitespace")
    stdout_write_record(detail, output, tz=svc.tz)
    console().write("\nProgress\n")
    stdout_write_record(sections["progress"], output, tz=svc.tz)
    for title, rows, columns in (
        ("Stakeholders", sections["stakeholders"], STAKEHOLDER_FIELDS),
        ("Actions", sections["actions"], ACTION_FIELDS),
        ("Whitespace", space, WHITESPACE_FIELDS),
    ):
        console().write(f"\n{title}\n")
        stdout_write_records(rows, output, table_fields=columns, tz=svc.tz)


@app.command("edit")
def edit(
    ctx: typer.Context,
    plan: PlanRef,
    period: Period = None,
    goal: Goal = None,
    target_value: Target = None,
    owner: Owner = None,
    output: Output = "table",
) -> None:
    """Change a plan's fields (only those given)."""
    desired = _given(period=period, goal=goal, target_value=target_value, owner=owner)
    with service_context(ctx) as svc:
        record = edit_plan(svc, plan, desired)
    info(f"account plan #{record['id']} saved")
    stdout_write_record(record, output, tz=svc.tz)


@stakeholder_app.command("add")
def stakeholder_add(
    ctx: typer.Context,
    plan: PlanRef,
    contact: Annotated[str, typer.Argument(metavar="CONTACT", help="Contact id, e-mail or name.")],
    role: Annotated[str, typer.Option(help="decision-maker|influencer|user|blocker.")],
    attitude: Annotated[str, typer.Option(help="supporter|neutral|opponent.")],
) -> None:
    """Add a stakeholder to a plan."""
    with service_context(ctx) as svc:
        entry = add_stakeholder(svc, plan, contact, role, attitude)
    info(f"contact #{entry['contact_id']} added to plan #{plan} as {entry['role']}")


@action_app.command("add")
def action_add(
    ctx: typer.Context,
    plan: PlanRef,
    subject: Annotated[str, typer.Argument(metavar="SUBJECT", help="What to do.")],
    due: Annotated[str | None, typer.Option(help="Due date or time: 2027-03-31, +5d.")] = None,
    assignee: Annotated[str | None, typer.Option(help="Assignee's login (default: you).")] = None,
    output: Output = "table",
) -> None:
    """Plan an action: a task about the plan's company, linked to the plan."""
    with service_context(ctx) as svc:
        record = add_action(svc, plan, subject, due_at=due, assignee=assignee)
    info(f"task #{record['id']} planned for plan #{plan}")
    stdout_write_record(record, output, tz=svc.tz)


def _given(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}
