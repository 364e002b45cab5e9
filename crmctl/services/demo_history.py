"""A sales history for the demo (``crmctl init --demo --history``, ``make demo``).

Eighteen months of work by the demo's salespeople, ending with the month of the run: leads
answered in business hours or late, deals that move through the stages and are won or
lost, calls, meetings and e-mails, targets for every quarter, so that every report shows
something real. Written through the services (every record has its events) with the
clock set to each moment; deterministic for a given month (a fixed seed, dates counted
from the first day of the run's month, at whole hours).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from crmctl import business_hours
from crmctl.db.models import Deal, User
from crmctl.services import activities, deals, leads, targets
from crmctl.services.context import Context

SEED = 17
MONTHS = 18
SALES = ("petr.kral", "eva.mala")
SOURCES = ("web", "email", "phone", "campaign")
TITLES = ("CNC obrábění", "Servisní smlouva", "Licence ERP", "Dodávka dílů", "Školení",
          "Revize strojů", "Údržba linky", "Svařovací robot")  # fmt: skip
VALUES = (45_000, 80_000, 120_000, 250_000, 380_000, 640_000, 990_000)
LOST_REASONS = ("cena", "konkurence", "termín", "odloženo zákazníkem")
COMPANIES = ("27184315", "45612374", "26198452", "08122334", "28345509")
QUARTER_TARGET = {"petr.kral": 2_400_000, "eva.mala": 1_800_000}


def load_sales_history(ctx: Context) -> list[str]:
    """Once: a database whose demo users already have deals is left alone."""
    if ctx.session.scalar(select(func.count()).select_from(Deal)):
        return ["sales history skipped: the database already has deals"]
    people = {user.login: user for user in ctx.session.scalars(select(User))}
    if any(login not in people for login in SALES):
        return ["sales history skipped: load the demo data first (init --demo)"]
    admin, real_now = ctx.actor, ctx.now
    rng = random.Random(SEED)
    local_now = real_now.astimezone(ctx.tz)
    first = _month_start(local_now.date(), -(MONTHS - 1))
    counts = {"leads": 0, "deals": 0, "activities": 0}
    try:
        for offset in range(MONTHS):
            month = _month_start(first, offset)
            for login in SALES:
                _month_of(ctx, rng, people[login], month, real_now, counts)
        ctx.actor, ctx.now = admin, real_now
        count = _targets(ctx, first, local_now.date())
    finally:
        ctx.actor, ctx.now = admin, real_now
    return [
        f"sales history loaded: {counts['deals']} deals, {counts['leads']} leads, "
        f"{counts['activities']} activities, {count} targets over {MONTHS} months"
    ]


def _month_start(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _moment(ctx: Context, day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ctx.tz)


def _act(ctx: Context, user: Any, when: datetime) -> None:
    ctx.actor, ctx.now = user, when


def _month_of(ctx: Context, rng: random.Random, user: Any, month: datetime | date,
              real_now: datetime, counts: dict[str, int]) -> None:  # fmt: skip
    calendar = business_hours.from_settings(ctx.settings)
    days = [month + timedelta(days=n) for n in range(28)]
    workdays = [day for day in days if calendar.is_working_day(day)]
    for _ in range(rng.randint(3, 5)):
        received = _moment(ctx, rng.choice(workdays), rng.randint(7, 17))
        if received >= real_now:
            continue
        _lead(ctx, rng, user, received, real_now)
        counts["leads"] += 1
    for _ in range(rng.randint(2, 4)):
        created = _moment(ctx, rng.choice(workdays), rng.randint(8, 16))
        if created >= real_now:
            continue
        counts["activities"] += _deal(ctx, rng, user, created, real_now)
        counts["deals"] += 1


def _lead(ctx: Context, rng: random.Random, user: Any, received: datetime,
          real_now: datetime) -> None:  # fmt: skip
    _act(ctx, user, received)
    record = leads.add_lead(ctx, {
        "source": rng.choice(SOURCES), "subject": rng.choice(TITLES),
        "contact_name": f"Zájemce {rng.randint(100, 999)}", "owner": user.login,
        "received_at": received.isoformat(),
    })  # fmt: skip
    delay = rng.choice((20, 45, 90, 150, 200, 300, 600, 1500, None))
    if delay is not None and received + timedelta(minutes=delay) < real_now:
        _act(ctx, user, received + timedelta(minutes=delay))
        leads.set_status(ctx, str(record["id"]), "contacted")


def _deal(ctx: Context, rng: random.Random, user: Any, created: datetime,
          real_now: datetime) -> int:  # fmt: skip
    _act(ctx, user, created)
    company = rng.choice(COMPANIES)
    record = deals.add_deal(ctx, {
        "title": rng.choice(TITLES), "value": str(rng.choice(VALUES)), "owner": user.login,
        "company": company, "expected_close": (created + timedelta(days=45)).date().isoformat(),
    })  # fmt: skip
    ref, moment, logged = str(record["id"]), created, 0
    for stage in ("analyza", "nabidka", "jednani"):
        moment += timedelta(days=rng.randint(3, 12))
        if moment >= real_now or rng.random() < 0.15:
            return logged
        _act(ctx, user, moment)
        kind = rng.choice(("call", "meeting", "email"))
        activities.log_activity(ctx, kind, body=f"{stage}: {record['title']}", deal=ref)
        logged += 1
        deals.move_deal(ctx, ref, stage)
    moment += timedelta(days=rng.randint(2, 10))
    if moment >= real_now:
        return logged
    _act(ctx, user, moment)
    if rng.random() < 0.6:
        deals.win_deal(ctx, ref)
    else:
        deals.lose_deal(ctx, ref, rng.choice(LOST_REASONS))
    return logged


def _targets(ctx: Context, first: date, today: date) -> int:
    count = 0
    quarter = _month_start(first, -((first.month - 1) % 3))
    while quarter <= today:
        period = f"{quarter.year}-Q{(quarter.month - 1) // 3 + 1}"
        for login, value in QUARTER_TARGET.items():
            targets.set_target(ctx, login, period, "won_value", str(value))
            targets.set_target(ctx, login, period, "calls", "30")
            count += 2
        quarter = _month_start(quarter, 3)
    return count
