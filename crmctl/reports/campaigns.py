"""``report campaign [ID]``: what each campaign brought.

Per campaign: leads opened (received in the period), how many ever reached contacted
and qualified (or a later status: reached = entered it or went further, as in the
funnel), converted and rejected, the median response in business minutes (the
lead-response report's calendar, stored on each lead), the deals that keep the
campaign — won, lost, open — with the won value, and when a budget is set the cost
per won deal and the return on budget ((won value − budget) / budget). Counts cover
only the leads and deals the reader may fully read; won value counts deals in the
campaign's currency.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, cast, func, select

from crmctl.db import tables
from crmctl.query import compile_where
from crmctl.query.entities import registry
from crmctl.reports import common
from crmctl.reports.common import ReportOptions, deals, leads
from crmctl.reports.result import ChartSpec, Column, ColumnKind, ReportResult, currency_totals
from crmctl.services.access import policy
from crmctl.services.campaigns import find_campaign_row
from crmctl.services.context import Context
from crmctl.services.views import view_where

campaigns = tables.campaigns.c
events = tables.events.c
# A lead's statuses in the order it moves; rejected is no step (counted apart).
STEPS = {"new": 0, "contacted": 1, "qualified": 2, "converted": 3}
NOTE = (
    "Leads received in the period; reached = had the status or a later one; response in "
    "business minutes; deals that keep the campaign (created in the period); won value "
    "in the campaign's currency; return on budget = (won value − budget) / budget."
)
COLUMNS = (
    Column("campaign", "Campaign"),
    Column("currency", "Currency", total=False),
    Column("leads", "Leads", ColumnKind.int),
    Column("contacted", "Reached contacted", ColumnKind.int),
    Column("qualified", "Reached qualified", ColumnKind.int),
    Column("converted", "Converted", ColumnKind.int),
    Column("rejected", "Rejected", ColumnKind.int),
    Column("median_response", "Median response (business min)", ColumnKind.number),
    Column("deals_won", "Deals won", ColumnKind.int),
    Column("deals_lost", "Deals lost", ColumnKind.int),
    Column("deals_open", "Deals open", ColumnKind.int),
    Column("won_value", "Won value", ColumnKind.money),
    Column("budget", "Budget", ColumnKind.money),
    Column("cost_per_won", "Cost per won deal", ColumnKind.money, total=False),
    Column("return_on_budget", "Return on budget", ColumnKind.percent),
)


@dataclass(frozen=True)
class CampaignReportOptions(ReportOptions):
    campaign: str | None = None  # one campaign by id or name; None: every readable one
    view: str | None = None  # a saved view of campaigns, AND --where

    def params(self) -> dict[str, Any]:
        return {**super().params(), "campaign": self.campaign, "view": self.view}


def campaign_report(ctx: Context, options: CampaignReportOptions) -> ReportResult:
    chosen = _campaigns(ctx, options)
    ids = [row.id for row in chosen]
    lead_counts = _lead_counts(ctx, options, ids)
    deal_counts = _deal_counts(ctx, options, {row.id: row.currency for row in chosen})
    rows = [_row(row, lead_counts.get(row.id, {}), deal_counts.get(row.id, {})) for row in chosen]
    lang = common.lang(ctx)
    display: dict[str, dict[Any, str]] = {}
    common.total_label(display, "campaign", lang)
    return ReportResult(
        name="campaign",
        title="Campaigns",
        columns=COLUMNS,
        rows=rows,
        totals=currency_totals(rows, COLUMNS, "campaign", finish=_finish),
        chart=ChartSpec("Leads, converted and deals won per campaign", ("campaign",),
                        ("leads", "converted", "deals_won"), per_currency=True),
        params=options.params(),
        notes=(NOTE,),
        lang=lang,
        display=display,
    )  # fmt: skip


def _campaigns(ctx: Context, options: CampaignReportOptions) -> list[Any]:
    """The campaigns the reader may read, by ``[ID]``, ``--where`` and ``--view``."""
    statement = select(tables.campaigns).where(policy.predicate(ctx, "campaign", "read"))
    if options.campaign is not None:
        statement = statement.where(campaigns.id == find_campaign_row(ctx, options.campaign).id)
    where = view_where(ctx, "campaign", options.view, options.where)
    if where:
        statement = statement.where(
            compile_where(where, registry("campaign"), now=ctx.now, tz=ctx.tz)
        )
    ordered = statement.order_by(campaigns.currency, campaigns.name, campaigns.id)
    return list(ctx.session.execute(ordered).all())


def _lead_counts(
    ctx: Context, options: CampaignReportOptions, ids: Sequence[int]
) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    period = options.period
    statement = select(
        leads.id, leads.campaign_id, leads.status, leads.response_business_minutes
    ).where(*common.lead_conditions(ctx, None), leads.campaign_id.in_(ids))
    if period.start:
        statement = statement.where(leads.received_at >= period.start_utc(ctx.tz))
    if period.end:
        statement = statement.where(leads.received_at < period.end_utc(ctx.tz))
    found = ctx.session.execute(statement).all()
    highest = _highest_steps(ctx, statement)
    counts: dict[int, dict[str, Any]] = {}
    responses: dict[int, list[int]] = {}
    for lead_id, campaign_id, status, minutes in found:
        mine = counts.setdefault(campaign_id, dict.fromkeys(
            ("leads", "contacted", "qualified", "converted", "rejected"), 0))  # fmt: skip
        step = max(STEPS.get(status, 0), highest.get(lead_id, 0))
        mine["leads"] += 1
        mine["contacted"] += step >= STEPS["contacted"]
        mine["qualified"] += step >= STEPS["qualified"]
        mine["converted"] += status == "converted"
        mine["rejected"] += status == "rejected"
        if minutes is not None:
            responses.setdefault(campaign_id, []).append(int(minutes))
    for campaign_id, mine in counts.items():
        mine["median_response"] = common.median_of(responses.get(campaign_id, []))
    return counts


def _highest_steps(ctx: Context, lead_select: Any) -> dict[int, int]:
    """Lead id → the furthest status its history reached (a rejected lead may have been
    qualified first): from its ``lead.status_changed`` events."""
    ids = lead_select.with_only_columns(leads.id).scalar_subquery()
    rows = ctx.session.execute(
        select(events.entity_id, events.payload).where(
            events.entity_type == "lead",
            events.kind == "lead.status_changed",
            events.entity_id.in_(ids),
        )
    )
    highest: dict[int, int] = {}
    for lead_id, payload in rows:
        step = STEPS.get(str((payload or {}).get("to")), 0)
        highest[lead_id] = max(highest.get(lead_id, 0), step)
    return highest


def _deal_counts(
    ctx: Context, options: CampaignReportOptions, currencies: Mapping[int, str]
) -> dict[int, dict[str, Any]]:
    if not currencies:
        return {}
    period = options.period
    statement = (
        select(
            deals.campaign_id, deals.status, deals.currency, func.count(),
            cast(func.sum(common.cents()), BigInteger),
        )
        .where(*common.deal_conditions(ctx, None), deals.campaign_id.in_(list(currencies)))
        .group_by(deals.campaign_id, deals.status, deals.currency)
    )  # fmt: skip
    if period.start:
        statement = statement.where(deals.created_at >= period.start_utc(ctx.tz))
    if period.end:
        statement = statement.where(deals.created_at < period.end_utc(ctx.tz))
    counts: dict[int, dict[str, Any]] = {}
    for campaign_id, status, currency, count, hellers in ctx.session.execute(statement):
        mine = counts.setdefault(campaign_id, {"won": 0, "lost": 0, "open": 0, "won_cents": 0})
        mine[status if status in ("won", "lost") else "open"] += int(count)
        if status == "won" and currency == currencies[campaign_id]:
            mine["won_cents"] += int(hellers or 0)
    return counts


def _row(
    campaign: Any, lead_counts: Mapping[str, Any], deal_counts: Mapping[str, Any]
) -> dict[str, Any]:
    won_value = common.money(deal_counts.get("won_cents", 0))
    budget = None if campaign.budget is None else Decimal(campaign.budget).quantize(common.CENT)
    won = int(deal_counts.get("won", 0))
    row: dict[str, Any] = {
        "campaign": campaign.name,
        "currency": campaign.currency,
        **{key: int(lead_counts.get(key, 0)) for key in
           ("leads", "contacted", "qualified", "converted", "rejected")},
        "median_response": lead_counts.get("median_response"),
        "deals_won": won, "deals_lost": int(deal_counts.get("lost", 0)),
        "deals_open": int(deal_counts.get("open", 0)),
        "won_value": won_value, "budget": budget,
    }  # fmt: skip
    _money_rates(row)
    return row


def _money_rates(row: dict[str, Any]) -> None:
    """Cost per won deal and return on budget, when there is a budget to divide by."""
    budget, won = row.get("budget"), row.get("deals_won") or 0
    row["cost_per_won"] = (budget / won).quantize(common.CENT) if budget and won else None
    row["return_on_budget"] = common.rate(row["won_value"] - budget, budget) if budget else None


def _finish(total: dict[str, Any], rows: Sequence[Mapping[str, Any]]) -> None:
    """The totals' rates over the summed won value and budget (of campaigns with one)."""
    budgeted = [row for row in rows if row.get("budget")]
    total["median_response"] = None
    if not budgeted:
        total["budget"], total["cost_per_won"], total["return_on_budget"] = None, None, None
        return
    total["budget"] = sum((row["budget"] for row in budgeted), Decimal(0))
    won_value = sum((row["won_value"] for row in budgeted), Decimal(0))
    won = sum(row["deals_won"] for row in budgeted)
    total["cost_per_won"] = (total["budget"] / won).quantize(common.CENT) if won else None
    total["return_on_budget"] = common.rate(won_value - total["budget"], total["budget"])
