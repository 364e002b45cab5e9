"""``crmctl report forecast``: analytical reports, rendered by ``crmctl.reports.render``."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from crmctl.cli.common import Where, info, new_app, read_context, service_context

app = new_app("Reports: forecast, first-contacts. Table, CSV, JSON, XLSX or HTML.")

ReportFormatOption = Annotated[
    str,
    typer.Option(
        "-o", "--format", metavar="FORMAT", help="table|csv|json|xlsx|html (xlsx needs --output)."
    ),
]
OutputFile = Annotated[
    Path | None,
    typer.Option("--output", metavar="FILE", help="Write to FILE instead of stdout."),
]
GeneratedAt = Annotated[
    bool,
    typer.Option("--generated-at", help="Stamp the time of the run (CRM_NOW) into the output."),
]


@app.command("forecast")
def forecast(
    ctx: typer.Context,
    by: Annotated[
        str,
        typer.Option(
            "--by", metavar="GROUPS", help="month|owner|stage|pipeline, combinable: month,owner."
        ),
    ] = "month",
    where: Where = None,
    start: Annotated[
        str | None, typer.Option("--from", metavar="MONTH|DATE", help="Expected close from.")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", metavar="MONTH|DATE", help="Expected close up to.")
    ] = None,
    snapshot: Annotated[
        str | None, typer.Option("--snapshot", metavar="NAME", help="Store the forecast as NAME.")
    ] = None,
    compare: Annotated[
        str | None,
        typer.Option("--compare", metavar="NAME", help="List the deals that moved since NAME."),
    ] = None,
    fmt: ReportFormatOption = "table",
    output: OutputFile = None,
    generated_at: GeneratedAt = False,
) -> None:
    """Weighted and unweighted forecast of open and won deals by expected close."""
    from crmctl.reports.forecast import ForecastOptions
    from crmctl.reports.forecast import forecast as run_forecast
    from crmctl.reports.render import report_format, write_report

    report_fmt = report_format(fmt)
    options = ForecastOptions(by, where, start, end, snapshot, compare)
    # Only --snapshot writes (and --compare reads the stored ones through the ORM).
    opened = service_context if snapshot or compare else read_context
    with opened(ctx) as svc:
        result = run_forecast(svc, options)
        write_report(
            result,
            report_fmt,
            stdout=sys.stdout,
            output=output,
            generated_at=svc.now if generated_at else None,
        )
    if snapshot:
        info(f"snapshot {snapshot!r} saved")
    if output is not None:
        info(f"{report_fmt} written to {output}")


@app.command("first-contacts")
def first_contacts(
    ctx: typer.Context,
    start: Annotated[
        str | None, typer.Option("--from", metavar="MONTH|DATE", help="From this month or day.")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", metavar="MONTH|DATE", help="Up to this month or day.")
    ] = None,
    salesperson: Annotated[
        str | None, typer.Option("--salesperson", help="Only this login.")
    ] = None,
    fmt: ReportFormatOption = "table",
    output: OutputFile = None,
    generated_at: GeneratedAt = False,
) -> None:
    """First calls and first meetings per salesperson and month (acquisition work)."""
    from crmctl.reports.first_contacts import FirstContactsOptions
    from crmctl.reports.first_contacts import first_contacts as run_report
    from crmctl.reports.render import report_format, write_report

    report_fmt = report_format(fmt)
    with read_context(ctx) as svc:
        result = run_report(svc, FirstContactsOptions(start, end, salesperson))
        write_report(
            result,
            report_fmt,
            stdout=sys.stdout,
            output=output,
            generated_at=svc.now if generated_at else None,
        )
    if output is not None:
        info(f"{report_fmt} written to {output}")
