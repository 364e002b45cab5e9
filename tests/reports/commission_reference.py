"""Commission priced in Decimal throughout: the check on crmctl's integer-heller pricing
(``commission_plans.commission_hellers``), which tests/reports/test_commission_plans.py
compares with it on random plans. Not used by crmctl itself."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from crmctl.reports.commission_plans import HUNDRED, Plan, _cents, _tiered


@dataclass(frozen=True)
class WonDeal:
    """What commission needs of a won deal; ``value`` in the plan's currency or not."""

    id: int
    value: Decimal
    currency: str
    pipeline: str
    product: str | None


@dataclass(frozen=True)
class Commission:
    deal_id: int
    rate: Decimal | None  # the deal's single rate; None when split over tiers
    commission: Decimal
    capped: bool = False


def commissions(
    plan: Plan, deals: Sequence[WonDeal], target: Decimal | None, currency: str
) -> list[Commission]:
    """Per deal, in the given (close-time) order: see commission_plans' docstring."""
    running = Decimal(0)  # the period's won value so far in ``currency``: the attainment
    results: list[Commission] = []
    for deal in deals:
        before = running
        if deal.currency == currency:
            running += deal.value  # every deal counts towards the target, whatever its rate
        own = plan.own_rate(deal.pipeline, deal.product)
        if own is None and not plan.tiers:
            own = plan.rate or Decimal(0)
        if own is None and (deal.currency != currency or not target):
            own = plan.tiers[0].rate
        if own is not None:
            results.append(Commission(deal.id, own, _cents(deal.value * own / HUNDRED)))
            continue
        amount, rates = _tiered(plan.tiers, before, deal.value, target)  # type: ignore[arg-type]
        results.append(Commission(deal.id, rates[0] if len(rates) == 1 else None, _cents(amount)))
    if plan.cap is None:
        return results
    return _capped(results, [deal.currency == currency for deal in deals], plan.cap)


def _capped(results: list[Commission], counted: list[bool], cap: Decimal) -> list[Commission]:
    """The cap (in the plans' currency) cuts the deal that crosses it; later ones get 0."""
    paid, capped = Decimal(0), []
    for result, in_currency in zip(results, counted, strict=True):
        if not in_currency:
            capped.append(result)
            continue
        allowed = max(cap - paid, Decimal(0))
        if result.commission > allowed:
            capped.append(Commission(result.deal_id, result.rate, allowed, capped=True))
            paid += allowed
        else:
            capped.append(result)
            paid += result.commission
    return capped
