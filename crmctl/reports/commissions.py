"""``report commissions [--details]``: commission per salesperson for the period.

Deals won in the period (by close date, local), credited to their owner at the moment
they were won, priced by the owner's plan (``commissions:`` in crmctl.yaml, see
``crmctl.reports.commission_plans``): tiers against the period's won_value target
(prorated by working days like performance), deals in close-time order and split at a
tier boundary, pipeline/product rates, a cap per salesperson and period. Each deal's
commission is rounded half up to hellers; totals are sums of rows. Per salesperson and
currency: won value, commission, effective rate; ``--details``: one row per deal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from crmctl import present
from crmctl.errors import UsageError
from crmctl.reports import common
from crmctl.reports import targets as target_rows
from crmctl.reports.commission_plans import (
    Hellers,
    Plan,
    Plans,
    commission_hellers,
    load_plans,
    money_of,
)
from crmctl.reports.common import ReportOptions
from crmctl.reports.outcomes import ClosedDeal, closed_deals
from crmctl.reports.result import (
    ChartSpec,
    Column,
    ColumnKind,
    ReportResult,
    by_currency,
    currency_totals,
)
from crmctl.services.context import Context

NOTE = (
    "Deals won in the period, credited to the owner when won; each deal's commission "
    "rounded half up to hellers; totals are sums of rows; effective rate = commission / "
    "won value."
)


@dataclass(frozen=True)
class CommissionOptions(ReportOptions):
    details: bool = False

    def params(self) -> dict[str, Any]:
        return {**super().params(), "details": self.details}


class Priced(NamedTuple):  # one per won deal
    deal: ClosedDeal
    plan: Plan | None
    hellers: Hellers  # the commission
    rate: Decimal | None
    capped: bool


def priced_deals(ctx: Context, options: CommissionOptions) -> tuple[list[Priced], Any]:
    plans = load_plans(ctx.settings)
    if plans is None:
        raise UsageError(
            "no commission plans: add commissions: to crmctl.yaml, e.g. commissions: "
            "{plans: [{name: Standard, default: true, rate: 5}]} (see README, report "
            "commissions)"
        )
    period = target_rows.bounded(ctx, options.period)
    # Titles only for --details, products only when a plan pays a product's own rate:
    # otherwise the deals come from the closed deals' covering index alone.
    won = closed_deals(ctx, period, options.where, statuses=("won",), titles=options.details,
                       products=any(plan.products for plan in plans.plans))  # fmt: skip
    people = common.people(ctx, (deal.owner_id for deal in won))
    targets = target_rows.by_subject(target_rows.targets_in(ctx, period), teams=False)
    by_owner: dict[int | None, list[ClosedDeal]] = {}
    for deal in won:
        by_owner.setdefault(deal.owner_id, []).append(deal)
    priced: list[Priced] = []
    for owner_id, mine in by_owner.items():
        priced += _price(ctx, plans, people.get(owner_id or -1), mine,
                         targets.get(owner_id or -1, []), period)  # fmt: skip
    return priced, people


def _price(ctx: Context, plans: Plans, person: common.Person | None, mine: Sequence[ClosedDeal],
           targets: Sequence[target_rows.TargetRow], period: Any) -> list[Priced]:  # fmt: skip
    plan = plans.plan_for(person.login, person.team) if person else None
    if plan is None:
        return [Priced(deal, None, 0, None, False) for deal in mine]
    in_currency = [t for t in targets if (t.currency or "CZK") == plans.currency]
    target = target_rows.prorated(ctx, in_currency, period, "won_value")
    results = commission_hellers(plan, mine, target, plans.currency)
    return [Priced(deal, plan, *result) for deal, result in zip(mine, results, strict=True)]


def commission_report(ctx: Context, options: CommissionOptions) -> ReportResult:
    priced, people = priced_deals(ctx, options)
    rows = _detail_rows(priced, people) if options.details else _summary_rows(priced, people)
    columns = DETAIL_COLUMNS if options.details else SUMMARY_COLUMNS
    label_key = "title" if options.details else "owner"
    if options.details:
        rows.sort(key=by_currency(lambda row: (row["closed_on"], row["deal"])))
    else:
        rows.sort(key=by_currency(lambda row: (row["owner"] is None, row["owner"] or "")))
    totals = currency_totals(rows, columns, label_key, "Total", _finish_total)
    display: dict[str, dict[Any, str]] = {
        "owner": common.name_labels(people),
        "capped": {"yes": present.word("yes", common.lang(ctx))},
    }
    common.total_label(display, label_key, common.lang(ctx))
    period = target_rows.bounded(ctx, options.period)
    return ReportResult(
        name="commissions",
        title="Commissions",
        columns=columns,
        rows=rows,
        totals=totals,
        chart=None if options.details else ChartSpec(
            "Won value and commission", ("owner",), ("won_value", "commission"), True),
        params={**options.params(), "from": period.start.isoformat(),  # type: ignore[union-attr]
                "to": period.end.isoformat()},  # type: ignore[union-attr]
        notes=(NOTE,),
        lang=common.lang(ctx),
        display=display,
    )  # fmt: skip


def _login(people: Mapping[int, common.Person], owner_id: int | None) -> str | None:
    person = people.get(owner_id or -1)
    return person.login if person else None


def _summary_rows(
    priced: Sequence[Priced], people: Mapping[int, common.Person]
) -> list[dict[str, Any]]:
    """Summed in hellers (integers): one Decimal per salesperson and currency."""
    rows: dict[tuple[str | None, str], dict[str, Any]] = {}
    for item in priced:
        key = (_login(people, item.deal.owner_id), item.deal.currency)
        row = rows.get(key)
        if row is None:
            row = rows[key] = {"plan": item.plan.name if item.plan else None, "deals": 0,
                               "won_value": 0, "commission": 0}  # fmt: skip
        row["deals"] += 1
        row["won_value"] += item.deal.cents
        row["commission"] += item.hellers
    summary = []
    for (login, currency), row in rows.items():
        won, commission = money_of(row["won_value"]), money_of(row["commission"])
        summary.append({
            "owner": login, "currency": currency, "plan": row["plan"],
            "deals": row["deals"], "won_value": won, "commission": commission,
            "effective_rate": common.rate(commission, won),
        })  # fmt: skip
    return summary


def _detail_rows(
    priced: Sequence[Priced], people: Mapping[int, common.Person]
) -> list[dict[str, Any]]:
    return [
        {
            "deal": item.deal.id,
            "title": item.deal.title,
            "closed_on": item.deal.closed_on,
            "owner": _login(people, item.deal.owner_id),
            "plan": item.plan.name if item.plan else None,
            "pipeline": item.deal.pipeline,
            "currency": item.deal.currency,
            "won_value": item.deal.value,
            "rate": item.rate,
            "commission": money_of(item.hellers),
            "capped": "yes" if item.capped else "",
        }
        for item in priced
    ]


def _finish_total(total: dict[str, Any], rows: Sequence[Mapping[str, Any]]) -> None:
    if "effective_rate" in total:
        total["effective_rate"] = common.rate(total["commission"], total["won_value"])


SUMMARY_COLUMNS = (
    Column("owner", "Owner"),
    Column("currency", "Currency"),
    Column("plan", "Plan"),
    Column("deals", "Deals", ColumnKind.int),
    Column("won_value", "Won value", ColumnKind.money),
    Column("commission", "Commission", ColumnKind.money),
    Column("effective_rate", "Effective rate", ColumnKind.percent),
)
DETAIL_COLUMNS = (
    Column("deal", "Deal", ColumnKind.int, total=False),
    Column("title", "Title"),
    Column("closed_on", "Won on", ColumnKind.date),
    Column("owner", "Owner"),
    Column("plan", "Plan"),
    Column("pipeline", "Pipeline"),
    Column("currency", "Currency"),
    Column("won_value", "Won value", ColumnKind.money),
    Column("rate", "Rate", ColumnKind.number),
    Column("commission", "Commission", ColumnKind.money),
    Column("capped", "Capped"),
)
