"""``report lead-response``: how fast leads received in the period were answered.

Per group (``--by`` owner, the default, source or campaign): leads received in the
period, answered, median and 90th-percentile (nearest rank) response time in minutes,
answered within the SLA, breaches (answered after the SLA) and, counted separately,
unanswered past the SLA now. The response time of a lead runs from its receipt to its
first response (the first time a person acted on it: ``leads.first_response_at``) and
counts business time only (``business_hours:``, ``crmctl.business_hours``) unless
``--calendar-time``. Default SLA 4 h. ``--breaches`` lists those leads instead.

The summary is counted in SQL (the reader's permissions, ``--where`` over lead fields,
the period on ``received_at`` through the covering index ``ix_leads_received_report``):
per group and response time in whole minutes, how many leads (a count histogram, from
which the median and the percentile are read), and how many unanswered leads have waited
past the SLA. Business response times are the stored ``leads.response_business_minutes``
(kept by the lead service when the first response is recorded, as ``--where`` reads
them); the few answered leads without one are counted in Python. An unanswered lead's
wait only grows the earlier it came, so "waiting past the SLA now" is "received at or
before one instant", found by bisecting the business clock (SQL cannot hold the holiday
calendar). ``--breaches`` lists leads, so it reads them and counts their times in Python
over a table of the days they span (``business_hours.epoch_clock``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, case, func, literal, select

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


class Timing(NamedTuple):  # a tuple: a million of them are made cheaply
    id: int
    owner_id: int | None
    source: str
    campaign: str | None
    status: str
    received: int  # epoch seconds
    response: int | None  # minutes to the first response; None: not answered
    waiting: int  # minutes waited so far (unanswered) or to the response


def _in_period(ctx: Context, options: LeadResponseOptions) -> list[ColumnElement[bool]]:
    """The reader's live leads received in the period, narrowed by ``--where``."""
    period = options.period
    conditions = common.lead_conditions(ctx, options.where)
    if period.start:
        conditions.append(leads.received_at >= period.start_utc(ctx.tz))
    if period.end:
        conditions.append(leads.received_at < period.end_utc(ctx.tz))
    return conditions


def timings(ctx: Context, options: LeadResponseOptions) -> list[Timing]:
    received, answered = epoch_seconds(leads.received_at), epoch_seconds(leads.first_response_at)
    statement = select(
        leads.id, leads.owner_id, leads.source, leads.campaign, leads.status,
        received.label("received"), answered.label("answered"),
    ).where(*_in_period(ctx, options))  # fmt: skip
    rows = ctx.session.execute(statement.order_by(leads.received_at, leads.id)).all()
    now = int(ctx.now.timestamp())
    count = _counter(ctx, options.calendar_time, rows, now)
    found = []
    for lead_id, owner_id, source, campaign, status, received_at, answered_at in rows:
        response = None if answered_at is None else count(received_at, answered_at)
        waiting = count(received_at, now) if response is None else response
        found.append(Timing(lead_id, owner_id, source, campaign, status, received_at,
                            response, waiting))  # fmt: skip
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


# --- the summary, counted in SQL ------------------------------------------------------------


@dataclass
class Counts:
    """One group's leads: how many answered in each whole number of minutes."""

    leads: int = 0
    unanswered_past_sla: int = 0
    minutes: dict[int, int] = field(default_factory=dict)

    def add(self, other: Counts) -> None:
        self.leads += other.leads
        self.unanswered_past_sla += other.unanswered_past_sla
        for minutes, count in other.minutes.items():
            self.minutes[minutes] = self.minutes.get(minutes, 0) + count

    def summary(self, sla: int) -> dict[str, Any]:
        ordered = sorted(self.minutes.items())
        answered = sum(count for _, count in ordered)
        # The same numbers as over the full list: its middle one or two values, and the
        # nearest rank.
        middle = [_nth(ordered, (answered - 1) // 2), _nth(ordered, answered // 2)]
        rank = max(math.ceil(90 * answered / 100), 1) - 1
        return {
            "leads": self.leads,
            "answered": answered,
            "median_minutes": common.median_of(middle) if answered else None,
            "p90_minutes": _nth(ordered, rank) if answered else None,
            "within_sla": sum(count for minutes, count in ordered if minutes <= sla),
            "breaches": sum(count for minutes, count in ordered if minutes > sla),
            "unanswered_past_sla": self.unanswered_past_sla,
        }


def _nth(ordered: Sequence[tuple[int, int]], index: int) -> int | None:
    """The ``index``-th (from 0) value of the sorted list that (value, count) pairs spell;
    None past its end (no answered leads)."""
    for minutes, count in ordered:
        if 0 <= index < count:
            return minutes
        index -= count
    return None


def response_counts(ctx: Context, options: LeadResponseOptions, by: str,
                    sla: int) -> dict[Any, Counts]:  # fmt: skip
    """Group key (owner id, source or campaign) → its counts, in one grouped query."""
    key = {"owner": leads.owner_id, "source": leads.source, "campaign": leads.campaign}[by]
    received, answered = epoch_seconds(leads.received_at), epoch_seconds(leads.first_response_at)
    if options.calendar_time:
        minutes: ColumnElement[Any] = case(
            (answered > received, (answered - received) // 60), else_=0
        )
    else:
        minutes = leads.response_business_minutes
    # An unanswered lead's minutes are NULL; so are those of an answered lead that has no
    # stored business minutes (counted below): ``answered`` tells them apart.
    latest = _latest_past_sla(ctx, options, sla)
    # received_at < the next whole second: the column itself, no function per row.
    past = (
        literal(False)
        if latest is None
        else leads.received_at < datetime.fromtimestamp(latest + 1, UTC)
    )
    unanswered = leads.first_response_at.is_(None)
    each = (
        select(key.label("key"), minutes.label("minutes"),
               case((unanswered, 0), else_=1).label("answered"),
               case((and_(unanswered, past), 1), else_=0).label("waiting"))
        .where(*_in_period(ctx, options))
        .subquery()
    )  # fmt: skip
    # Grouped outside: PostgreSQL groups by a column, not by an expression with parameters.
    statement = select(
        each.c.key, each.c.minutes, each.c.answered, func.count(), func.sum(each.c.waiting)
    ).group_by(each.c.key, each.c.minutes, each.c.answered)
    counts: dict[Any, Counts] = {}
    missing = False
    for value, spent, is_answered, count, waiting in ctx.session.execute(statement):
        group = counts.setdefault(value, Counts())
        group.leads += count
        group.unanswered_past_sla += int(waiting or 0)
        if is_answered and spent is None:
            missing = True
        elif is_answered:
            group.minutes[int(spent)] = group.minutes.get(int(spent), 0) + count
    if missing:
        _count_unstored(ctx, options, key, counts)
    return counts


def _count_unstored(ctx: Context, options: LeadResponseOptions, key: Any,
                    counts: dict[Any, Counts]) -> None:  # fmt: skip
    """Answered leads without stored business minutes (answered before they were kept):
    their times counted in Python, as ``--breaches`` does."""
    received, answered = epoch_seconds(leads.received_at), epoch_seconds(leads.first_response_at)
    statement = select(key, received.label("received"), answered.label("answered")).where(
        *_in_period(ctx, options),
        leads.first_response_at.is_not(None),
        leads.response_business_minutes.is_(None),
    )
    rows = ctx.session.execute(statement).all()
    count = _counter(ctx, False, rows, int(ctx.now.timestamp()))
    for value, received_at, answered_at in rows:
        spent = count(received_at, answered_at)
        group = counts[value].minutes
        group[spent] = group.get(spent, 0) + 1


def _latest_past_sla(ctx: Context, options: LeadResponseOptions, sla: int) -> int | None:
    """The latest receipt (epoch seconds) of a lead that, unanswered, has now waited more
    than ``sla`` minutes; None if no lead can have. Waiting time never grows with a later
    receipt, so a bisection over the clock finds it."""
    now = int(ctx.now.timestamp())
    if options.calendar_time:  # (now - received) // 60 > sla
        return now - 60 * (sla + 1)
    start = options.period.start
    if start is None:
        earliest = ctx.session.execute(
            select(func.min(epoch_seconds(leads.received_at))).where(*_in_period(ctx, options))
        ).scalar()
        if earliest is None:
            return None
        first = _local_day(ctx, int(earliest))
    else:
        first = start
    calendar = business_hours.from_settings(ctx.settings)
    clock = business_hours.epoch_clock(
        calendar, first - timedelta(days=1), _local_day(ctx, now) + timedelta(days=1)
    )
    low, high = clock.midnights[0], now
    if clock.minutes(low, now) <= sla:
        return None
    while low < high:  # invariant: minutes(low, now) > sla
        middle = (low + high + 1) // 2
        if clock.minutes(middle, now) > sla:
            low = middle
        else:
            high = middle - 1
    return low


# --- the report --------------------------------------------------------------------------


def lead_response(ctx: Context, options: LeadResponseOptions) -> ReportResult:
    by = parse_grouping(options.by)
    sla = parse_sla(options.sla)
    if options.breaches:
        found = timings(ctx, options)
        owners = common.people(ctx, (t.owner_id for t in found))
        return _breaches(ctx, options, found, owners, sla)
    counts = response_counts(ctx, options, by, sla)
    owners = common.people(ctx, counts) if by == "owner" else {}
    key = by
    groups: dict[Any, Counts] = {}
    total_counts = Counts()
    for value, mine in counts.items():
        groups.setdefault(_group_key(value, by, owners), Counts()).add(mine)
        total_counts.add(mine)
    rows = [{key: value, **mine.summary(sla)} for value, mine in groups.items()]
    rows.sort(key=lambda row: (row[key] is None, str(row[key] or "")))
    columns = (Column(key, _LABELS[key]), *SUMMARY_COLUMNS)
    total = {key: "Total", **total_counts.summary(sla)}
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


def _group_key(value: Any, by: str, owners: Mapping[int, common.Person]) -> Any:
    """An owner id → the owner's login (None: no owner); a source or campaign as is."""
    if by == "owner":
        person = owners.get(value or -1)
        return person.login if person else None
    return value


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
    today = ctx.now.astimezone(ctx.tz).date()
    start = (today - timedelta(days=89)).isoformat()
    return drawable(lead_response(ctx, LeadResponseOptions(start, today.isoformat())))


def drawable(result: ReportResult) -> ReportResult:
    """``result`` without its chart when every charted value is zero or empty (a dashboard
    section with nothing to draw shows its table only)."""
    if result.chart is None:
        return result
    keys = result.chart.series_keys
    if any(row.get(key) not in (None, 0) for row in result.rows for key in keys):
        return result
    return replace(result, chart=None)
