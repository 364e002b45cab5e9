"""Commission plans (``commissions:`` in ``crmctl.yaml``) and the commission of a
salesperson's won deals in one period.

::

    commissions:
      currency: CZK              # the currency of caps (default CZK)
      plans:
        - name: Standard
          default: true          # applies to everyone no other plan names
          tiers:                 # against the period's won_value target
            - {up_to: 100, rate: 5}   # 5 % of the value up to 100 % attainment
            - {rate: 8}               # 8 % of the value above
          pipelines: {servis: 3} # a pipeline's own rate (tiers do not apply)
          products: {licence: 10}
          cap: 150000            # per salesperson and period
        - name: Lovci
          users: [petr.kral]
          teams: [Obchod Morava]
          rate: 6

A deal's rate: its product's (``custom.product``, else its lead's product), else its
pipeline's, else the tiers (or ``rate`` when the plan has no tiers). Tiers split the
running won value of the period (deals in close-time order) at ``up_to`` % of the won_value
target; a deal crossing a boundary is split and each part paid at its tier's rate. With
no won_value target for the period, the first tier's rate applies to everything. Each
deal's commission is rounded half up to hellers; the cap then cuts the deal that
crosses it and pays nothing on later ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import Any, NamedTuple

from crmctl.errors import UsageError

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
PLAN_KEYS = ("name", "default", "users", "teams", "rate", "tiers", "pipelines", "products",
             "cap")  # fmt: skip
TOP_KEYS = ("currency", "plans")


@dataclass(frozen=True)
class Tier:
    up_to: Decimal | None  # attainment % where this tier ends; None: no end
    rate: Decimal


@dataclass(frozen=True)
class Plan:
    name: str
    default: bool = False
    users: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    rate: Decimal | None = None
    tiers: tuple[Tier, ...] = ()
    pipelines: Mapping[str, Decimal] = None  # type: ignore[assignment]
    products: Mapping[str, Decimal] = None  # type: ignore[assignment]
    cap: Decimal | None = None

    def own_rate(self, pipeline: str, product: str | None) -> Decimal | None:
        """The product's or pipeline's own rate, which tiers do not change."""
        if product is not None and product.lower() in (self.products or {}):
            return (self.products or {})[product.lower()]
        return (self.pipelines or {}).get(pipeline)


@dataclass(frozen=True)
class Plans:
    currency: str
    plans: tuple[Plan, ...]

    def plan_for(self, login: str, team: str | None) -> Plan | None:
        """The plan naming the user, else one naming their team, else the default."""
        for plan in self.plans:
            if login in plan.users:
                return plan
        for plan in self.plans:
            if team is not None and team in plan.teams:
                return plan
        return next((plan for plan in self.plans if plan.default), None)


# --- the arithmetic ----------------------------------------------------------------------


def _tiered(
    tiers: Sequence[Tier], before: Decimal, value: Decimal, target: Decimal
) -> tuple[Decimal, list[Decimal]]:
    """Commission (unrounded) of ``value`` won after ``before``, split at tier bounds."""
    amount, rates = Decimal(0), []
    start, end = before, before + value
    lower = Decimal(0)
    for tier in tiers:
        upper = None if tier.up_to is None else target * tier.up_to / HUNDRED
        part_start = max(start, lower)
        part_end = end if upper is None else min(end, upper)
        if part_end > part_start:
            amount += (part_end - part_start) * tier.rate / HUNDRED
            rates.append(tier.rate)
        if upper is None:
            break
        lower = upper
    if not rates:  # a zero-value deal
        rates.append(tiers[0].rate)
    return amount, rates


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


Hellers = int | Decimal  # a Decimal only when a cap holding fractions of a heller cut a deal


class PricedHellers(NamedTuple):  # one per won deal: tens of thousands per report
    hellers: Hellers
    rate: Decimal | None
    capped: bool


def commission_hellers(
    plan: Plan, deals: Sequence[Any], target: Decimal | None, currency: str
) -> list[PricedHellers]:
    """Per deal, in the given (close-time) order (see the module's docstring), in integer
    hellers: ``deals`` have ``id``, ``cents`` (the value in hellers), ``currency``,
    ``pipeline`` and ``product``.

    A deal inside one tier (all but the few crossing a boundary) or at its own rate is
    priced as ``cents × rate / 100`` rounded half up by integer division; a deal crossing
    a tier boundary goes through ``_tiered`` in Decimal. tests/reports/
    commission_reference.py prices the same in Decimal throughout, as a check."""
    bounds = _bounds_hellers(plan.tiers, target) if plan.tiers and target else ()
    running = 0  # hellers won so far in ``currency``
    results: list[PricedHellers] = []
    for deal in deals:
        before = running
        if deal.currency == currency:
            running += deal.cents
        own = plan.own_rate(deal.pipeline, deal.product)
        if own is None and not plan.tiers:
            own = plan.rate or Decimal(0)
        if own is None and (deal.currency != currency or not target):
            own = plan.tiers[0].rate
        if own is None:
            results.append(_tier_priced(plan.tiers, bounds, before, deal.cents, target))
        else:
            results.append(PricedHellers(_times_rate(deal.cents, own), own, False))
    if plan.cap is None:
        return results
    counted = [deal.currency == currency for deal in deals]
    return _capped_hellers(results, counted, plan.cap * HUNDRED)


def _bounds_hellers(tiers: Sequence[Tier], target: Decimal) -> tuple[tuple[Any, Any, Decimal], ...]:
    """(lower, upper, rate) of each tier in hellers (Decimals, as exact as in ``_tiered``)."""
    bounds, lower = [], Decimal(0)
    for tier in tiers:
        upper = None if tier.up_to is None else target * tier.up_to / HUNDRED
        bounds.append((lower * HUNDRED, None if upper is None else upper * HUNDRED, tier.rate))
        if upper is None:
            break
        lower = upper
    return tuple(bounds)


def _tier_priced(tiers: Sequence[Tier], bounds: Sequence[tuple[Any, Any, Decimal]],
                 before: int, cents: int, target: Decimal | None) -> PricedHellers:  # fmt: skip
    end = before + cents
    if cents > 0:
        for lower, upper, rate in bounds:
            if before >= lower and (upper is None or end <= upper):
                return PricedHellers(_times_rate(cents, rate), rate, False)
    amount, rates = _tiered(tiers, Decimal(before) / HUNDRED, Decimal(cents) / HUNDRED, target)  # type: ignore[arg-type]
    return PricedHellers(_whole(_cents(amount) * HUNDRED), rates[0] if len(rates) == 1 else None,
                         False)  # fmt: skip


def _times_rate(cents: int, rate: Decimal) -> int:
    """``cents × rate / 100`` rounded half up (away from zero) to whole hellers, exactly."""
    numerator, denominator = _ratio(rate)
    whole, rest = divmod(abs(cents) * numerator, denominator)
    if 2 * rest >= denominator:
        whole += 1
    return whole if cents >= 0 else -whole


@cache
def _ratio(rate: Decimal) -> tuple[int, int]:
    """A rate in % as an exact integer fraction of one: ``5`` → (5, 100), ``7.5`` → (15, 200)."""
    numerator, denominator = rate.as_integer_ratio()
    return numerator, denominator * 100


def _capped_hellers(
    results: list[PricedHellers], counted: list[bool], cap: Decimal
) -> list[PricedHellers]:
    """The cap (in hellers, in the plans' currency) cuts the deal that crosses it; later
    ones get 0."""
    limit = _whole(cap)  # an int but for a cap with fractions of a heller
    paid: Hellers = 0
    capped = []
    for result, in_currency in zip(results, counted, strict=True):
        if not in_currency:
            capped.append(result)
            continue
        allowed = max(limit - paid, 0)
        if result.hellers > allowed:
            allowed = _whole(allowed) if isinstance(allowed, Decimal) else allowed
            capped.append(PricedHellers(allowed, result.rate, True))
            paid += allowed
        else:
            capped.append(result)
            paid += result.hellers
    return capped


def _whole(hellers: Decimal) -> Hellers:
    """An int when the Decimal holds whole hellers (always but for a cap like 0.005)."""
    return int(hellers) if hellers == hellers.to_integral_value() else hellers


def money_of(hellers: Hellers) -> Decimal:
    """Hellers as money with two places (more only for a fraction of a heller)."""
    money = Decimal(hellers) / HUNDRED
    return money.quantize(CENT) if money == money.quantize(CENT) else money


# --- configuration -----------------------------------------------------------------------


def load_plans(settings: Any) -> Plans | None:
    """``commissions:`` of crmctl.yaml, validated; ``None`` when there is none."""
    setting = settings.values.get("commissions") if settings is not None else None
    if setting is None or setting.value is None:
        return None
    return parse_plans(setting.value, setting.source)


def parse_plans(raw: Any, source: str = "crmctl.yaml") -> Plans:
    where = f"commissions (from {source})"
    if not isinstance(raw, Mapping):
        raise UsageError(f"{where}: expected a mapping with plans: [...]")
    _unknown(raw, TOP_KEYS, where)
    items = raw.get("plans")
    if not isinstance(items, list) or not items:
        raise UsageError(f"{where}: plans: give a list of plans, e.g. - {{name: Standard, "
                         "default: true, rate: 5}")  # fmt: skip
    currency = str(raw.get("currency", "CZK")).strip().upper()
    plans = tuple(_plan(item, f"{where}: plans[{index}]") for index, item in enumerate(items))
    _check_unique(plans, where)
    return Plans(currency, plans)


def _plan(raw: Any, where: str) -> Plan:
    if not isinstance(raw, Mapping):
        raise UsageError(f"{where}: expected a mapping such as {{name: Standard, rate: 5}}")
    _unknown(raw, PLAN_KEYS, where)
    name = str(raw.get("name") or "").strip()
    if not name:
        raise UsageError(f"{where}: name: every plan needs a name")
    where = f"{where} ({name})"
    tiers = _tiers(raw.get("tiers"), where)
    rate = _percent(raw["rate"], f"{where}: rate") if raw.get("rate") is not None else None
    if rate is None and not tiers:
        raise UsageError(f"{where}: give rate: N (% of won value) or tiers: [...]")
    if rate is not None and tiers:
        raise UsageError(f"{where}: give either rate or tiers, not both")
    users = _names(raw.get("users"), f"{where}: users")
    teams = _names(raw.get("teams"), f"{where}: teams")
    default = raw.get("default", False)
    if not isinstance(default, bool):
        raise UsageError(f"{where}: default: write true or false")
    if not default and not users and not teams:
        raise UsageError(f"{where}: name users: or teams:, or make it the default: true")
    cap = _amount(raw["cap"], f"{where}: cap") if raw.get("cap") is not None else None
    return Plan(
        name=name, default=default, users=users, teams=teams, rate=rate, tiers=tiers,
        pipelines=_rates(raw.get("pipelines"), f"{where}: pipelines", lower=False),
        products=_rates(raw.get("products"), f"{where}: products", lower=True), cap=cap,
    )  # fmt: skip


def _tiers(raw: Any, where: str) -> tuple[Tier, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        raise UsageError(f"{where}: tiers: give a list such as [{{up_to: 100, rate: 5}}, "
                         "{rate: 8}]")  # fmt: skip
    tiers: list[Tier] = []
    for index, item in enumerate(raw):
        here = f"{where}: tiers[{index}]"
        if not isinstance(item, Mapping) or "rate" not in item:
            raise UsageError(f"{here}: expected {{up_to: N, rate: N}} (the last: {{rate: N}})")
        _unknown(item, ("up_to", "rate"), here)
        last = index == len(raw) - 1
        if last and item.get("up_to") is not None:
            raise UsageError(f"{here}: the last tier has no up_to (it takes everything above)")
        if not last and item.get("up_to") is None:
            raise UsageError(f"{here}: up_to: give the attainment % where this tier ends")
        up_to = None if last else _percent(item["up_to"], f"{here}: up_to", limit=None)
        if up_to is not None and tiers and tiers[-1].up_to is not None and up_to <= tiers[-1].up_to:
            raise UsageError(f"{here}: up_to {up_to} must be above the previous tier's")
        tiers.append(Tier(up_to, _percent(item["rate"], f"{here}: rate")))
    return tuple(tiers)


def _rates(raw: Any, where: str, *, lower: bool) -> dict[str, Decimal]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise UsageError(f"{where}: expected a mapping of name: rate, e.g. {{servis: 3}}")
    return {
        (str(key).lower() if lower else str(key)): _percent(value, f"{where}: {key}")
        for key, value in raw.items()
    }


def _names(raw: Any, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(n, str) and n.strip() for n in raw):
        raise UsageError(f"{where}: give a list of names, e.g. [petr.kral]")
    return tuple(name.strip() for name in raw)


def _percent(raw: Any, where: str, limit: Decimal | None = HUNDRED) -> Decimal:
    number = _number(raw, where, "a percentage such as 5 or 7.5")
    if number < 0 or (limit is not None and number > limit):
        raise UsageError(f"{where}: {raw!r} is not a percentage between 0 and {limit}")
    return number


def _amount(raw: Any, where: str) -> Decimal:
    number = _number(raw, where, "an amount such as 150000")
    if number < 0:
        raise UsageError(f"{where}: {raw!r} cannot be negative")
    return number


def _number(raw: Any, where: str, expected: str) -> Decimal:
    if isinstance(raw, bool):
        raise UsageError(f"{where}: {raw!r} is not {expected}")
    try:
        return Decimal(str(raw).strip().replace(" ", "").replace(",", "."))
    except InvalidOperation:
        raise UsageError(f"{where}: {raw!r} is not {expected}") from None


def _unknown(raw: Mapping[str, Any], known: Sequence[str], where: str) -> None:
    unknown = sorted(str(key) for key in raw if key not in known)
    if unknown:
        raise UsageError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(known)}")


def _check_unique(plans: Sequence[Plan], where: str) -> None:
    defaults = [plan.name for plan in plans if plan.default]
    if len(defaults) > 1:
        raise UsageError(f"{where}: more than one default plan ({', '.join(defaults)}); keep one")
    for kind in ("users", "teams"):
        seen: dict[str, str] = {}
        for plan in plans:
            for name in getattr(plan, kind):
                if name in seen:
                    raise UsageError(
                        f"{where}: {kind[:-1]} {name!r} is in two plans ({seen[name]}, "
                        f"{plan.name}); name each in one"
                    )
                seen[name] = plan.name
