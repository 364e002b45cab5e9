"""Demo products and campaigns (issue 19), loaded with ``init --demo --history``.

Through the services, as a manager would do it: a small catalogue, one campaign launched
over the demo companies (two of its leads converted, one of those deals won, one lead
contacted) and one planned campaign not launched yet.
"""

from __future__ import annotations

from sqlalchemy import func, select

from crmctl.db import tables
from crmctl.services.campaigns import LaunchOptions, add_campaign, launch_campaign
from crmctl.services.context import Context
from crmctl.services.deals import win_deal
from crmctl.services.leads import convert_lead, set_status
from crmctl.services.products import add_product

PRODUCTS = (
    {"code": "CRM-PRO", "name": "CRM Pro (licence)", "category": "licence",
     "list_price": "990", "billing": "monthly"},
    {"code": "SERVIS", "name": "Servisní smlouva", "category": "služby",
     "list_price": "24 000", "billing": "yearly"},
    {"code": "IMPL", "name": "Implementace", "category": "služby",
     "list_price": "150 000", "billing": "once"},
)  # fmt: skip


def load_campaigns(ctx: Context) -> list[str]:
    """Once: a database that already has campaigns is left alone."""
    if ctx.session.scalar(select(func.count()).select_from(tables.campaigns)):
        return ["demo campaigns skipped: the database already has campaigns"]
    for product in PRODUCTS:
        add_product(ctx, dict(product))
    spring = add_campaign(ctx, {
        "name": "Jaro 2027: CRM Pro", "description": "Nabídka CRM Pro stávajícím zákazníkům",
        "product": "CRM-PRO", "starts_on": "2027-03-01", "ends_on": "2027-04-30",
        "budget": "40 000",
    })  # fmt: skip
    add_campaign(ctx, {
        "name": "Veletrh MSV 2027", "description": "Mezinárodní strojírenský veletrh Brno",
        "product": "SERVIS", "starts_on": "2027-09-20", "ends_on": "2027-09-24",
        "budget": "120 000",
    })  # fmt: skip
    result = launch_campaign(ctx, str(spring["id"]), LaunchOptions(where="id > 0"))
    lead_ids = [row["lead_id"] for row in result.opened]
    for lead_id, value in zip(lead_ids[:2], ("35 640", "11 880"), strict=False):
        deal = convert_lead(ctx, str(lead_id), {"value": value})["deal"]
        if value == "35 640":
            win_deal(ctx, str(deal["id"]), "Tříletá licence")
    if len(lead_ids) > 2:
        set_status(ctx, str(lead_ids[2]), "contacted")
    return [
        f"demo campaigns loaded: {len(PRODUCTS)} products, 2 campaigns "
        f"({len(lead_ids)} leads opened by the launched one)"
    ]
