"""``crmctl import FILE`` and ``crmctl import list|show|undo``."""

from pathlib import Path
from typing import Annotated, Any

import typer

from crmctl.cli.common import (
    CrmApp,
    CrmGroup,
    Fields,
    Limit,
    Output,
    destination,
    info,
    service_context,
    stdout_write_record,
    stdout_write_records,
)
from crmctl.cli.progress import progress_for
from crmctl.errors import ExitCode
from crmctl.importer.mapping import Mapping
from crmctl.importer.mapping_file import load_mapping, save_mapping
from crmctl.importer.readers import ReadOptions
from crmctl.importer.rejects import write_rejects
from crmctl.services.imports.batches import list_batches as list_service
from crmctl.services.imports.batches import show_batch
from crmctl.services.imports.run import ImportOptions, issue_row, mapping_rows, run_import
from crmctl.services.imports.undo import undo_batch

WARNINGS_SHOWN = 20


class ImportGroup(CrmGroup):
    """``crmctl import FILE …`` runs an import; ``list``, ``show`` and ``undo`` are verbs."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


app = CrmApp(
    help=(
        "Import companies and contacts from .xlsx/.xlsm, .csv/.txt or .vcf: "
        "`crmctl import FILE [OPTIONS]`. Each import is a batch you can list, show and undo."
    ),
    cls=ImportGroup,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

BatchRef = Annotated[str, typer.Argument(metavar="BATCH", help="Batch number (import list).")]


@app.command("run")
def run(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The .xlsx/.xlsm/.csv/.txt/.vcf.")],
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="Sheet name, number (1 = first) or 'all'.")
    ] = None,
    header_row: Annotated[
        int | None, typer.Option("--header-row", help="Row number of the header (else found).")
    ] = None,
    encoding: Annotated[
        str | None, typer.Option("--encoding", help="CSV encoding, e.g. utf-8, cp1250.")
    ] = None,
    delimiter: Annotated[
        str | None, typer.Option("--delimiter", help="CSV delimiter: ';', ',' or 'tab'.")
    ] = None,
    low_memory: Annotated[
        bool, typer.Option("--low-memory", help="Read .xlsx in constant memory (slower).")
    ] = False,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", metavar="M.yaml", help="Use a saved mapping.")
    ] = None,
    save_mapping: Annotated[
        Path | None,
        typer.Option("--save-mapping", metavar="M.yaml", help="Write the mapping used."),
    ] = None,
    unmapped: Annotated[
        str,
        typer.Option("--unmapped", metavar="custom|ignore", help="Unknown columns."),
    ] = "custom",
    on_duplicate: Annotated[
        str,
        typer.Option(
            "--on-duplicate",
            metavar="update|overwrite|skip|fail",
            help="Records already in the CRM: fill empty fields (update), replace values, "
            "leave alone, reject the row.",
        ),
    ] = "update",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Do everything but commit; print mapping, counts.")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Any rejected row rolls the whole import back.")
    ] = False,
    rejects: Annotated[
        Path | None,
        typer.Option("--rejects", metavar="FILE", help="Write rejected rows to .xlsx or .csv."),
    ] = None,
    output: Output = "table",
) -> None:
    """Import FILE as one batch (exit 4 when rows were rejected)."""
    _check_rejects_path(rejects)
    options = ImportOptions(
        read=ReadOptions(sheet, header_row, encoding, delimiter, low_memory),
        saved_mapping=_load_mapping(mapping),
        unmapped=unmapped,
        on_duplicate=on_duplicate,
        dry_run=dry_run,
        strict=strict,
    )
    try:
        with progress_for(ctx, "import", "rows") as progress, service_context(ctx) as svc:
            report = run_import(svc, file, options, progress)
    except KeyboardInterrupt:
        info("error: interrupted: the import was rolled back, nothing was written")
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    if save_mapping:
        _save_mapping(save_mapping, report)
    if rejects:
        _write_rejects(rejects, report)
    _print_report(report, output)
    if report.counts.rejected:
        raise typer.Exit(ExitCode.INVALID)


def _check_rejects_path(path: Path | None) -> None:
    if path is None:
        return
    if path.suffix.lower() not in (".xlsx", ".csv"):
        raise typer.BadParameter(
            "the rejects file must end in .xlsx or .csv", param_hint="--rejects"
        )
    # Checked before importing: a committed import must not end in a write error.
    if not path.resolve().parent.is_dir():
        raise typer.BadParameter(
            f"the folder of {path} does not exist; create it or choose another",
            param_hint="--rejects",
        )


def _load_mapping(path: Path | None) -> dict[str, str] | None:
    if path is None:
        return None

    return load_mapping(path)


def _save_mapping(path: Path, report: Any) -> None:
    by_header: dict[str, Any] = {}
    for table in report.tables:
        for column in table.mapping.columns:
            by_header.setdefault(column.header, column)  # the first sheet's choice wins
    save_mapping(path, Mapping(list(by_header.values())))
    info(f"mapping saved to {path}")


def _write_rejects(path: Path, report: Any) -> None:
    write_rejects(
        path,
        [(issue.sheet, issue.row, issue.message, issue.cells or []) for issue in report.rejects],
        excel=destination().excel,
    )
    info(f"{len(report.rejects)} rejected rows written to {path}")


def _print_report(report: Any, output: Any) -> None:
    if not output.tabular:
        summary = report.summary()
        summary["rejects"] = [issue_row(issue) for issue in report.rejects]
        summary["warnings"] = [issue_row(issue) for issue in report.warnings]
        stdout_write_record(summary, output)
        if report.rolled_back and not report.dry_run:
            info(_outcome_line(report))  # the data is on stdout, the failure on stderr
        return
    if report.dry_run:
        for table in report.tables:
            # A vCard has no header row (0): its properties are the fields.
            where = [f"sheet {table.sheet!r}"] if table.sheet else []
            where += [f"header row {table.header_row}"] if table.header_row else []
            info(f"mapping ({', '.join(where) or 'vCard properties'}):")
            stdout_write_records(mapping_rows(table.mapping), output)
    counts = report.counts.as_dict()
    stdout_write_records(
        [{name: counts[name] for name in ("rows", "created", "updated", "unchanged", "skipped",
                                           "rejected", "warnings")}],
        output,
    )  # fmt: skip
    _print_issues(report)
    info(_outcome_line(report))


def _print_issues(report: Any) -> None:
    label = report.file_name
    for issue in report.rejects[:WARNINGS_SHOWN]:
        info(f"rejected: {label}{_place(issue)}: {issue.message}")
    if len(report.rejects) > WARNINGS_SHOWN:
        info(f"… and {len(report.rejects) - WARNINGS_SHOWN} more rejected rows (--rejects FILE)")
    for issue in report.warnings[:WARNINGS_SHOWN]:
        info(f"warning: {label}{_place(issue)}: {issue.message}")
    if report.counts.warnings > WARNINGS_SHOWN:
        info(f"… and {report.counts.warnings - WARNINGS_SHOWN} more warnings (crmctl import show)")


def _place(issue: Any) -> str:
    sheet = f" sheet {issue.sheet!r}" if issue.sheet else ""
    return f":{sheet} row {issue.row}"


def _outcome_line(report: Any) -> str:
    counts = report.counts
    records = (
        f"companies {counts.companies_created} created, {counts.companies_updated} updated; "
        f"contacts {counts.contacts_created} created, {counts.contacts_updated} updated"
    )
    if report.dry_run:
        return f"dry run: nothing was written ({records})"
    if report.rolled_back:
        # A failure, said as one: scripts and people look for the `error:` line.
        return (
            f"error: --strict: {counts.rejected} row(s) rejected, so the import was rolled "
            "back and nothing was written; fix the rows (see --rejects FILE) and import again"
        )
    return f"import #{report.batch_id} done: {records}"


@app.command("list")
def list_batches(
    ctx: typer.Context, limit: Limit = None, output: Output = "table", fields: Fields = None
) -> None:
    """List import batches, newest first."""
    with service_context(ctx) as svc:
        records = list_service(svc, limit)
    columns = ("id", "created_at", "created_by", "file", "status", "rows", "created", "updated",
              "unchanged", "skipped", "rejected")  # fmt: skip
    stdout_write_records(records, output, fields=fields, table_fields=columns, tz=svc.tz)


@app.command("show")
def show(ctx: typer.Context, batch: BatchRef, output: Output = "table") -> None:
    """Show a batch: file, SHA-256, mapping, counts and the first rejected rows and warnings."""
    with service_context(ctx) as svc:
        record = show_batch(svc, batch)
    if not output.tabular:
        stdout_write_record(record, output, tz=svc.tz)
        return
    scalars = {k: v for k, v in record.items() if k not in ("mapping", "issues", "sheets")}
    stdout_write_record(scalars, output, tz=svc.tz)
    for sheet, mapping in (record["mapping"] or {}).items():
        info(f"mapping{f' (sheet {sheet!r})' if sheet else ''}:")
        columns = mapping.get("columns", {})
        stdout_write_records(
            [{"column": header, "field": field} for header, field in columns.items()], output
        )
    if record["issues"]:
        info("rejected rows and warnings:")
        stdout_write_records(record["issues"], output)


@app.command("undo")
def undo(
    ctx: typer.Context,
    batch: BatchRef,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be removed and restored.")
    ] = False,
    output: Output = "table",
) -> None:
    """Remove what a batch created and restore what it updated (refused if later edits exist)."""
    with service_context(ctx) as svc:
        result = undo_batch(svc, batch, dry_run=dry_run)
    stdout_write_record(result, output)
