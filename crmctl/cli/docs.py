"""``crmctl docs attach|list|get``: files attached to companies, contacts and deals."""

from pathlib import Path
from typing import Annotated

import typer

from crmctl.cli.common import (
    Fields,
    Output,
    info,
    new_app,
    service_context,
    stdout_write_record,
    stdout_write_records,
    table_fields,
    write_output_file,
)
from crmctl.cli.console import console
from crmctl.errors import UsageError
from crmctl.services.documents import attach_document, document_content, list_documents

app = new_app("Documents: files attached to companies, contacts and deals (kept by SHA-256).")

Target = Annotated[str, typer.Argument(metavar="company|contact|deal", help="What to attach to.")]


@app.command("attach")
def attach(
    ctx: typer.Context,
    target: Target,
    ref: Annotated[str, typer.Argument(metavar="ID", help="Id (or IČO, name, e-mail).")],
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The file to attach.")],
    output: Output = "table",
) -> None:
    """Attach a file; the content goes to the document store, the event to the timeline."""
    with service_context(ctx) as svc:
        record = attach_document(svc, target, ref, file)
    info(f"document #{record['id']} {record['file_name']} attached")
    stdout_write_record(record, output, tz=svc.tz)


@app.command("list")
def list_(
    ctx: typer.Context,
    company: Annotated[str | None, typer.Option(help="Only this company's.")] = None,
    contact: Annotated[str | None, typer.Option(help="Only this contact's.")] = None,
    deal: Annotated[str | None, typer.Option(help="Only this deal's.")] = None,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """List attached documents."""
    given = [(name, value) for name, value in
             (("company", company), ("contact", contact), ("deal", deal)) if value]  # fmt: skip
    if len(given) > 1:
        raise UsageError("give one of --company, --contact, --deal")
    target, ref = given[0] if given else (None, None)
    with service_context(ctx) as svc:
        records = list_documents(svc, target=target, ref=ref)
    stdout_write_records(
        records, output, fields=fields, table_fields=table_fields("document"), tz=svc.tz
    )


@app.command("get")
def get(
    ctx: typer.Context,
    document: Annotated[str, typer.Argument(metavar="ID", help="Document id.")],
    output_file: Annotated[
        str, typer.Option("--output", metavar="FILE", help="Where to write it; '-' = stdout.")
    ],
) -> None:
    """Write a document's content to a file (checked against its SHA-256)."""
    with service_context(ctx) as svc:
        record, data = document_content(svc, document)
    if output_file == "-":
        console().write_bytes(data)
        return
    write_output_file(output_file, data)
    info(f"document #{record['id']} {record['file_name']} written to {output_file}")
