"""``crmctl pipelines list|show``."""

from typing import Annotated

import typer

from crmctl.cli.common import (
    Output,
    new_app,
    service_context,
    stdout_write_record,
    stdout_write_records,
)
from crmctl.cli.console import console
from crmctl.services.pipelines import list_pipelines, show_pipeline

app = new_app("Sales pipelines and their stages (from `pipelines:` in crmctl.yaml).")


@app.command("list")
def list_(ctx: typer.Context, output: Output = "table") -> None:
    """List pipelines with their stages and probabilities."""
    with service_context(ctx) as svc:
        records = list_pipelines(svc)
    stdout_write_records(records, output)


@app.command("show")
def show(
    ctx: typer.Context,
    pipeline: Annotated[str, typer.Argument(metavar="PIPELINE", help="Pipeline key.")] = "default",
    output: Output = "table",
) -> None:
    """Show one pipeline's stages in order."""
    with service_context(ctx) as svc:
        record = show_pipeline(svc, pipeline)
    if not output.tabular:
        stdout_write_record(record, output)
        return
    console().write(f"{record['key']}: {record['label']}\n")
    stdout_write_records(record["stages"], output)
