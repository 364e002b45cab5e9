"""``report lead-response``: how fast leads received in the period were answered.

Per group (``--by`` owner, the default, source or campaign): leads received in the
period, answered, median and 90th-percentile (nearest rank) response time in minutes,
answered within the SLA, breaches (answered after the SLA) and, counted separately,
unanswered past the SLA now. The response time of a lead runs from its receipt to its
first response (the first time a person acted on it: ``leads.first_response_at``) and
counts business time only (``business_hours:``, ``crmctl.business_hours``) unless
``--calendar-time``. Default SLA 4 h. ``--breaches`` lists those leads instead.

The leads are read in one query (the reader's permissions, ``--where`` over lead fields,
the period on ``received_at``, times as epoch seconds); the business time is counted in
Python over a table of the days the leads span (``business_hours.epoch_clock``): a
bisect and a clamp per instant, since SQL cannot hold the holiday calendar.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from crmctl import business_hours, present
from crmctl.errors import UsageError
from crmctl.reports import common
from crmctl.reports.common import ReportOptions, leads
from crmctl.reports.result import ChartSpec, Column, ColumnKind, ReportResult
from crmctl.reports.sql import epoch_seconds
from crmctl.services.context import Context

GROUPINGS = ("owner", "source", "campaign")
DEFAULT_SLA = "4h"
_SLA = re.compile(r"^(?:(\d+)\s*h)?\s*(?:(\d+)\s*(?:m|min))?$")
NOTE = (
    "Leads received in the period; response = receipt to first response, {clock}; "
    "90th percentile by nearest rank; breaches = answered after the SLA ({sla}); "
    "unanswered past the SLA counted separately."
)


@dataclass(frozen=True)
class LeadResponseOptions(ReportOptions):
    by: str = "owner"
    sla: str = DEFAULT_SLA
    breaches: bool = False
    calendar_time: bool = False

    def params(self) -> dict[str, Any]:
        return {**super().params(), "by": self.by, "sla": self.sla, "breaches": self.breaches,
                "calendar_time": self.calendar_time}  # fmt: skip


def parse_sla(text: str) -> int:
    """``4h``, ``90m``, ``1h30m`` or plain minutes ``240`` → minutes (> 0)."""
    value = text.strip().lower()
    minutes: int | None = None
    if value.isdigit():
        minutes = int(value)
    elif value and (match := _SLA.match(value)) and (match[1] or match[2]):
        minutes = int(match[1] or 0) * 60 + int(match[2] or 0)
    if not minutes:
        raise UsageError(f"--sla {text!r}: give a time such as 4h, 90m or 1h30m")
    return minutes


def parse_grouping(text: str) -> str:
    value = text.strip().lower()
    if value not in GROUPINGS:
        raise UsageError(f"--by {text!r}: group by one of {'|'.join(GROUPINGS)}")
    return value


# --- the leads and their times -----------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    id: int
    owner_id: int | None
    source: str
    campaign: str | None
    status: str
    received: int  # epoch seconds
    response: int | None  # minutes to the first response; None: not answered
    waiting: int  # minutes waited so far (unanswered) or to the response


def timings(ctx: Context, options: LeadResponseOptions) -> list[Timing]:
    period = options.period
    received, answered = epoch_seconds(leads.received_at), epoch_seconds(leads.first_response_at)
    statement = select(
        leads.id, leads.owner_id, leads.source, leads.campaign, leads.status,
        received.label("received"), answered.label("answered"),
    ).where(*common.lead_conditions(ctx, options.where))  # fmt: skip
    if period.start:
        statement = statement.where(leads.received_at >= period.start_utc(ctx.tz))
    if period.end:
        statement = statement.where(leads.received_at < period.end_utc(ctx.tz))
    rows = ctx.session.execute(statement.order_by(leads.received_at, leads.id)).all()
    now = int(ctx.now.timestamp())
    count = _counter(ctx, options.calendar_time, rows, now)
    found = []
    for row in rows:
        response = None if row.answered is None else count(row.received, row.answered)
        waiting = response if response is not None else count(row.received, now)
        found.append(Timing(row.id, row.owner_id, row.source, row.campaign, row.status,
                            row.received, response, waiting))  # fmt: skip
    return found


def _counter(ctx: Context, calendar_time: bool, rows: Sequence[Any], now: int) -> Any:
    """Minutes between two epoch seconds: wall clock, or business time over the days the
    rows span (one table of days, so a million leads cost a bisect each)."""
    if calendar_time:
        return lambda start, end: max(end - start, 0) // 60
    if not rows:
        return lambda start, end: 0
    calendar = business_hours.from_settings(ctx.settings)
    first = min(row.received for row in rows)
    last = max(now, *(row.answered for row in rows if row.answered is not None))
    day = _local_day(ctx, first) - timedelta(days=1)
    clock = business_hours.epoch_clock(calendar, day, _local_day(ctx, last) + timedelta(days=1))
    return clock.minutes


def _local_day(ctx: Context, seconds: int) -> date:
    return datetime.fromtimestamp(seconds, UTC).astimezone(ctx.tz).date()


def nearest_rank(values: Sequence[int], percentile: int) -> int | None:
    """The nearest-rank percentile: the smallest value with ``percentile`` % at or below."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(percentile * len(ordered) / 100), 1) - 1]


def summarise(found: Sequence[Timing], sla: int) -> dict[str, Any]:
    responses = [t.response for t in found if t.response is not None]
    return {
        "leads": len(found),
        "answered": len(responses),
        "median_minutes": common.median_of(responses),
        "p90_minutes": nearest_rank(responses, 90),
        "within_sla": sum(1 for minutes in responses if minutes <= sla),
        "breaches": sum(1 for minutes in responses if minutes > sla),
        "unanswered_past_sla": sum(1 for t in found if t.response is None and t.waiting > sla),
    }


# --- the report --------------------------------------------------------------------------


def lead_response(ctx: Context, options: LeadResponseOptions) -> ReportResult:
    by = parse_grouping(options.by)
    sla = parse_sla(options.sla)
    found = timings(ctx, options)
    owners = common.people(ctx, (t.owner_id for t in found))
    if options.breaches:
        return _breaches(ctx, options, found, owners, sla)
    key = by
    groups: dict[Any, list[Timing]] = {}
    for timing in found:
        groups.setdefault(_group_value(timing, by, owners), []).append(timing)
    rows = [{key: value, **summarise(mine, sla)} for value, mine in groups.items()]
    rows.sort(key=lambda row: (row[key] is None, str(row[key] or "")))
    columns = (Column(key, _LABELS[key]), *SUMMARY_COLUMNS)
    total = {key: "Total", **summarise(found, sla)}
    display: dict[str, dict[Any, str]] = {}
    if by == "owner":
        display["owner"] = common.name_labels(owners)
    common.total_label(display, key, common.lang(ctx))
    return ReportResult(
        name="lead_response",
        title="Lead response",
        columns=columns,
        rows=rows,
        totals=[total],
        chart=ChartSpec("Answered within the SLA, breaches, unanswered", (key,),
                        ("within_sla", "breaches", "unanswered_past_sla")),
        params=options.params(),
        notes=(_note(options, sla),),
        lang=common.lang(ctx),
        display=display,
    )  # fmt: skip


_LABELS = {"owner": "Owner", "source": "Source", "campaign": "Campaign"}
SUMMARY_COLUMNS = (
    Column("leads", "Leads", ColumnKind.int),
    Column("answered", "Answered", ColumnKind.int),
    Column("median_minutes", "Median response (min)", ColumnKind.number),
    Column("p90_minutes", "90th percentile (min)", ColumnKind.int, total=False),
    Column("within_sla", "Within SLA", ColumnKind.int),
    Column("breaches", "Breaches", ColumnKind.int),
    Column("unanswered_past_sla", "Unanswered past SLA", ColumnKind.int),
)
BREACH_COLUMNS = (
    Column("lead", "Lead", ColumnKind.int, total=False),
    Column("received_at", "Received"),
    Column("owner", "Owner"),
    Column("source", "Source"),
    Column("campaign", "Campaign"),
    Column("status", "Status"),
    Column("breach", "Breach"),
    Column("minutes", "Response (min)", ColumnKind.int, total=False),
    Column("over_sla", "Over SLA (min)", ColumnKind.int, total=False),
)


def _group_value(timing: Timing, by: str, owners: Mapping[int, common.Person]) -> Any:
    if by == "owner":
        person = owners.get(timing.owner_id or -1)
        return person.login if person else None
    return timing.source if by == "source" else timing.campaign


def _breaches(
    ctx: Context,
    options: LeadResponseOptions,
    found: Sequence[Timing],
    owners: Mapping[int, common.Person],
    sla: int,
) -> ReportResult:
    rows = []
    for timing in found:
        if timing.waiting <= sla:
            continue
        person = owners.get(timing.owner_id or -1)
        rows.append({
            "lead": timing.id,
            "received_at": datetime.fromtimestamp(timing.received, UTC)
            .astimezone(ctx.tz)
            .strftime("%Y-%m-%d %H:%M"),
            "owner": person.login if person else None,
            "source": timing.source,
            "campaign": timing.campaign,
            "status": timing.status,
            "breach": "late" if timing.response is not None else "unanswered",
            "minutes": timing.waiting,
            "over_sla": timing.waiting - sla,
        })  # fmt: skip
    total = {column.key: None for column in BREACH_COLUMNS}
    total.update({"received_at": "Total", "lead": len(rows)})
    lang = common.lang(ctx)
    display: dict[str, dict[Any, str]] = {
        "owner": common.name_labels(owners),
        "breach": {word: present.word(word, lang) for word in ("late", "unanswered")},
    }
    common.total_label(display, "received_at", lang)
    return ReportResult(
        name="lead_response",
        title="Lead response – SLA breaches",
        columns=BREACH_COLUMNS,
        rows=rows,
        totals=[total] if rows else [],
        params=options.params(),
        notes=(_note(options, sla),),
        lang=common.lang(ctx),
        display=display,
    )


def _note(options: LeadResponseOptions, sla: int) -> str:
    clock = "wall-clock time" if options.calendar_time else "business hours only"
    return NOTE.format(clock=clock, sla=f"{sla} min")


def dashboard_section(ctx: Context) -> ReportResult:
    """For ``report dashboard``: response per owner over the last 90 days, SLA 4 h."""
    from datetime import timedelta

    today = ctx.now.astimezone(ctx.tz).date()
    start = (today - timedelta(days=89)).isoformat()
    return lead_response(ctx, LeadResponseOptions(start, today.isoformat(), None, "owner"))
