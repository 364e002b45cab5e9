"""Commission arithmetic and plan validation (no database)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmctl.errors import UsageError
from crmctl.reports.commission_plans import (
    Plan,
    Tier,
    commission_hellers,
    money_of,
    parse_plans,
)
from tests.reports.commission_reference import Commission, WonDeal, commissions

PLANS = {
    "plans": [
        {
            "name": "Standard",
            "default": True,
            "tiers": [{"up_to": 100, "rate": 5}, {"rate": 8}],
            "pipelines": {"servis": 3},
            "products": {"Licence": 10},
            "cap": 60000,
        },
        {"name": "Lovci", "users": ["petr.kral"], "teams": ["Morava"], "rate": "6,5"},
    ]
}


def deal(deal_id: int, value: str, pipeline: str = "obchod", product: str | None = None,
         currency: str = "CZK") -> WonDeal:  # fmt: skip
    return WonDeal(deal_id, Decimal(value), currency, pipeline, product)


def priced(
    plan: Plan, deals: list[WonDeal], target: Decimal | None, currency: str
) -> list[Commission]:
    """crmctl's pricing (integer hellers) of the deals, as Decimal commissions."""
    in_hellers = [CentsDeal(d.id, int(d.value * 100), d.currency, d.pipeline, d.product)
                  for d in deals]  # fmt: skip
    return [
        Commission(d.id, f.rate, money_of(f.hellers), f.capped)
        for d, f in zip(deals, commission_hellers(plan, in_hellers, target, currency), strict=True)
    ]


def test_tiers_split_the_deal_that_crosses_the_target() -> None:
    plan = replace(parse_plans(PLANS).plans[0], cap=None)
    # Target 1,000,000: 600k at 5 %, then 700k of which 400k at 5 % and 300k at 8 %.
    rows = priced(plan, [deal(1, "600000"), deal(2, "700000")], Decimal(1_000_000), "CZK")
    assert [(r.deal_id, r.rate, r.commission) for r in rows] == [
        (1, Decimal(5), Decimal("30000.00")),
        (2, None, Decimal("44000.00")),
    ]


def test_cap_cuts_the_crossing_deal_and_zeroes_later_ones() -> None:
    plan = parse_plans(PLANS).plans[0]
    deals = [deal(1, "600000"), deal(2, "700000"), deal(3, "100000")]
    rows = priced(plan, deals, Decimal(1_000_000), "CZK")
    assert [(r.commission, r.capped) for r in rows] == [
        (Decimal("30000.00"), False),
        (Decimal("30000.00"), True),  # 44,000 capped at 60,000 − 30,000
        (Decimal("0.00"), True),
    ]


def test_pipeline_and_product_rates_bypass_tiers_but_count_towards_attainment() -> None:
    plan = replace(parse_plans(PLANS).plans[0], cap=None)
    deals = [deal(1, "900000", "servis"), deal(2, "200000"), deal(3, "1000", product="licence")]
    rows = priced(plan, deals, Decimal(1_000_000), "CZK")
    # Deal 2: 100k at 5 % (up to the target), 100k at 8 %.
    assert [r.commission for r in rows] == [Decimal("27000.00"), Decimal("13000.00"),
                                           Decimal("100.00")]  # fmt: skip


def test_half_up_to_hellers_per_deal_and_no_target_takes_the_first_tier() -> None:
    plan = parse_plans(PLANS).plans[0]
    rows = priced(plan, [deal(1, "0.10"), deal(2, "0.30")], None, "CZK")
    assert [r.commission for r in rows] == [Decimal("0.01"), Decimal("0.02")]  # 0.005, 0.015


def test_plan_for_user_team_default() -> None:
    plans = parse_plans(PLANS)
    assert plans.plan_for("petr.kral", None).name == "Lovci"  # type: ignore[union-attr]
    assert plans.plan_for("eva", "Morava").name == "Lovci"  # type: ignore[union-attr]
    assert plans.plan_for("eva", "Praha").name == "Standard"  # type: ignore[union-attr]
    assert plans.plans[1].rate == Decimal("6.5")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"plans": []}, "plans: give a list of plans"),
        ({"plans": [{"name": "A", "default": True}]}, "(A): give rate: N"),
        ({"plans": [{"name": "A", "rate": 5}]}, "(A): name users: or teams:"),
        ({"plans": [{"name": "A", "default": True, "rate": 500}]}, "rate: 500 is not a percentage"),
        ({"plans": [{"name": "A", "default": True, "rate": "x"}]}, "rate: 'x' is not a percentage"),
        ({"plans": [{"name": "A", "default": True, "rate": 5, "x": 1}]}, "unknown key(s) x"),
        ({"plans": [{"name": "A", "default": True, "tiers": [{"up_to": 100, "rate": 5}]}]},
         "the last tier has no up_to"),
        ({"plans": [{"name": "A", "default": True, "tiers": [{"rate": 5}, {"rate": 8}]}]},
         "tiers[0]: up_to: give the attainment %"),
        ({"plans": [{"name": "A", "users": ["x"], "rate": 1}, {"name": "B", "users": ["x"],
                                                             "rate": 2}]},
         "user 'x' is in two plans (A, B)"),
        ({"plans": [{"name": "A", "default": True, "rate": 1}, {"name": "B", "default": True,
                                                               "rate": 2}]},
         "more than one default plan"),
    ],
)  # fmt: skip
def test_bad_plans_are_named(raw: object, message: str) -> None:
    with pytest.raises(UsageError, match="commissions") as error:
        parse_plans(raw)
    assert message in str(error.value)


# --- the report's integer-heller path gives the Decimal arithmetic's numbers ------------------


class CentsDeal(NamedTuple):
    id: int
    cents: int
    currency: str
    pipeline: str
    product: str | None


rates = st.decimals(min_value=0, max_value=100, places=2)


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    bounds = sorted(draw(st.sets(st.integers(1, 300), max_size=3)))
    tiers = (*(Tier(Decimal(b), draw(rates)) for b in bounds), Tier(None, draw(rates)))
    tiered = draw(st.booleans())
    cap = draw(st.none() | st.decimals(min_value=0, max_value=200000, places=3))
    own = draw(st.sampled_from([{}, {"servis": Decimal("3.5")}]))
    return Plan(name="P", default=True, rate=None if tiered else draw(rates),
                tiers=tiers if tiered else (), pipelines=own, products={"licence": Decimal(10)},
                cap=cap)  # fmt: skip


won_deals = st.lists(
    st.builds(
        CentsDeal,
        st.integers(1, 10**6),
        st.integers(-1000, 10**8) | st.just(0),
        st.sampled_from(["CZK", "CZK", "EUR"]),
        st.sampled_from(["obchod", "servis"]),
        st.sampled_from([None, "licence"]),
    ),
    max_size=30,
)
targets = st.none() | st.decimals(min_value=0, max_value=10**7, places=4)


@settings(max_examples=400, deadline=None)
@given(plan=plans(), deals=won_deals, target=targets)
def test_integer_hellers_give_the_decimal_commissions(
    plan: Plan, deals: list[CentsDeal], target: Decimal | None
) -> None:
    reference = commissions(
        plan,
        [WonDeal(d.id, Decimal(d.cents) / 100, d.currency, d.pipeline, d.product) for d in deals],
        target,
        "CZK",
    )
    fast = commission_hellers(plan, deals, target, "CZK")
    assert [(r.commission, r.rate, r.capped) for r in reference] == [
        (money_of(f.hellers), f.rate, f.capped) for f in fast
    ]
    assert all(isinstance(f.hellers, int) for f in fast) or plan.cap is not None


def test_integer_hellers_round_half_up_away_from_zero() -> None:
    plan = Plan(name="P", default=True, rate=Decimal("2.5"))
    deals = [CentsDeal(1, 10, "CZK", "obchod", None), CentsDeal(2, 30, "CZK", "obchod", None),
             CentsDeal(3, -30, "CZK", "obchod", None)]  # fmt: skip
    # 0.25 h → 0, 0.75 h → 1, −0.75 h → −1 (half up: 0.5 would go to 1).
    assert [f.hellers for f in commission_hellers(plan, deals, None, "CZK")] == [0, 1, -1]
    half = [CentsDeal(1, 20, "CZK", "obchod", None)]  # 0.5 h → 1
    assert commission_hellers(plan, half, None, "CZK")[0].hellers == 1
