"""``crmctl contacts add|list|show|edit|rm|merge|link|apply``."""

import sys
from pathlib import Path
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
    read_input_file,
    service_context,
    stdout_write_record,
    stdout_write_records,
)
from crmctl.cli.companies import phone_formatters
from crmctl.cli.console import console
from crmctl.cli.progress import progress_for
from crmctl.cli.reading import list_entity, read_record

app = new_app("Contacts (persons): e-mails, phones, companies and relations.")

ContactRef = Annotated[
    str, typer.Argument(metavar="CONTACT", help="Contact id, e-mail or full name.")
]
Opt = Annotated[str | None, typer.Option()]
Multi = Annotated[list[str] | None, typer.Option()]


def _scalars(**values: str | None) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[
        str | None, typer.Option("--name", help="Full name, e.g. 'Ing. Jan Novák, Ph.D.'.")
    ] = None,
    first_name: Opt = None,
    last_name: Opt = None,
    title_before: Opt = None,
    title_after: Opt = None,
    function: Annotated[str | None, typer.Option("--function", help="Job title.")] = None,
    email: Annotated[list[str] | None, typer.Option("--email", help="E-mail (repeatable).")] = None,
    phone: Annotated[list[str] | None, typer.Option("--phone", help="Phone (repeatable).")] = None,
    company: Annotated[
        str | None, typer.Option("--company", help="Link to company (id, IČO or name).")
    ] = None,
    role: Annotated[str | None, typer.Option("--role", help="Role at --company.")] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Owner's login.")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Tag (repeatable).")] = None,
    note: Opt = None,
    set_values: SetValues = None,
    output: Output = "table",
) -> None:
    """Add a contact."""
    from crmctl.services.contacts import add_contact
    from crmctl.services.refs import resolve_company

    desired = _scalars(
        full_name=name, first_name=first_name, last_name=last_name, title_before=title_before,
        title_after=title_after, function=function, note=note, owner=owner,
    )  # fmt: skip
    desired |= {"emails": email or [], "phones": phone or [], "tags": tag or []}
    desired["custom"] = parse_assignments(set_values)
    with service_context(ctx) as svc:
        if company:
            link = {"id": resolve_company(svc, company).id, "role": role, "primary": True}
            desired["companies"] = [link]
        record = add_contact(svc, desired)
    info(f"contact #{record['id']} {record['name']} added")
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
    """List contacts."""
    from crmctl.services.listing import ListOptions

    options = ListOptions(where, search, sort, limit, include_deleted)
    list_entity(
        ctx, "contact", options, output, fields, view=view,
        formatters=phone_formatters(),
    )  # fmt: skip


@app.command("show")
def show(
    ctx: typer.Context, contact: ContactRef, output: Output = "table", fields: Fields = None
) -> None:
    """Show a contact with companies and relations (both ways)."""
    from crmctl.services.read.records import describe_relations

    with read_context(ctx) as svc:
        record = read_record(svc, "contact", contact)
        relations = describe_relations(svc, record)
    stdout_write_record(record, output, fields=fields, formatters=phone_formatters(), tz=svc.tz)
    if output.tabular and not fields and relations:
        console().write("\nRelations\n")
        stdout_write_records(relations, output)


@app.command("edit")
def edit(
    ctx: typer.Context,
    contact: ContactRef,
    name: Annotated[str | None, typer.Option("--name", help="Full name (re-split).")] = None,
    first_name: Opt = None,
    last_name: Opt = None,
    title_before: Opt = None,
    title_after: Opt = None,
    function: Opt = None,
    note: Opt = None,
    owner: Opt = None,
    add_email: Annotated[list[str] | None, typer.Option("--add-email")] = None,
    remove_email: Annotated[list[str] | None, typer.Option("--remove-email")] = None,
    add_phone: Annotated[list[str] | None, typer.Option("--add-phone")] = None,
    remove_phone: Annotated[list[str] | None, typer.Option("--remove-phone")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Add a tag.")] = None,
    untag: Annotated[list[str] | None, typer.Option("--untag", help="Remove a tag.")] = None,
    set_values: SetValues = None,
    unset_values: UnsetValues = None,
    output: Output = "table",
) -> None:
    """Change a contact; an empty value ('') clears a field."""
    from crmctl.services.contacts import edit_contact

    edits = _scalars(
        full_name=name, first_name=first_name, last_name=last_name, title_before=title_before,
        title_after=title_after, function=function, note=note, owner=owner,
    )  # fmt: skip
    edits |= {
        "emails_add": add_email or [], "emails_remove": remove_email or [],
        "phones_add": add_phone or [], "phones_remove": remove_phone or [],
        "tags_add": tag or [], "tags_remove": untag or [],
        "custom_set": parse_assignments(set_values), "custom_unset": unset_values or [],
    }  # fmt: skip
    with service_context(ctx) as svc:
        record = edit_contact(svc, contact, edits)
    stdout_write_record(record, output, formatters=phone_formatters(), tz=svc.tz)


@app.command("rm")
def rm(
    ctx: typer.Context,
    contact: ContactRef,
    purge: Annotated[bool, typer.Option("--purge", help="Delete for good.")] = False,
) -> None:
    """Remove a contact (soft delete; --purge removes it for good)."""
    from crmctl.services.contacts import remove_contact

    with service_context(ctx) as svc:
        record = remove_contact(svc, contact, purge=purge)
    info(f"contact #{record['id']} {record['name']} {'purged' if purge else 'removed'}")


@app.command("merge")
def merge(
    ctx: typer.Context,
    keep: Annotated[str, typer.Argument(help="The contact that stays.")],
    duplicate: Annotated[str, typer.Argument(help="The duplicate merged into KEEP.")],
    output: Output = "table",
) -> None:
    """Merge DUPLICATE into KEEP: e-mails, phones, links, relations and history move."""
    from crmctl.services.contact_merge import merge_contacts

    with service_context(ctx) as svc:
        record = merge_contacts(svc, keep, duplicate)
    info(f"merged into contact #{record['id']} {record['name']}")
    stdout_write_record(record, output, formatters=phone_formatters(), tz=svc.tz)


@app.command("link")
def link(
    ctx: typer.Context,
    contact: ContactRef,
    company: Annotated[str | None, typer.Option("--company", help="Link to this company.")] = None,
    role: Annotated[str | None, typer.Option("--role", help="Role at --company.")] = None,
    primary: Annotated[bool, typer.Option("--primary", help="Make --company primary.")] = False,
    reports_to: Annotated[
        str | None, typer.Option("--reports-to", help="Contact's superior (nadřízený).")
    ] = None,
    assistant_of: Annotated[
        str | None, typer.Option("--assistant-of", help="Whom the contact assists.")
    ] = None,
    relation: Annotated[
        str | None, typer.Option("--relation", help="Other relation, e.g. 'kolega'; needs --to.")
    ] = None,
    to: Annotated[str | None, typer.Option("--to", help="The other contact of --relation.")] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Remove the link instead.")] = False,
    output: Output = "table",
) -> None:
    """Link a contact to a company or to another contact."""
    from crmctl.services import contacts

    targets = [company, reports_to, assistant_of, relation]
    if sum(target is not None for target in targets) != 1:
        raise typer.BadParameter(
            "give exactly one of --company, --reports-to, --assistant-of, --relation"
        )
    if relation is not None and not to:
        raise typer.BadParameter("--relation needs --to CONTACT", param_hint="--to")
    with service_context(ctx) as svc:
        if company is not None:
            record = contacts.link_company(
                svc, contact, company, role=role, primary=primary, remove=remove
            )
        elif relation is not None:
            record = contacts.relate(
                svc, contact, str(to), kind="related", label=relation, remove=remove
            )
        else:
            kind = "reports_to" if reports_to is not None else "assistant_of"
            other = str(reports_to if reports_to is not None else assistant_of)
            record = contacts.relate(svc, contact, other, kind=kind, remove=remove)
    stdout_write_record(record, output, formatters=phone_formatters(), tz=svc.tz)


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
    """Create or update contacts from what `contacts list -o json|jsonl|yaml` prints."""
    from crmctl.records_io import read_records
    from crmctl.services.contacts import apply_contacts

    source = "<stdin>" if file == "-" else file
    text = sys.stdin.read() if file == "-" else _read_file(Path(file))
    records = read_records(text, source)
    with progress_for(ctx, "apply", "contacts") as progress, service_context(ctx) as svc:
        plans = apply_contacts(svc, records, source=source, dry_run=dry_run, progress=progress)
    _report_plans(plans, output, dry_run)


def _read_file(path: Path) -> str:
    return read_input_file(path)


def _report_plans(plans: list[Any], output: Any, dry_run: bool) -> None:
    changed = [plan for plan in plans if plan.action != "unchanged"]
    rows = [
        {
            "action": plan.action,
            "id": plan.person_id,
            "name": plan.label,
            "changes": {field: {"before": b, "after": a} for field, (b, a) in plan.changes.items()},
        }
        for plan in changed
    ]
    if rows or not output.tabular:
        stdout_write_records(
            rows,
            output,
            formatters={"changes": _changes_text},
        )
    counts = {action: sum(p.action == action for p in plans) for action in ("create", "update")}
    verb = "would be" if dry_run else "were"
    if not changed:
        info(f"no changes: {len(plans)} record(s) already up to date")
    else:
        info(
            f"{counts['create']} contact(s) {verb} created, {counts['update']} {verb} updated, "
            f"{len(plans) - len(changed)} unchanged"
            + (" (dry run: nothing written)" if dry_run else "")
        )


def _changes_text(changes: dict[str, dict[str, Any]]) -> str:
    return "; ".join(f"{name}: {c['before']!r} → {c['after']!r}" for name, c in changes.items())
