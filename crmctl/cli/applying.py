"""``crmctl products|campaigns|services|plans apply``: one command, declared for each noun."""

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from crmctl.cli.common import Output, info, read_input_file, service_context, stdout_write_records
from crmctl.records_io import read_records

ApplyFile = Annotated[
    str,
    typer.Option("--file", "-f", metavar="FILE", help="JSON, JSON lines or YAML; '-' for stdin."),
]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Print the changes, write nothing.")]


def add_apply_command(app: typer.Typer, entity: str, plural: str) -> None:
    """Register ``apply`` on ``app``: create or update ``entity`` records from a file."""

    def apply(
        ctx: typer.Context, file: ApplyFile, dry_run: DryRun = False, output: Output = "table"
    ) -> None:
        # Here, not at the top: the list commands of these nouns must not load the writers.
        from crmctl.services.apply_records import apply_records  # noqa: PLC0415  (start-up)

        source = "<stdin>" if file == "-" else file
        text = sys.stdin.read() if file == "-" else read_input_file(Path(file))
        records = read_records(text, source)
        with service_context(ctx) as svc:
            done = apply_records(svc, entity, records, source=source, dry_run=dry_run)
        _report(done, output, entity, dry_run)

    apply.__doc__ = (
        f"Create (no id) or update (by id) {plural} from what `{plural} list -o "
        "json|jsonl|yaml` prints; all or nothing."
    )
    app.command("apply")(apply)


def _report(done: list[Any], output: Any, entity: str, dry_run: bool) -> None:
    changed = [one for one in done if one.action != "unchanged"]
    rows = [
        {
            "action": one.action,
            "id": None if dry_run and one.action == "create" else one.record_id,
            "name": one.label,
            "changes": {name: {"before": b, "after": a} for name, (b, a) in one.changes.items()},
        }
        for one in changed
    ]
    if rows or output != "table":
        stdout_write_records(rows, output, formatters={"changes": _changes_text})
    if not changed:
        info(f"no changes: {len(done)} record(s) already up to date")
        return
    created = sum(one.action == "create" for one in done)
    updated = len(changed) - created
    verb = "would be" if dry_run else "were"
    info(
        f"{created} {entity}(s) {verb} created, {updated} {verb} updated, "
        f"{len(done) - len(changed)} unchanged" + (" (dry run: nothing written)" if dry_run else "")
    )


def _changes_text(changes: dict[str, dict[str, Any]]) -> str:
    return "; ".join(f"{name}: {c['before']!r} → {c['after']!r}" for name, c in changes.items())
