"""Account plans for key customers (issue 19): goal and target for a period, who decides
at the customer (stakeholders), planned actions (tasks linked to the plan), whitespace and
progress.

A plan is in scope through its company (sales: own customers; support: none). Its
progress is computed on ``show``, never stored: won value and pipeline change with deals.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select, true

from crmctl.clock import as_utc
from crmctl.db import tables
from crmctl.db.models import AccountPlan, PlanStakeholder, Task
from crmctl.errors import Conflict, NotFound, ValidationError
from crmctl.money import currency_code, parse_money
from crmctl.services.access import policy
from crmctl.services.context import Context
from crmctl.services.events import field_changes, record_event
from crmctl.services.period import parse_period
from crmctl.services.read.records import display_name
from crmctl.services.refs import logins_by_id, resolve_company, resolve_person, resolve_user
from crmctl.services.tasks import add_task

ENTITY = "plan"
ROLES = ("decision-maker", "influencer", "user", "blocker")
ATTITUDES = ("supporter", "neutral", "opponent")
EDITABLE = ("period", "goal", "target_value", "currency", "owner")
QUIET_DAYS = 90  # a stakeholder without contact for this long needs attention
_plans = tables.account_plans
_stakeholders = tables.plan_stakeholders


# --- records ----------------------------------------------------------------------------


def find_plan_row(ctx: Context, ref: str | int) -> Any:
    text = str(ref).strip().lstrip("#")
    row = None
    if text.isdigit():
        row = ctx.session.execute(select(_plans).where(_plans.c.id == int(text))).first()
    if row is None:
        not_found = NotFound(f"no account plan {ref!r}; see `crmctl plans list`")
        raise policy.missing(ctx, ENTITY, text, not_found)
    policy.require(ctx, ENTITY, row.id, "read")
    return row


def show_plan(ctx: Context, ref: str | int) -> dict[str, Any]:
    return plan_records(ctx, [find_plan_row(ctx, ref)])[0]


def plan_records(ctx: Context, rows: Sequence[Any]) -> list[dict[str, Any]]:
    companies = tables.companies.c
    ids = {row.company_id for row in rows}
    names = dict(
        ctx.session.execute(select(companies.id, companies.name).where(companies.id.in_(ids))).all()
    )
    logins = logins_by_id(ctx, [u for row in rows for u in (row.owner_id, row.created_by_id)])
    return [
        {
            "id": row.id,
            "company_id": row.company_id,
            "company": names.get(row.company_id),
            "period": row.period,
            "goal": row.goal,
            "target_value": None if row.target_value is None else Decimal(row.target_value),
            "currency": row.currency,
            "owner": logins.get(row.owner_id or -1),
            "created_at": row.created_at,
            "created_by": logins.get(row.created_by_id or -1),
            "updated_at": row.updated_at,
        }
        for row in rows
    ]


# --- writes -----------------------------------------------------------------------------


def add_plan(ctx: Context, company_ref: str, desired: dict[str, Any]) -> dict[str, Any]:

    actor = ctx.require_actor()
    policy.require_any_write(ctx, ENTITY, "add account plans")
    company = resolve_company(ctx, company_ref, action="read")
    values = _checked(ctx, desired)
    if not values.get("period"):
        raise ValidationError("an account plan needs a period: --period 2027")
    _unique(ctx, company.id, values["period"], None)
    values.setdefault("owner_id", company.owner_id or actor.id)
    plan = AccountPlan(
        company_id=company.id, **values, created_at=ctx.now, updated_at=ctx.now,
        created_by_id=actor.id, updated_by_id=actor.id,
    )  # fmt: skip
    ctx.session.add(plan)
    ctx.session.flush()
    policy.require(ctx, ENTITY, plan.id, "write")  # in scope through its company
    record = show_plan(ctx, plan.id)
    fields = {k: v for k, v in record.items() if v not in (None, "") and k != "id"}
    record_event(ctx, ENTITY, plan.id, "plan.created", {"fields": fields})
    return record


def edit_plan(ctx: Context, ref: str, desired: dict[str, Any]) -> dict[str, Any]:

    row = find_plan_row(ctx, ref)
    policy.require(ctx, ENTITY, row.id, "write")
    plan = ctx.session.get_one(AccountPlan, row.id)
    before = show_plan(ctx, row.id)
    values = _checked(ctx, desired)
    if "period" in values:
        _unique(ctx, row.company_id, values["period"], row.id)
    for key, value in values.items():
        setattr(plan, key, value)
    plan.updated_at, plan.updated_by_id = ctx.now, ctx.actor_id
    ctx.session.flush()
    after = show_plan(ctx, row.id)
    changes = field_changes(before, after)
    changes.pop("updated_at", None)
    if changes:
        record_event(ctx, ENTITY, row.id, "plan.updated", {"changes": changes})
    return after


def add_stakeholder(
    ctx: Context, plan_ref: str, contact_ref: str, role: str, attitude: str
) -> dict[str, Any]:

    row = find_plan_row(ctx, plan_ref)
    policy.require(ctx, ENTITY, row.id, "write")
    role, attitude = role.strip().lower(), attitude.strip().lower()
    if role not in ROLES:
        raise ValidationError(f"--role {role!r}: choose one of {', '.join(ROLES)}")
    if attitude not in ATTITUDES:
        raise ValidationError(f"--attitude {attitude!r}: choose one of {', '.join(ATTITUDES)}")
    person = resolve_person(ctx, contact_ref, action="read")
    existing = ctx.session.scalar(
        select(_stakeholders.c.id).where(
            _stakeholders.c.plan_id == row.id, _stakeholders.c.person_id == person.id
        )
    )
    if existing is not None:
        raise Conflict(f"contact #{person.id} is already a stakeholder of plan #{row.id}")
    ctx.session.add(
        PlanStakeholder(
            plan_id=row.id, person_id=person.id, role=role, attitude=attitude,
            created_at=ctx.now, updated_at=ctx.now,
            created_by_id=ctx.actor_id, updated_by_id=ctx.actor_id,
        )
    )  # fmt: skip
    ctx.session.flush()
    entry = {"contact_id": person.id, "role": role, "attitude": attitude}
    record_event(ctx, ENTITY, row.id, "plan.stakeholder_added", entry)
    return entry


def add_action(ctx: Context, plan_ref: str, subject: str, **task: Any) -> dict[str, Any]:
    """A planned action: a task about the plan's company, linked to the plan."""

    row = find_plan_row(ctx, plan_ref)
    policy.require(ctx, ENTITY, row.id, "write")
    record = add_task(ctx, subject, company=row.company_id, **task)
    ctx.session.get_one(Task, record["id"]).plan_id = row.id
    ctx.session.flush()
    record_event(ctx, ENTITY, row.id, "plan.action_added", {"task_id": record["id"]})
    return record


def _checked(ctx: Context, desired: dict[str, Any]) -> dict[str, Any]:

    values: dict[str, Any] = {}
    if desired.get("period") is not None:
        period = str(desired["period"]).strip()
        parse_period(period, period)  # a year, quarter or month, else a usage error
        values["period"] = period
    if "goal" in desired:
        values["goal"] = str(desired["goal"] or "").strip() or None
    if desired.get("target_value") not in (None, ""):
        values["target_value"], named = parse_money(str(desired["target_value"]), "target_value")
        if named and "currency" not in desired:
            values["currency"] = named
    if desired.get("currency"):
        values["currency"] = currency_code(str(desired["currency"]))
    if desired.get("owner"):
        values["owner_id"] = resolve_user(ctx, str(desired["owner"])).id
    return values


def _unique(ctx: Context, company_id: int, period: str, current_id: int | None) -> None:
    taken = ctx.session.scalar(
        select(_plans.c.id).where(_plans.c.company_id == company_id, _plans.c.period == period)
    )
    if taken is not None and taken != current_id:
        raise Conflict(f"company #{company_id} already has plan #{taken} for {period}")


# --- progress ---------------------------------------------------------------------------


def plan_detail(ctx: Context, ref: str | int) -> dict[str, Any]:
    """The plan with its progress, stakeholders, actions and whitespace (``plans show``)."""
    record = show_plan(ctx, ref)
    row = find_plan_row(ctx, ref)
    stakeholders = _stakeholder_rows(ctx, row.id)
    actions = _actions(ctx, row.id)
    quiet = [s for s in stakeholders if s["quiet"]]
    progress = {
        **_deal_sums(ctx, row),
        "target_value": record["target_value"],
        "actions_done": sum(1 for a in actions if a["done"]),
        "actions_open": sum(1 for a in actions if not a["done"]),
        "actions_overdue": sum(1 for a in actions if a["overdue"]),
        "stakeholders_without_contact": len(quiet),
    }
    target = record["target_value"]
    progress["attainment_percent"] = (
        None if not target else round(progress["won_value"] * 100 / target, 1)
    )
    return {
        **record,
        "progress": progress,
        "stakeholders": stakeholders,
        "actions": actions,
        "whitespace": whitespace(ctx, row.company_id),
    }


def _deal_sums(ctx: Context, plan: Any) -> dict[str, Decimal]:
    """Won value closed in the plan's period and open pipeline, in the plan's currency."""

    period = parse_period(plan.period, plan.period)
    deals = tables.deals.c
    mine = and_(
        deals.company_id == plan.company_id, deals.deleted_at.is_(None),
        deals.currency == plan.currency,
    )  # fmt: skip
    won = ctx.session.scalar(
        select(func.coalesce(func.sum(deals.value), 0)).where(
            mine,
            deals.status == "won",
            deals.closed_at >= period.start_utc(ctx.tz),
            deals.closed_at < period.end_utc(ctx.tz),
        )
    )
    pipeline = ctx.session.scalar(
        select(func.coalesce(func.sum(deals.value), 0)).where(mine, deals.status == "open")
    )
    return {"won_value": Decimal(won or 0), "open_pipeline": Decimal(pipeline or 0)}


def _stakeholder_rows(ctx: Context, plan_id: int) -> list[dict[str, Any]]:

    people, acts = tables.persons.c, tables.activities.c
    last = (
        select(func.max(acts.occurred_at))
        .where(acts.person_id == _stakeholders.c.person_id)
        .scalar_subquery()
    )
    rows = ctx.session.execute(
        select(
            _stakeholders.c.person_id,
            _stakeholders.c.role,
            _stakeholders.c.attitude,
            people.title_before,
            people.first_name,
            people.last_name,
            people.title_after,
            last.label("last_contact_at"),
        )
        .join(tables.persons, people.id == _stakeholders.c.person_id)
        .where(_stakeholders.c.plan_id == plan_id)
        .order_by(_stakeholders.c.id)
    ).all()
    since = ctx.now - timedelta(days=QUIET_DAYS)
    result = []
    for row in rows:
        last_at = row.last_contact_at
        if last_at is not None and last_at.tzinfo is None:
            last_at = as_utc(last_at)
        result.append({
            "contact_id": row.person_id, "name": display_name(row), "role": row.role,
            "attitude": row.attitude, "last_contact_at": last_at,
            "quiet": last_at is None or last_at < since,
        })  # fmt: skip
    return result


def _actions(ctx: Context, plan_id: int) -> list[dict[str, Any]]:
    tasks = tables.tasks.c
    rows = ctx.session.execute(
        select(tasks.id, tasks.subject, tasks.due_at, tasks.done_at)
        .where(tasks.plan_id == plan_id)
        .order_by(tasks.due_at, tasks.id)
    ).all()

    return [
        {
            "task_id": row.id, "subject": row.subject, "due_at": row.due_at,
            "done": row.done_at is not None,
            "overdue": row.done_at is None and row.due_at is not None
            and as_utc(row.due_at) < ctx.now,
        }
        for row in rows
    ]  # fmt: skip


def whitespace(ctx: Context, company_id: int) -> list[dict[str, Any]]:
    """Active catalogue products the customer neither has as a service nor has an open
    deal for: what is left to offer."""
    products, services, deals = tables.products.c, tables.services.c, tables.deals.c
    has = select(services.product_id).where(
        services.company_id == company_id, services.product_id.is_not(None)
    )
    offered = select(deals.product_id).where(
        deals.company_id == company_id, deals.status == "open", deals.deleted_at.is_(None),
        deals.product_id.is_not(None),
    )  # fmt: skip
    rows = ctx.session.execute(
        select(products.id, products.code, products.name, products.list_price, products.billing)
        .where(products.active == true(), products.id.not_in(has), products.id.not_in(offered))
        .order_by(products.code)
    ).all()
    return [
        {"product_id": r.id, "code": r.code, "name": r.name, "billing": r.billing,
         "list_price": None if r.list_price is None else Decimal(r.list_price)}
        for r in rows
    ]  # fmt: skip
