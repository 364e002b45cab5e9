"""``report dashboard``: one self-contained HTML page for the sales director.

Sections, each a report result drawn with its chart(s) and table: pipeline by stage,
the forecast for the next six months (this month and five more), the funnel of the
deals created in the last 90 days, win rate by month over the last twelve months, lead response
against the SLA, the top ten open deals by value (per currency: values are not
converted), and each salesperson's attainment.

Lead response and attainment belong to ``report lead-response`` and ``report
performance``: the dashboard calls ``dashboard_section(ctx)`` in
``crmctl.reports.lead_response`` and ``crmctl.reports.performance`` when those modules
exist (see ``SECTION_HOOKS``), and says the section is not available otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from importlib import import_module
from pathlib import Path
from typing import Any

from sqlalchemy import select

from crmctl import present
from crmctl.query.dates import add_months
from crmctl.reports import common
from crmctl.reports.common import deals
from crmctl.reports.forecast import ForecastOptions, forecast_result
from crmctl.reports.funnel import FunnelOptions, funnel
from crmctl.reports.period import Period
from crmctl.reports.pipeline import PipelineOptions, cached_open_groups, pipeline
from crmctl.reports.render import html_context, template_environment
from crmctl.reports.result import ChartSpec, Column, ColumnKind, ReportResult
from crmctl.reports.winrate import win_rate_by_month
from crmctl.services.context import Context

# Sections other reports provide: (module, function). The function takes a Context and
# returns a ReportResult (or None when it has nothing to show).
SECTION_HOOKS = {
    "lead_response": ("crmctl.reports.lead_response", "dashboard_section"),
    "attainment": ("crmctl.reports.performance", "dashboard_section"),
}
TOP_DEALS = 10


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    result: ReportResult | None  # None: the section's report is not available


@dataclass(frozen=True)
class Dashboard:
    title: str
    today: date
    lang: str
    sections: tuple[Section, ...]


def last_twelve_months(today: date) -> Period:
    first = add_months(today.replace(day=1), -11)
    return Period(first, today)


def dashboard(ctx: Context) -> Dashboard:
    today = ctx.now.astimezone(ctx.tz).date()
    lang = common.lang(ctx)
    year = last_twelve_months(today)
    # The funnel of the last 90 days' deals: a year's cohort on a million deals is seconds.
    recent = ((today - timedelta(days=89)).isoformat(), today.isoformat())
    words = _titles(lang)
    sections = [
        Section("pipeline", words["pipeline"], pipeline(ctx, PipelineOptions(by="stage"))),
        Section("forecast", words["forecast"], _forecast(ctx, today)),
        Section("funnel", words["funnel"], funnel(ctx, FunnelOptions(*recent))),
        Section("win_rate", words["win_rate"], win_rate_months(ctx, year, lang)),
        Section("lead_response", words["lead_response"], _hooked(ctx, "lead_response")),
        Section("top_deals", words["top_deals"], top_deals(ctx, lang)),
        Section("attainment", words["attainment"], _hooked(ctx, "attainment")),
    ]
    return Dashboard(words["title"], today, lang, tuple(sections))


def _titles(lang: str) -> dict[str, str]:
    czech = {
        "title": "Přehled obchodu", "pipeline": "Pipeline podle fází",
        "forecast": "Forecast na šest měsíců", "funnel": "Trychtýř (obchody za 90 dní)",
        "win_rate": "Úspěšnost podle měsíců", "lead_response": "Reakce na poptávky a SLA",
        "top_deals": "Deset největších otevřených obchodů", "attainment": "Plnění cílů",
        "missing": "Tato část zatím není k dispozici.", "generated": "Stav ke dni",
    }  # fmt: skip
    english = {
        "title": "Sales dashboard", "pipeline": "Pipeline by stage",
        "forecast": "Forecast, next six months", "funnel": "Funnel (deals of the last 90 days)",
        "win_rate": "Win rate by month", "lead_response": "Lead response against SLA",
        "top_deals": "Top ten open deals", "attainment": "Attainment",
        "missing": "This section is not available yet.", "generated": "As of",
    }  # fmt: skip
    return english if lang == "en" else czech


def _hooked(ctx: Context, key: str) -> ReportResult | None:
    module_name, function_name = SECTION_HOOKS[key]
    try:
        module = import_module(module_name)
    except ModuleNotFoundError:
        return None
    function: Callable[[Context], ReportResult | None] | None = getattr(module, function_name, None)
    return function(ctx) if function is not None else None


def _forecast(ctx: Context, today: date) -> ReportResult:
    first = today.replace(day=1)
    last = add_months(first, 5)
    options = ForecastOptions("month", None, first.isoformat()[:7], last.isoformat()[:7])
    result = forecast_result(ctx, ("month",), options)
    # On the dashboard it speaks like the other sections: a chart per currency, Czech words.
    rows = sorted(result.rows, key=lambda row: (row["currency"], row["month"]))
    chart = ChartSpec("Forecast", ("month",), ("value", "weighted"), per_currency=True)
    lang = common.lang(ctx)
    display = {"month": {"Total": present.word("total", lang)}}
    return replace(result, rows=rows, chart=chart, lang=lang, display=display)


def win_rate_months(ctx: Context, period: Period, lang: str) -> ReportResult:
    columns = (
        Column("month", "Month", ColumnKind.month),
        Column("currency", "Currency"),
        Column("won_count", "Won count", ColumnKind.int),
        Column("lost_count", "Lost count", ColumnKind.int),
        Column("win_rate", "Win rate (count)", ColumnKind.percent),
        Column("win_rate_value", "Win rate (value)", ColumnKind.percent),
    )
    return ReportResult(
        name="win_rate",
        title="Win rate by month",
        columns=columns,
        rows=win_rate_by_month(ctx, period),
        chart=ChartSpec("Win rate by month", ("month",), ("win_rate", "win_rate_value"), True),
        lang=lang,
    )


def _open_currencies(ctx: Context) -> list[str]:
    """The currencies of the open deals: from the pipeline section's groups (the deals
    the reader may read; a currency with none of those has no top deals either), else
    from the partial index ix_deals_open_report, not a scan of the wide deal rows."""
    groups = cached_open_groups(ctx, None)
    if groups is not None:
        return sorted({group["currency"] for group in groups})
    currencies = select(deals.currency).where(*common.open_live()).distinct()
    return [currency for (currency,) in ctx.session.execute(currencies.order_by(deals.currency))]


def top_deals(ctx: Context, lang: str) -> ReportResult:
    """The ten largest open deals of each currency, largest first."""
    rows: list[dict[str, Any]] = []
    for currency in _open_currencies(ctx):
        largest = (
            select(deals.id)
            .where(
                *common.open_live(), deals.currency == currency, *common.deal_conditions(ctx, None)
            )
            .order_by(deals.value.desc(), deals.id)
            .limit(TOP_DEALS)
        )
        statement = (
            select(
                deals.id,
                deals.title,
                deals.owner_id,
                deals.stage,
                deals.currency,
                deals.value,
                deals.expected_close,
            )
            .where(deals.id.in_(largest))
            .order_by(deals.value.desc(), deals.id)
        )
        rows += [dict(row._mapping) for row in ctx.session.execute(statement)]
    found = common.people(ctx, (row["owner_id"] for row in rows))
    for row in rows:
        person = found.get(row.pop("owner_id"))
        row["owner"] = person.login if person else None
        row["value"] = Decimal(str(row["value"])).quantize(common.CENT)
    columns = (
        Column("id", "#", ColumnKind.int, total=False),
        Column("title", "Title"),
        Column("owner", "Owner"),
        Column("stage", "Stage"),
        Column("currency", "Currency"),
        Column("value", "Value", ColumnKind.money),
        Column("expected_close", "Expected close", ColumnKind.date),
    )
    return ReportResult(
        name="top_deals",
        title="Top ten open deals",
        columns=columns,
        rows=rows,
        chart=ChartSpec("Top open deals", ("title",), ("value",), True),
        lang=lang,
        display={"owner": common.name_labels(found), "stage": common.stage_labels(ctx)},
    )


# --- the page ----------------------------------------------------------------------------


def render_dashboard(board: Dashboard, generated_at: datetime | None = None) -> str:
    template = template_environment().get_template("dashboard.html")
    sections = [
        {
            "key": section.key,
            "title": section.title,
            "body": html_context(section.result, None) if section.result else None,
            # Wide tables (the funnel's thirteen columns) take the whole row of the grid.
            "wide": section.result is not None and len(section.result.columns) > 8,
        }
        for section in board.sections
    ]
    return template.render(
        title=board.title,
        today=present.day(board.today, board.lang),
        lang=board.lang,
        words=_titles(board.lang),
        sections=sections,
        generated_at=generated_at.isoformat() if generated_at else None,
    )


def write_dashboard(board: Dashboard, output: Path, generated_at: datetime | None) -> None:
    output.write_text(render_dashboard(board, generated_at), encoding="utf-8", newline="")
