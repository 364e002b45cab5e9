"""Campaigns: a name, dates, a budget and a product; ``launch`` opens their leads.

``launch`` is set-based: one query picks the matching companies with their owner and
primary contact, the already-opened ones are skipped, the owners are chosen in memory,
and the leads and their ``lead.created`` events are inserted in bulk at driver speed
(``crmctl.services.campaign_leads``). The events
are the same as those of ``leads add``, so the workflow runner fires the lead rules
(``source = "campaign"``) for them like for any lead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import cycle
from typing import Any

from sqlalchemy import and_, func, or_, select, update

from crmctl.db import tables
from crmctl.db.models import Campaign, Product
from crmctl.errors import Conflict, NotFound, UsageError, ValidationError
from crmctl.money import currency_code, parse_money
from crmctl.query import compile_where
from crmctl.query.dates import parse_when
from crmctl.query.entities import registry
from crmctl.services.access import policy
from crmctl.services.campaign_leads import insert_campaign_leads
from crmctl.services.context import Context
from crmctl.services.events import field_changes, record_event
from crmctl.services.products import product_id_for
from crmctl.services.refs import logins_by_id, resolve_user
from crmctl.services.tasks import add_task
from crmctl.services.territory import match_territory
from crmctl.services.views import view_where

ENTITY = "campaign"
EDITABLE = ("name", "description", "product", "starts_on", "ends_on", "budget", "currency",
            "owner")  # fmt: skip
_campaigns = tables.campaigns
_leads = tables.leads
_deals = tables.deals
_companies = tables.companies


# --- records ----------------------------------------------------------------------------


def find_campaign_row(ctx: Context, ref: str | int) -> Any:
    """A campaign by id or exact name, as a row of the table (the read pipeline's
    ``find``: Core only, no ORM)."""
    text = str(ref).strip().lstrip("#")
    condition = _campaigns.c.name == str(ref).strip()
    if text.isdigit():
        condition = or_(_campaigns.c.id == int(text), condition)
    row = ctx.session.execute(select(_campaigns).where(condition).order_by(_campaigns.c.id)).first()
    if row is None:
        raise policy.missing(
            ctx, ENTITY, text, NotFound(f"no campaign {ref!r}; see `crmctl campaigns list`")
        )
    policy.require(ctx, ENTITY, row.id, "read")
    return row


def resolve_campaign(ctx: Context, ref: str | int, *, action: str = "read") -> Any:
    """The ORM campaign by id or name that the actor may ``action``, for writes."""

    row = find_campaign_row(ctx, ref)
    if action != "read":
        policy.require(ctx, ENTITY, row.id, action)
    return ctx.session.get_one(Campaign, row.id)


def campaign_id_named(ctx: Context, name: str | None) -> int | None:
    """The campaign a free-text name (on a lead or deal) refers to, if one has that name."""
    if not name or not str(name).strip():
        return None
    found = ctx.session.scalar(
        select(_campaigns.c.id).where(_campaigns.c.name == str(name).strip())
    )
    return int(found) if found is not None else None


def show_campaign(ctx: Context, ref: str | int) -> dict[str, Any]:
    return campaign_records(ctx, [find_campaign_row(ctx, ref)])[0]


def campaign_records(ctx: Context, rows: Sequence[Any]) -> list[dict[str, Any]]:
    ids = [row.id for row in rows]
    logins = logins_by_id(ctx, [uid for row in rows for uid in (row.owner_id, row.created_by_id)])
    codes = dict(ctx.session.execute(select(tables.products.c.id, tables.products.c.code)).all())
    counts: dict[int, int] = {}
    if ids:
        counts = dict(
            ctx.session.execute(
                select(_leads.c.campaign_id, func.count())
                .where(_leads.c.campaign_id.in_(ids))
                .group_by(_leads.c.campaign_id)
            ).all()
        )
    return [
        {
            "id": row.id,
            "name": row.name,
            "description": row.description,
            "product": codes.get(row.product_id),
            "starts_on": row.starts_on,
            "ends_on": row.ends_on,
            "budget": None if row.budget is None else Decimal(row.budget),
            "currency": row.currency,
            "owner": logins.get(row.owner_id or -1),
            "launched_at": row.launched_at,
            "leads": counts.get(row.id, 0),
            "created_at": row.created_at,
            "created_by": logins.get(row.created_by_id or -1),
            "updated_at": row.updated_at,
        }
        for row in rows
    ]


# --- writes -----------------------------------------------------------------------------


def add_campaign(ctx: Context, desired: dict[str, Any]) -> dict[str, Any]:

    actor = ctx.require_actor()
    policy.require_any_write(ctx, ENTITY, "add campaigns")
    values = _checked(ctx, desired, current_id=None)
    if not values.get("name"):
        raise ValidationError("a campaign needs a name: `crmctl campaigns add NAME`")
    values.setdefault("owner_id", actor.id)
    campaign = Campaign(
        **values, created_at=ctx.now, updated_at=ctx.now,
        created_by_id=actor.id, updated_by_id=actor.id,
    )  # fmt: skip
    ctx.session.add(campaign)
    ctx.session.flush()
    record = show_campaign(ctx, campaign.id)
    linked = _link_by_name(ctx, campaign.id, campaign.name)
    fields = {k: v for k, v in record.items() if v not in (None, "", 0) and k != "id"}
    record_event(ctx, ENTITY, campaign.id, "campaign.created", {"fields": fields, **linked})
    return show_campaign(ctx, campaign.id)


def _link_by_name(ctx: Context, campaign_id: int, name: str) -> dict[str, int]:
    """Leads and deals whose free-text campaign is this name now refer to it."""
    linked = {}
    for label, table in (("leads_linked", _leads), ("deals_linked", _deals)):
        result = ctx.session.execute(
            update(table)
            .where(table.c.campaign == name, table.c.campaign_id.is_(None))
            .values(campaign_id=campaign_id)
        )
        linked[label] = result.rowcount or 0
    return linked


def edit_campaign(ctx: Context, ref: str, desired: dict[str, Any]) -> dict[str, Any]:
    campaign = resolve_campaign(ctx, ref, action="write")
    before = show_campaign(ctx, campaign.id)
    values = _checked(ctx, desired, current_id=campaign.id)
    for key, value in values.items():
        setattr(campaign, key, value)
    campaign.updated_at, campaign.updated_by_id = ctx.now, ctx.actor_id
    ctx.session.flush()
    if "name" in values and values["name"] != before["name"]:
        # The leads' and deals' campaign text shows the campaign's name: keep it so.
        for table in (_leads, _deals):
            ctx.session.execute(
                update(table)
                .where(table.c.campaign_id == campaign.id)
                .values(campaign=values["name"])
            )
    after = show_campaign(ctx, campaign.id)
    changes = field_changes(before, after)
    changes.pop("updated_at", None)
    if changes:
        record_event(ctx, ENTITY, campaign.id, "campaign.updated", {"changes": changes})
    return after


def remove_campaign(ctx: Context, ref: str) -> dict[str, Any]:
    """Remove a campaign that opened nothing yet (one with leads or deals stays their record)."""

    campaign = resolve_campaign(ctx, ref, action="write")
    record = show_campaign(ctx, campaign.id)
    used = {
        label: ctx.session.scalar(
            select(func.count()).select_from(table).where(table.c.campaign_id == campaign.id)
        )
        or 0
        for label, table in (("leads", _leads), ("deals", _deals))
    }
    if any(used.values()):
        raise Conflict(
            f"campaign #{campaign.id} {campaign.name!r} has {used['leads']} lead(s) and "
            f"{used['deals']} deal(s); it stays as their campaign (edit its --ends instead)"
        )
    ctx.session.delete(ctx.session.get(Campaign, campaign.id))
    record_event(ctx, ENTITY, campaign.id, "campaign.removed", {"name": record["name"]})
    return record


def _checked(ctx: Context, desired: dict[str, Any], current_id: int | None) -> dict[str, Any]:

    unknown = sorted(set(desired) - set(EDITABLE))
    if unknown:
        raise ValidationError(f"unknown campaign field(s) {', '.join(unknown)}")
    values: dict[str, Any] = {}
    if "name" in desired:
        name = str(desired["name"] or "").strip()
        if not name:
            raise ValidationError("campaign name must not be empty")
        taken = ctx.session.scalar(select(_campaigns.c.id).where(_campaigns.c.name == name))
        if taken is not None and taken != current_id:
            raise Conflict(f"campaign name {name!r} is taken by campaign #{taken}")
        values["name"] = name
    if "description" in desired:
        values["description"] = str(desired["description"] or "").strip() or None
    if "product" in desired:
        values["product_id"] = product_id_for(ctx, desired["product"])
    for key, column in (("starts_on", "starts_on"), ("ends_on", "ends_on")):
        if key in desired:
            values[column] = _day(ctx, desired[key], key)
    if desired.get("budget") not in (None, ""):
        values["budget"], named = parse_money(desired["budget"], "budget")
        if named and "currency" not in desired:
            values["currency"] = named
    elif "budget" in desired:
        values["budget"] = None
    if desired.get("currency"):
        values["currency"] = currency_code(str(desired["currency"]))
    if desired.get("owner"):
        owner = resolve_user(ctx, str(desired["owner"]))
        values["owner_id"] = owner.id
    starts, ends = values.get("starts_on"), values.get("ends_on")
    if starts and ends and ends < starts:
        raise ValidationError(f"campaign ends ({ends}) before it starts ({starts})")
    return values


def _day(ctx: Context, raw: Any, option: str) -> date | None:

    if raw in (None, ""):
        return None
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    day = parse_when(str(raw), ctx.now, ctx.tz, f"--{option.replace('_on', 's')}")
    return day if not isinstance(day, datetime) else day.astimezone(ctx.tz).date()


# --- launch -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LaunchOptions:
    where: str | None = None
    view: str | None = None
    assign: str = "owner"  # owner | round_robin:a,b | territory
    task: str | None = None
    due: str | None = None
    dry_run: bool = False


@dataclass
class LaunchResult:
    campaign: dict[str, Any]
    opened: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    dry_run: bool = False

    def rows(self) -> list[dict[str, Any]]:
        return [*self.opened, *self.skipped]


def launch_campaign(
    ctx: Context,
    ref: str,
    options: LaunchOptions,
    progress: Callable[[int, int | None], None] | None = None,
) -> LaunchResult:
    """Open one lead per matching company not yet in the campaign (see the module doc);
    ``progress(leads opened, leads planned)`` after each bulk insert."""

    actor = ctx.require_actor()
    campaign = resolve_campaign(ctx, ref, action="write")
    policy.require_any_write(ctx, "lead", "open leads")
    if options.task is None and options.due is not None:
        raise UsageError("--due needs --task TITLE")
    where = view_where(ctx, "company", options.view, options.where)
    if not where:
        raise UsageError(
            "say which companies: --where 'COMPANY FILTER' or --view NAME "
            "(--where 'id > 0' for every company you may see)"
        )
    chooser = _chooser(ctx, options.assign)
    if not options.dry_run:
        _lock_campaign(ctx, campaign.id)
    companies = _candidates(ctx, where)
    existing = _existing_leads(ctx, campaign.id)
    allowed = policy.scope_user_ids(ctx, actor, policy.rule_for(ctx, "lead").write)
    users = _users(ctx)
    result = LaunchResult(show_campaign(ctx, campaign.id), dry_run=options.dry_run)
    planned: list[tuple[Any, int]] = []
    for company in companies:
        if company.id in existing:
            result.skipped.append(_skip(company, f"already has lead #{existing[company.id]} "
                                                 "in this campaign"))  # fmt: skip
            continue
        owner_id, reason = chooser(company)
        if owner_id is None:
            result.skipped.append(_skip(company, reason))
        elif not users.get(owner_id, ("?", False))[1]:
            result.skipped.append(_skip(company, f"owner {users.get(owner_id, ('?',))[0]} "
                                                 "is inactive"))  # fmt: skip
        elif allowed is not None and owner_id not in allowed:
            login = logins_by_id(ctx, [owner_id]).get(owner_id)
            result.skipped.append(_skip(company, f"you may not give leads to {login}"))
        else:
            planned.append((company, owner_id))
    logins = {uid: login for uid, (login, _) in users.items()}
    if options.dry_run:
        result.opened = [_opened(company, None, logins[uid]) for company, uid in planned]
        return result
    product = ctx.session.get(Product, campaign.product_id) if campaign.product_id else None
    lead_ids = insert_campaign_leads(
        ctx, campaign, product.name if product else None, planned, logins, progress
    )
    result.opened = [
        _opened(company, lead_id, logins[uid])
        for (company, uid), lead_id in zip(planned, lead_ids, strict=True)
    ]
    if options.task:
        _add_tasks(ctx, options.task, options.due, planned, lead_ids, logins)
    if campaign.launched_at is None:
        campaign.launched_at = ctx.now
    record_event(
        ctx, ENTITY, campaign.id, "campaign.launched",
        {"where": where, "assign": options.assign, "opened": len(result.opened),
         "skipped": len(result.skipped)},
    )  # fmt: skip
    result.campaign = show_campaign(ctx, campaign.id)
    return result


def _lock_campaign(ctx: Context, campaign_id: int) -> None:
    """Take the write lock (SQLite) or the campaign's row lock (PostgreSQL) before reading
    what the launch decides on: the leads already opened, the next free ids. A write that
    changes nothing; a second launch of the campaign at the same time waits for this one."""
    ctx.session.execute(
        update(_campaigns)
        .where(_campaigns.c.id == campaign_id)
        .values(launched_at=_campaigns.c.launched_at)
    )


def _skip(company: Any, reason: str) -> dict[str, Any]:
    return {"action": "skipped", "company_id": company.id, "company": company.name,
            "lead_id": None, "owner": None, "reason": reason}  # fmt: skip


def _opened(company: Any, lead_id: int | None, login: str) -> dict[str, Any]:
    return {"action": "opened", "company_id": company.id, "company": company.name,
            "lead_id": lead_id, "owner": login, "reason": None}  # fmt: skip


def _candidates(ctx: Context, where: str) -> list[Any]:
    """The live companies the filter matches and the actor may see, with their primary
    contact, in id order."""

    links, persons = tables.person_companies, tables.persons
    statement = (
        select(
            _companies.c.id, _companies.c.name, _companies.c.ico, _companies.c.region,
            _companies.c.psc, _companies.c.owner_id, persons.c.id.label("person_id"),
            persons.c.first_name, persons.c.last_name,
        )
        .outerjoin(links, and_(links.c.company_id == _companies.c.id, links.c.is_primary))
        .outerjoin(persons, and_(persons.c.id == links.c.person_id, persons.c.deleted_at.is_(None)))
        .where(_companies.c.deleted_at.is_(None), _companies.c.merged_into_id.is_(None))
        .where(compile_where(where, registry("company"), now=ctx.now, tz=ctx.tz))
        .order_by(_companies.c.id, persons.c.id)
    )  # fmt: skip
    statement, _ = policy.restrict(ctx, "company", statement, where)
    seen: set[int] = set()
    rows = []
    for row in ctx.session.execute(statement):
        if row.id not in seen:  # two primary contacts: the first
            seen.add(row.id)
            rows.append(row)
    return rows


def _existing_leads(ctx: Context, campaign_id: int) -> dict[int, int]:
    rows = ctx.session.execute(
        select(_leads.c.company_id, func.min(_leads.c.id))
        .where(_leads.c.campaign_id == campaign_id, _leads.c.company_id.is_not(None))
        .where(_leads.c.deleted_at.is_(None))
        .group_by(_leads.c.company_id)
    )
    return {company_id: lead_id for company_id, lead_id in rows}


def _users(ctx: Context) -> dict[int, tuple[str, bool]]:
    """Every user id → (login, active): inactive owners are named in the skips."""
    users = tables.users.c
    rows = ctx.session.execute(select(users.id, users.login, users.active))
    return {uid: (login, bool(active)) for uid, login, active in rows}


def _chooser(ctx: Context, assign: str) -> Any:
    """``owner``, ``round_robin:a,b`` or ``territory`` → company → (user id, why not)."""
    mode, _, arguments = assign.partition(":")
    mode = mode.strip().lower().replace("-", "_")
    if mode == "owner" and not arguments:
        return lambda company: (company.owner_id, "the company has no owner")
    if mode == "round_robin":
        logins = [login.strip() for login in arguments.split(",") if login.strip()]
        if not logins:
            raise UsageError("--assign round_robin:LOGIN,LOGIN names at least one user")
        users = [resolve_user(ctx, login) for login in logins]
        inactive = [user.login for user in users if not user.active]
        if inactive:
            raise ValidationError(f"--assign: user(s) {', '.join(inactive)} are inactive")
        turn = cycle([user.id for user in users])
        return lambda company: (next(turn), "")
    if mode == "territory" and not arguments:
        return _territory_chooser(ctx)
    raise UsageError(f"--assign {assign!r}: use owner, round_robin:LOGIN,LOGIN or territory")


def _territory_chooser(ctx: Context) -> Any:

    raw = ctx.settings.values.get("territories")
    config = raw.value if raw is not None else None
    if not isinstance(config, dict) or not isinstance(config.get("table"), dict):
        raise UsageError(
            "--assign territory needs `territories:` in crmctl.yaml: "
            "{by: region|psc, table: {VALUE: LOGIN}, fallback: LOGIN}"
        )
    by = str(config.get("by", "region"))
    if by not in ("region", "psc"):
        raise UsageError(f"territories.by: {by!r} is not region or psc")
    table = {str(key): value for key, value in config["table"].items()}
    ids = {
        str(key): resolve_user(ctx, str(login)).id
        for key, login in [*table.items(), ("", config.get("fallback"))]
        if login
    }
    fallback = ids.pop("", None)

    def choose(company: Any) -> tuple[int | None, str]:
        value = getattr(company, by)
        value = value.replace(" ", "") if value and by == "psc" else value
        key = match_territory(by, value, table)
        if key is not None:
            return ids[key], ""
        return fallback, f"{by} {value or '(empty)'} matches no territory and there is no fallback"

    return choose


def _add_tasks(
    ctx: Context,
    title: str,
    due: str | None,
    planned: list[tuple[Any, int]],
    lead_ids: list[int],
    logins: dict[int, str],
) -> None:
    """A follow-up task per opened lead, for its owner, through the task service."""

    for (_, owner_id), lead_id in zip(planned, lead_ids, strict=True):
        add_task(ctx, title, due_at=due, assignee=logins[owner_id], lead=str(lead_id))
