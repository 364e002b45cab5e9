"""Demo data: Czech companies and persons with relations, loaded through the services."""

from __future__ import annotations

from datetime import date, timedelta
from importlib.resources import files
from typing import Any

import yaml
from sqlalchemy import func, select

from crmctl.db.models import Company
from crmctl.db.tables import services
from crmctl.services import companies, contacts, plans, users
from crmctl.services.context import Context
from crmctl.services.contracts import add_service
from crmctl.services.refs import resolve_company


def load_demo(ctx: Context) -> list[str]:
    """Loads once: a database that already has companies is left alone."""
    if ctx.session.scalar(select(func.count()).select_from(Company)):
        return ["demo data skipped: the database already has companies"]
    data = yaml.safe_load(files("crmctl.data").joinpath("demo.yaml").read_text(encoding="utf-8"))
    for team in data["teams"]:
        users.add_team(ctx, team["name"], team.get("description"))
    for user in data["users"]:
        users.add_user(ctx, users.UserInput(**user))
    for company in data["companies"]:
        companies.add_company(ctx, _company_input(company))
    person_ids = _add_contacts(ctx, data["contacts"])
    _apply_edits(ctx, data["edits"], person_ids)
    return [
        f"demo data loaded: {len(data['companies'])} companies, {len(data['contacts'])} contacts, "
        f"{len(data['users'])} users"
    ]


def _company_input(company: dict[str, Any]) -> companies.CompanyInput:
    values = {key: str(value) for key, value in company.items() if key in companies.SCALAR_FIELDS}
    return companies.CompanyInput(
        values=values,
        owner=company.get("owner"),
        tags_add=company.get("tags", []),
        custom_set=company.get("custom", {}),
    )


def _add_contacts(ctx: Context, entries: list[dict[str, Any]]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for entry in entries:
        desired = {k: v for k, v in entry.items() if k in ("full_name", "function", "emails")}
        desired |= {k: entry[k] for k in ("phones", "tags") if k in entry}
        desired["companies"] = [
            {"id": resolve_company(ctx, link["company"]).id, **_link_fields(link)}
            for link in entry["companies"]
        ]
        ids[entry["key"]] = contacts.add_contact(ctx, desired)["id"]
    for entry in entries:
        for kind in ("reports_to", "assistant_of"):
            if kind in entry:
                contacts.relate(ctx, str(ids[entry["key"]]), str(ids[entry[kind]]), kind=kind)
        for related in entry.get("related", []):
            contacts.relate(
                ctx,
                str(ids[entry["key"]]),
                str(ids[related["to"]]),
                kind="related",
                label=related["label"],
            )
    return ids


def _link_fields(link: dict[str, Any]) -> dict[str, Any]:
    return {"role": link.get("role"), "primary": bool(link.get("primary"))}


def _apply_edits(ctx: Context, edits: list[dict[str, Any]], person_ids: dict[str, int]) -> None:
    for edit in edits:
        if "company" in edit:
            companies.edit_company(
                ctx,
                edit["company"],
                companies.CompanyInput(values=edit["set"], tags_add=edit.get("tags_add", [])),
            )
        else:
            contacts.edit_contact(ctx, str(person_ids[edit["contact"]]), edit["set"])


def load_demo_services(ctx: Context) -> list[str]:
    """With ``--history`` (``make demo``): services of each kind and an account plan.

    Not part of plain ``--demo``, whose records the golden corpus pins by id.
    """
    if ctx.session.scalar(select(func.count()).select_from(services)):
        return ["demo services skipped: the database already has services"]
    data = yaml.safe_load(files("crmctl.data").joinpath("demo.yaml").read_text(encoding="utf-8"))
    if ctx.actor is None:
        return []
    _add_services(ctx, data.get("services") or [])
    _add_plans(ctx, data.get("plans") or [])
    return [
        f"demo services loaded: {len(data.get('services') or [])} services, "
        f"{len(data.get('plans') or [])} account plan(s)"
    ]


def _days(ctx: Context, offset: int | None) -> date | None:
    return None if offset is None else ctx.now.astimezone(ctx.tz).date() + timedelta(offset)


def _add_services(ctx: Context, entries: list[dict[str, Any]]) -> None:
    for entry in entries:
        desired = {k: v for k, v in entry.items() if not k.endswith("_days")}
        desired["notice_days"] = entry.get("notice_days")
        desired["starts_on"] = _days(ctx, entry.get("starts_days"))
        desired["ends_on"] = _days(ctx, entry.get("ends_days"))
        add_service(ctx, {k: v for k, v in desired.items() if v is not None})


def _add_plans(ctx: Context, entries: list[dict[str, Any]]) -> None:
    for entry in entries:
        year = ctx.now.astimezone(ctx.tz).year + int(entry.get("period_years", 0))
        desired = {"period": str(year), "goal": entry.get("goal"),
                   "target_value": entry.get("target_value")}  # fmt: skip
        plan = plans.add_plan(ctx, entry["company"], desired)
        for person in entry.get("stakeholders") or []:
            plans.add_stakeholder(
                ctx, str(plan["id"]), person["contact"], person["role"], person["attitude"]
            )
        for action in entry.get("actions") or []:
            plans.add_action(ctx, str(plan["id"]), action["subject"],
                             due_at=_days(ctx, action["due_days"]))  # fmt: skip
