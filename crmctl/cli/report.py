"""``crmctl report …``: analytical reports, rendered by ``crmctl.reports.render``.

Every analytical report takes the same options (``--from/--to``, ``--where``, ``-o``,
``--output``, ``--generated-at``, ``--fail-if``) and ends in ``emit``: render, write,
then turn a true ``--fail-if`` into exit 6.
"""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crmctl.cli.common import (
    FORMAT_OPTIONS,
    View,
    Where,
    destination,
    info,
    new_app,
    read_context,
    service_context,
)
from crmctl.cli.console import console

if TYPE_CHECKING:
    from crmctl.reports.result import ReportResult
    from crmctl.services.context import Context

app = new_app(
    "Reports: forecast, pipeline, funnel, cashflow, lead-response, performance, commissions, "
    "campaign, dashboard, first-contacts. Table, CSV, JSON, XLSX or HTML."
)

ReportFormatOption = Annotated[
    str,
    typer.Option(
        "-o",
        "--format",
        metavar="FORMAT",
        help="table|wide|csv|json|xlsx|html (xlsx needs --output).",
    ),
]
FORMAT_OPTIONS.add(ReportFormatOption)  # these commands take --excel too (common.CrmApp)
OutputFile = Annotated[
    Path | None,
    typer.Option("--output", metavar="FILE", help="Write to FILE instead of stdout."),
]
GeneratedAt = Annotated[
    bool,
    typer.Option("--generated-at", help="Stamp the time of the run (CRM_NOW) into the output."),
]


FromOption = Annotated[
    str | None,
    typer.Option(
        "--from", metavar="PERIOD", help="From: 2027, 2027-Q1, 2027-01, 2027-01-15 or 15. 1. 2027."
    ),
]
ToOption = Annotated[
    str | None,
    typer.Option("--to", metavar="PERIOD", help="Up to (inclusive): year, quarter, month or day."),
]
FailIfOption = Annotated[
    str | None,
    typer.Option(
        "--fail-if",
        metavar="EXPR",
        help="Exit 6 when EXPR holds for the total row, e.g. 'win_rate < 25'.",
    ),
]


def emit(
    svc: "Context",
    result: "ReportResult",
    fmt: str,
    output: Path | None,
    generated_at: bool,
    fail_if: str | None,
) -> None:
    """Render ``result``; a true ``--fail-if`` exits 6 after the report was written.

    The expression is checked before anything is written, so a bad one (exit 2) leaves
    no half-written file.
    """
    from crmctl.reports.checks import check_fail_if, raise_if_failed
    from crmctl.reports.render import report_format, write_report

    report_fmt = report_format(fmt)
    failure = check_fail_if(svc, result, fail_if)
    write_report(
        result,
        report_fmt,
        stdout=console().stdout,
        width=console().width(),
        output=output,
        generated_at=svc.now if generated_at else None,
        excel=destination().excel,
    )
    if output is not None:
        info(f"{report_fmt} written to {output}")
    raise_if_failed(failure)


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
        if snapshot:
            # Here, not above: saving loads the ORM, which a plain forecast never needs.
            from crmctl.reports.snapshots import save_forecast_snapshot

            save_forecast_snapshot(svc, options)
        write_report(
            result,
            report_fmt,
            stdout=console().stdout,
            width=console().width(),
            output=output,
            generated_at=svc.now if generated_at else None,
            excel=destination().excel,
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
            stdout=console().stdout,
            width=console().width(),
            output=output,
            generated_at=svc.now if generated_at else None,
            excel=destination().excel,
        )
    if output is not None:
        info(f"{report_fmt} written to {output}")


FormatOption = Annotated[
    str,
    typer.Option("-o", "--format", metavar="FORMAT", help="table|wide|csv|json|xlsx|html."),
]
FORMAT_OPTIONS.add(FormatOption)


@app.command("pipeline")
def pipeline(
    ctx: typer.Context,
    by: Annotated[
        str, typer.Option("--by", metavar="GROUP", help="stage|owner|pipeline|team.")
    ] = "stage",
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", metavar="DAY", help="As it stood at the end of DAY."),
    ] = None,
    where: Where = None,
    view: View = None,
    start: FromOption = None,
    end: ToOption = None,
    fmt: FormatOption = "table",
    output: OutputFile = None,
    generated_at: GeneratedAt = False,
    fail_if: FailIfOption = None,
) -> None:
    """Open deals: count, value, weighted, average age and days in stage, idle > 10 days.

    Examples: crmctl report pipeline --by owner; crmctl report pipeline --as-of 2027-03-31
    """
    from crmctl.reports.pipeline import PipelineOptions
    from crmctl.reports.pipeline import pipeline as run_report
    from crmctl.services.views import view_where

    with read_context(ctx) as svc:
        where = view_where(svc, "deal", view, where)
        result = run_report(svc, PipelineOptions(start, end, where, by, as_of))
        emit(svc, result, fmt, output, generated_at, fail_if)


@app.command("funnel")
def funnel(
    ctx: typer.Context,
    pipeline: Annotated[
        str | None, typer.Option("--pipeline", metavar="P", help="Pipeline key (default: first).")
    ] = None,
    where: Where = None,
    view: View = None,
    start: FromOption = None,
    end: ToOption = None,
    fmt: FormatOption = "table",
    output: OutputFile = None,
    generated_at: GeneratedAt = False,
    fail_if: FailIfOption = None,
) -> None:
    """Deals created in the period: reached per stage, conversions, median days, lost.

    Example: crmctl report funnel --from 2027-Q1 --to 2027-Q1 --fail-if 'win_rate < 25'
    """
    from crmctl.reports.funnel import FunnelOptions
    from crmctl.reports.funnel import funnel as run_report
    from crmctl.services.views import view_where

    with read_context(ctx) as svc:
        where = view_where(svc, "deal", view, where)
        result = run_report(svc, FunnelOptions(start, end, where, pipeline))
        emit(svc, result, fmt, output, generated_at, fail_if)


@app.command("cashflow")
def cashflow(
    ctx: typer.Context,
    by: Annotated[str, typer.Option("--by", metavar="PERIOD", help="month|week.")] = "month",
    payment_days: Annotated[
        int | None,
        typer.Option("--payment-days", metavar="N", help="Days from close to payment (14)."),
    ] = None,
    where: Where = None,
    view: View = None,
    start: FromOption = None,
    end: ToOption = None,
    fmt: FormatOption = "table",
    output: OutputFile = None,
    generated_at: GeneratedAt = False,
    fail_if: FailIfOption = None,
) -> None:
    """Expected inflow per month or week: committed, likely and weighted.

    Example: crmctl report cashflow --from 2027-01 --to 2027-06 --payment-days 30
    """
    from crmctl.reports.cashflow import CashflowOptions
    from crmctl.reports.cashflow import cashflow as run_report
    from crmctl.services.views import view_where

    with read_context(ctx) as svc:
        where = view_where(svc, "deal", view, where)
        result = run_report(svc, CashflowOptions(start, end, where, by, payment_days))
        emit(svc, result, fmt, output, generated_at, fail_if)


@app.command("dashboard")
def dashboard(
    ctx: typer.Context,
    fmt: FormatOption = "html",
    output: OutputFile = None,
    generated_at: GeneratedAt = False,
) -> None:
    """One self-contained HTML page: pipeline, forecast, funnel, win rate, top deals, ….

    Example: crmctl report dashboard -o html --output dashboard.html
    """
    from crmctl.errors import UsageError
    from crmctl.reports.dashboard import dashboard as build
    from crmctl.reports.dashboard import render_dashboard

    if fmt != "html":
        raise UsageError(f"-o {fmt}: the dashboard is an HTML page; use -o html")
    with read_context(ctx) as svc:
        page = render_dashboard(build(svc), svc.now if generated_at else None)
    if output is None:
        console().stdout.write(page)
        return
    output.write_text(page, encoding="utf-8", newline="")
    info(f"dashboard written to {output}")


@app.command("lead-response")
def lead_response(
    ctx: typer.Context,
    by: Annotated[
        str, typer.Option("--by", metavar="GROUP", help="owner|source|campaign.")
    ] = "owner",
    sla: Annotated[
        str, typer.Option("--sla", metavar="TIME", help="Response SLA: 4h, 90m, 1h30m.")
    ] = "4h",
    breaches: Annotated[
        bool, typer.Option("--breaches", help="List the leads answered late or not yet.")
    ] = False,
    calendar_time: Annotated[
        bool,
        typer.Option("--calendar-time", help="Count wall-clock time, not business hours."),
    ] = False,
    where: Where = None,
    view: View = None,
    start: FromOption = None,
    end: ToOption = None,
    fmt: FormatOption = "table",
    output: OutputFile = None,
    generated_at: GeneratedAt = False,
    fail_if: FailIfOption = None,
) -> None:
    """Leads received in the period: answered, median and 90th-percentile response time,
    within the SLA, breaches, unanswered past the SLA (business hours unless told).

    Examples: crmctl report lead-response --by owner --from 2027-Q1;
    crmctl report lead-response --breaches --sla 2h
    """
    from crmctl.reports.lead_response import LeadResponseOptions
    from crmctl.reports.lead_response import lead_response as run_report
    from crmctl.services.views import view_where

    with read_context(ctx) as svc:
        where = view_where(svc, "lead", view, where)
        options = LeadResponseOptions(start, end, where, by, sla, breaches, calendar_time)
        result = run_report(svc, options)
        emit(svc, result, fmt, output, generated_at, fail_if)


@app.command("performance")
def performance(
    ctx: typer.Context,
    by: Annotated[str, typer.Option("--by", metavar="GROUP", help="owner|team.")] = "owner",
    where: Where = None,
    start: FromOption = None,
    end: ToOption = None,
    fmt: FormatOption = "table",
    output: OutputFile = None,
    generated_at: GeneratedAt = False,
    fail_if: FailIfOption = None,
) -> None:
    """Per salesperson (or team): won, lost, win rate, average won deal, sales cycle,
    activities, open pipeline, and each target's actual and attainment % (default period:
    this month; targets prorated by working days).

    Examples: crmctl report performance --from 2027-01 --to 2027-01;
    crmctl report performance --by team --from 2027-Q1 --fail-if 'won_value_attainment < 80'
    """
    from crmctl.reports.performance import PerformanceOptions
    from crmctl.reports.performance import performance as run_report

    with read_context(ctx) as svc:
        result = run_report(svc, PerformanceOptions(start, end, where, by))
        emit(svc, result, fmt, output, generated_at, fail_if)


@app.command("commissions")
def commissions(
    ctx: typer.Context,
    details: Annotated[bool, typer.Option("--details", help="One row per won deal.")] = False,
    where: Where = None,
    start: FromOption = None,
    end: ToOption = None,
    fmt: FormatOption = "table",
    output: OutputFile = None,
    generated_at: GeneratedAt = False,
    fail_if: FailIfOption = None,
) -> None:
    """Commission per salesperson from the plans in crmctl.yaml (commissions:): won value,
    commission, effective rate; --details one row per deal (default period: this month).

    Examples: crmctl report commissions --from 2027-01 --to 2027-01 --details
    """
    from crmctl.reports.commissions import CommissionOptions, commission_report

    with read_context(ctx) as svc:
        result = commission_report(svc, CommissionOptions(start, end, where, details))
        emit(svc, result, fmt, output, generated_at, fail_if)


@app.command("campaign")
def campaign(
    ctx: typer.Context,
    campaign_ref: Annotated[
        str | None, typer.Argument(metavar="[ID]", help="One campaign (id or name); default all.")
    ] = None,
    where: Annotated[
        str | None,
        typer.Option("--where", "-w", metavar="EXPR", help="Campaigns, e.g. 'budget > 0'."),
    ] = None,
    view: View = None,
    start: FromOption = None,
    end: ToOption = None,
    fmt: FormatOption = "table",
    output: OutputFile = None,
    generated_at: GeneratedAt = False,
    fail_if: FailIfOption = None,
) -> None:
    """Per campaign: leads and how far they got, response, deals won/lost/open, won value,
    cost per won deal and return on budget.

    Examples: crmctl report campaign; crmctl report campaign 3 --fail-if 'return_on_budget < 0'
    """
    from crmctl.reports.campaigns import CampaignReportOptions, campaign_report

    options = CampaignReportOptions(start, end, where, campaign_ref, view)
    with read_context(ctx) as svc:
        result = campaign_report(svc, options)
        emit(svc, result, fmt, output, generated_at, fail_if)
