"""``crmctl deals add|list|show|move|win|lose|update|apply``."""

import sys
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
from crmctl.cli.progress import progress_for
from crmctl.cli.reading import list_entity, read_record

app = new_app("Deals (obchodní případy): stages, values, owners, forecast.")

DealRef = Annotated[str, typer.Argument(metavar="DEAL", help="Deal id.")]
Reason = Annotated[str | None, typer.Option("--reason", help="Why it was won or lost.")]
Opt = Annotated[str | None, typer.Option()]
HISTORY_FIELDS = ("stage", "entered_at", "left_at", "days", "by")
TIMELINE_FIELDS = ("at", "actor", "kind", "summary")


def formatters() -> dict[str, Any]:
    def contacts(value: Any) -> str:
        return "; ".join(
            f"{c['name']} (#{c['id']}{', ' + c['role'] if c.get('role') else ''})"
            for c in value or []
        )

    def money(value: Any) -> str:
        return "" if value is None else f"{value:,.2f}".replace(",", " ").replace(".", ",")

    return {"contacts": contacts, "value": money}


@app.command("add")
def add(
    ctx: typer.Context,
    title: Annotated[str, typer.Option("--title", help="What is being sold.")],
    company: Annotated[str | None, typer.Option(help="Company id, IČO or name.")] = None,
    value: Annotated[
        str | None, typer.Option(help="Amount, e.g. '1 250 000,50', '12 000 Kč', '€1,200'.")
    ] = None,
    currency: Annotated[str | None, typer.Option(help="Currency code (default CZK).")] = None,
    pipeline: Annotated[str | None, typer.Option(help="Pipeline key (default: default).")] = None,
    stage: Annotated[str | None, typer.Option(help="Stage key or label (default: first).")] = None,
    probability: Annotated[
        str | None, typer.Option(help="0–100, overrides the stage's probability.")
    ] = None,
    forecast_category: Annotated[
        str | None,
        typer.Option(help="pipeline|best_case|commit|closed|omitted (default: the stage's)."),
    ] = None,
    expected_close: Annotated[
        str | None, typer.Option(help="Expected close date, e.g. 2026-06-30.")
    ] = None,
    owner: Annotated[str | None, typer.Option(help="Owner's login (default: you).")] = None,
    contact: Annotated[
        list[str] | None, typer.Option("--contact", help="Contact ID[:ROLE] (repeatable).")
    ] = None,
    source: Annotated[
        str | None, typer.Option(help="web|email|phone|import|campaign|manual.")
    ] = None,
    campaign: Opt = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Tag (repeatable).")] = None,
    set_values: SetValues = None,
    output: Output = "table",
) -> None:
    """Add a deal in its pipeline's first stage (or --stage)."""
    from crmctl.services.deals import add_deal

    desired: dict[str, Any] = {
        key: val
        for key, val in dict(
            title=title, company=company, value=value, currency=currency, pipeline=pipeline,
            stage=stage, probability=probability, forecast_category=forecast_category,
            expected_close=expected_close, owner=owner, source=source, campaign=campaign,
        ).items()
        if val is not None
    }  # fmt: skip
    if contact:
        desired["contacts"] = [_contact(item) for item in contact]
    if tag:
        desired["tags"] = tag
    if set_values:
        desired["custom"] = parse_assignments(set_values)
    with service_context(ctx) as svc:
        record = add_deal(svc, desired)
    info(f"deal #{record['id']} {record['title']} added in stage {record['stage']}")
    stdout_write_record(record, output, formatters=formatters(), tz=svc.tz)


def _contact(item: str) -> dict[str, Any]:
    ref, _, role = item.partition(":")
    return {"id": ref.strip(), "role": role.strip() or None}


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
    """List deals; --where knows idle_days, days_in_stage, has_planned_activity, …"""
    from crmctl.services.listing import ListOptions

    options = ListOptions(where, search, sort, limit, include_deleted)
    list_entity(ctx, "deal", options, output, fields, view=view, formatters=formatters())


@app.command("show")
def show(
    ctx: typer.Context, deal: DealRef, output: Output = "table", fields: Fields = None
) -> None:
    """Show a deal; as a table also its stage history and latest timeline."""
    from crmctl.services.read.records import stage_history
    from crmctl.services.timeline import TimelineOptions, timeline

    with read_context(ctx) as svc:
        record = read_record(svc, "deal", deal)
        history = stage_history(svc, record["id"])
        # A limited view (support: the stage) has no timeline to show.
        events = (
            timeline(svc, "deal", str(record["id"]), TimelineOptions(limit=10))
            if output.tabular and not fields and not record.get("limited")
            else []
        )
    wanted = [name.strip() for name in (fields or "").split(",")]
    if (not output.tabular and not fields) or "stage_history" in wanted:
        record = {**record, "stage_history": history}
    stdout_write_record(record, output, fields=fields, formatters=formatters(), tz=svc.tz)
    if not output.tabular or fields:
        return
    console().write("\nStage history\n")
    stdout_write_records(history, output, table_fields=HISTORY_FIELDS, tz=svc.tz)
    console().write("\nTimeline (latest 10; `crmctl timeline deal ID` for all)\n")
    stdout_write_records(events, output, table_fields=TIMELINE_FIELDS, tz=svc.tz)


@app.command("move")
def move(
    ctx: typer.Context,
    deal: DealRef,
    stage: Annotated[str, typer.Argument(metavar="STAGE", help="Stage key or label.")],
    reason: Reason = None,
    output: Output = "table",
) -> None:
    """Move a deal to STAGE (recorded on the timeline with who and when)."""
    from crmctl.services.deals import move_deal

    with service_context(ctx) as svc:
        record = move_deal(svc, deal, stage, reason)
    info(f"deal #{record['id']} moved to {record['stage']} ({record['probability']} %)")
    stdout_write_record(record, output, formatters=formatters(), tz=svc.tz)


@app.command("win")
def win(
    ctx: typer.Context,
    deal: DealRef,
    reason: Reason = None,
    create_services: Annotated[
        bool,
        typer.Option(
            "--create-services", help="Record the deal's product as the customer's service."
        ),
    ] = False,
    output: Output = "table",
) -> None:
    """Close a deal as won."""
    from crmctl.services.deals import win_deal

    with service_context(ctx) as svc:
        record = win_deal(svc, deal, reason)
        created = _services_from(svc, record["id"]) if create_services else []
    info(f"deal #{record['id']} won")
    for service in created:
        info(f"service #{service['id']} {service['name']!r} ({service['kind']}) recorded")
    stdout_write_record(record, output, formatters=formatters(), tz=svc.tz)


def _services_from(svc: Any, deal_id: int) -> list[dict[str, Any]]:
    from crmctl.db.models import Deal
    from crmctl.services.contracts import services_from_deal

    return services_from_deal(svc, svc.session.get_one(Deal, deal_id))


@app.command("lose")
def lose(
    ctx: typer.Context,
    deal: DealRef,
    reason: Annotated[str, typer.Option("--reason", help="Why it was lost (required).")],
    output: Output = "table",
) -> None:
    """Close a deal as lost, with a reason."""
    from crmctl.services.deals import lose_deal

    with service_context(ctx) as svc:
        record = lose_deal(svc, deal, reason)
    info(f"deal #{record['id']} lost")
    stdout_write_record(record, output, formatters=formatters(), tz=svc.tz)


@app.command("update")
def update(
    ctx: typer.Context,
    where: Annotated[
        str, typer.Option("--where", "-w", metavar="EXPR", help="Which deals to change.")
    ],
    set_values: Annotated[
        list[str], typer.Option("--set", metavar="FIELD=VALUE", help="Field to set (repeatable).")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would change, write nothing.")
    ] = False,
    output: Output = "table",
) -> None:
    """Change every matching deal in one statement, with one timeline event per deal."""
    from crmctl.services.deal_batch import batch_update

    assignments: dict[str, str] = {}
    for item in set_values:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"{item!r}: expected FIELD=VALUE", param_hint="--set")
        assignments[key.strip()] = raw
    table = output.tabular
    with service_context(ctx) as svc:
        result = batch_update(svc, where, assignments, dry_run=dry_run, with_changes=not table)
    verb = "would change" if dry_run else "changed"
    info(f"{result.matched} deal(s) {verb}" + (" (dry run: nothing written)" if dry_run else ""))
    if table:
        if result.ids:
            console().write("ids: " + " ".join(map(str, result.ids)) + "\n")
        return
    stdout_write_records(result.changes, output)


@app.command("apply")
def apply(
    ctx: typer.Context,
    file: Annotated[
        str, typer.Option("--file", "-f", help="JSON, JSON lines or YAML; '-' for stdin.")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the changes, write nothing.")
    ] = False,
    output: Output = "table",
) -> None:
    """Create or update deals from what `deals list -o json|jsonl|yaml` prints."""
    from pathlib import Path

    from crmctl.cli.common import read_input_file as _read_file
    from crmctl.records_io import read_records
    from crmctl.services.deals import apply_deals

    source = "<stdin>" if file == "-" else file
    text = sys.stdin.read() if file == "-" else _read_file(Path(file))
    records = read_records(text, source)
    with progress_for(ctx, "apply", "deals") as progress, service_context(ctx) as svc:
        plans = apply_deals(svc, records, source=source, dry_run=dry_run, progress=progress)
    changed = [plan for plan in plans if plan.action != "unchanged"]
    rows = [
        {
            "action": plan.action,
            "id": plan.deal_id if not (dry_run and plan.action == "create") else None,
            "title": plan.label,
            "changes": {field: {"before": b, "after": a} for field, (b, a) in plan.changes.items()},
        }
        for plan in changed
    ]
    if rows or not output.tabular:
        stdout_write_records(rows, output, formatters={"changes": _changes_text})
    counts = {action: sum(p.action == action for p in plans) for action in ("create", "update")}
    verb = "would be" if dry_run else "were"
    info(
        f"{counts['create']} deal(s) {verb} created, {counts['update']} {verb} updated, "
        f"{len(plans) - len(changed)} unchanged"
        + (" (dry run: nothing written)" if dry_run else "")
    )


def _changes_text(changes: dict[str, dict[str, Any]]) -> str:
    return "; ".join(f"{name}: {c['before']!r} → {c['after']!r}" for name, c in changes.items())
