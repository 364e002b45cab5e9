"""Tasks, calls and meetings (úkoly): who does what by when, for which customer.

A task is due at an instant (``due_at``) or, when given only a day, all day: ``due_at``
is then local midnight and the task is due by the end of that day. Calls and meetings
may have a start and an end instead; they are due when they end. "Overdue" and
"today" are computed in the configured time zone from ``ctx.now`` (the one clock).

``add_task`` and ``complete_task`` are the entry points other services (workflows)
call; their signatures are kept stable. What a task is shown as and the read-only
lists that need no ORM (``tasks overdue``) live in ``crmctl.services.task_records``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, select

from crmctl.db.models import CrmMeta, Task
from crmctl.errors import Conflict, NotFound, PermissionDenied, UsageError, ValidationError
from crmctl.query.dates import parse_when
from crmctl.services.access import policy
from crmctl.services.context import Context
from crmctl.services.events import field_changes, record_event
from crmctl.services.read import sources
from crmctl.services.read.pipeline import show_record
from crmctl.services.refs import (
    resolve_company,
    resolve_deal,
    resolve_lead,
    resolve_person,
    resolve_task,
    resolve_user,
)

# Re-exported: callers (workflows, bench, tests) have always found them here.
from crmctl.services.task_records import (  # noqa: F401
    ENTITY,
    PRIORITIES,
    PRIORITY_NAMES,
    Ref,
    TaskFields,
    assignee_condition,
    is_overdue,
    list_tasks,
    overdue_condition,
    overdue_tasks,
    record_columns,
    start_of_day,
    start_of_today,
    task_record,
    task_records,
    visible_records,
)

if TYPE_CHECKING:
    pass

KINDS = ("task", "call", "meeting")
DEFAULT_DURATION = timedelta(minutes=30)
_BEFORE = re.compile(r"^(\d+)\s*(m|min|h|d)$")
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days"}

When = str | date | datetime | None


@dataclass(frozen=True)
class Links:
    """The records a task (or activity, or document) is about, already resolved."""

    company_id: int | None = None
    person_id: int | None = None
    lead_id: int | None = None
    deal_id: int | None = None


def resolve_links(
    ctx: Context, *, company: Ref = None, contact: Ref = None, lead: Ref = None, deal: Ref = None
) -> Links:
    """Resolve the references; a deal's or lead's company is linked too, for its timeline.

    Each linked record must be one the acting user may fully read (not just the company
    card): what is logged about a customer is need-to-know too.
    """
    deal_row = resolve_deal(ctx, deal) if deal not in (None, "") else None
    lead_row = resolve_lead(ctx, lead) if lead not in (None, "") else None
    company_id = (
        resolve_company(ctx, company, action="read").id if company not in (None, "") else None
    )
    if company_id is None:
        company_id = (deal_row.company_id if deal_row else None) or (
            lead_row.company_id if lead_row else None
        )
    return Links(
        company_id=company_id,
        person_id=resolve_person(ctx, contact).id if contact not in (None, "") else None,
        lead_id=lead_row.id if lead_row else None,
        deal_id=deal_row.id if deal_row else None,
    )


def _require_still_writable(ctx: Context, task: Task) -> None:
    """A task written must stay within the writer's write scope (assignee or customer)."""
    ctx.session.flush()
    if not policy.may(ctx, ENTITY, task.id, "write"):
        actor = ctx.require_actor()
        raise PermissionDenied(
            f"permission denied: {actor.login} ({actor.role}) may not give task #{task.id} "
            "to that assignee: it would be outside your write scope (its assignee and its "
            "customer are not yours); ask a manager or an admin"
        )


def add_task(
    ctx: Context,
    subject: str,
    *,
    kind: str = "task",
    body: str | None = None,
    due_at: When = None,
    start_at: When = None,
    end_at: When = None,
    priority: str | int = "normal",
    assignee: Ref = None,
    company: Ref = None,
    contact: Ref = None,
    lead: Ref = None,
    deal: Ref = None,
    reminder: str | timedelta | datetime | None = None,
) -> dict[str, Any]:
    """Create a task, call or meeting and its ``task.created`` event; returns its record.

    ``due_at``/``start_at``/``end_at`` take a date (all day), an aware datetime or the
    text the CLI accepts (``2026-03-31``, ``2026-03-31T10:00``, ``+2d``, ``+3h``).
    ``reminder`` is a time before the task (``15m``, ``1h``, ``1d``, a ``timedelta``) or
    an instant. ``assignee`` defaults to the acting user.
    """
    actor = ctx.require_actor()
    policy.require_any_write(ctx, ENTITY, "add tasks")
    links = resolve_links(ctx, company=company, contact=contact, lead=lead, deal=deal)
    task = Task(
        kind=_kind(kind),
        subject=_subject(subject),
        body=(body or "").strip() or None,
        priority=_priority(priority),
        assignee_id=resolve_user(ctx, assignee).id if assignee not in (None, "") else actor.id,
        company_id=links.company_id,
        person_id=links.person_id,
        lead_id=links.lead_id,
        deal_id=links.deal_id,
        sequence=0,
        created_at=ctx.now,
        updated_at=ctx.now,
        created_by_id=actor.id,
        updated_by_id=actor.id,
    )
    _set_schedule(ctx, task, due_at, start_at, end_at)
    task.reminder_at = _reminder(ctx, task, reminder)
    ctx.session.add(task)
    _require_still_writable(ctx, task)
    record = task_record(ctx, task)
    record_event(ctx, ENTITY, task.id, "task.created", {"fields": _loggable(record)})
    return record


def complete_task(ctx: Context, ref: str | int, *, note: str | None = None) -> dict[str, Any]:
    """Mark a task done (with an optional note) and append ``task.done``."""
    actor = ctx.require_actor()
    task = resolve_task(ctx, ref)
    if task.done_at is not None:
        done = task.done_at.astimezone(ctx.tz).strftime("%Y-%m-%d %H:%M")
        raise Conflict(f"task #{task.id} is already done (at {done}); nothing to do")
    task.done_at = ctx.now
    task.done_note = (note or "").strip() or None
    task.updated_at, task.updated_by_id = ctx.now, actor.id
    task.sequence += 1
    _touch_links(ctx, task)
    record_event(
        ctx, ENTITY, task.id, "task.done", {"subject": task.subject, "note": task.done_note}
    )
    return task_record(ctx, task)


def edit_task(
    ctx: Context,
    ref: str | int,
    *,
    subject: str | None = None,
    body: str | None = None,
    due_at: When = None,
    start_at: When = None,
    end_at: When = None,
    priority: str | int | None = None,
    assignee: Ref = None,
    reminder: str | timedelta | datetime | None = None,
) -> dict[str, Any]:
    """Change the given fields; ``task.updated`` (before → after), ``task.assigned``."""
    actor = ctx.require_actor()
    task = resolve_task(ctx, ref)
    before = _loggable(task_record(ctx, task))
    if subject is not None:
        task.subject = _subject(subject)
    if body is not None:
        task.body = body.strip() or None
    if priority is not None:
        task.priority = _priority(priority)
    if any(value is not None for value in (due_at, start_at, end_at)):
        old_anchor = task.start_at or task.due_at
        _set_schedule(ctx, task, due_at, start_at, end_at)
        new_anchor = task.start_at or task.due_at
        # A reminder "1h before" moves with the task it reminds of.
        if task.reminder_at and old_anchor and new_anchor and reminder is None:
            task.reminder_at += new_anchor - old_anchor
    if reminder is not None:
        task.reminder_at = _reminder(ctx, task, reminder)
    new_assignee = resolve_user(ctx, assignee).id if assignee not in (None, "") else None
    if new_assignee is not None:
        task.assignee_id = new_assignee
    _require_still_writable(ctx, task)
    changes = field_changes(before, _loggable(task_record(ctx, task)))
    if not changes:
        return task_record(ctx, task)
    task.updated_at, task.updated_by_id = ctx.now, actor.id
    task.sequence += 1
    if "assignee" in changes:
        record_event(ctx, ENTITY, task.id, "task.assigned", {"from": changes["assignee"][0],
                     "to": changes["assignee"][1], "subject": task.subject})  # fmt: skip
    other = {key: value for key, value in changes.items() if key != "assignee"}
    if other:
        record_event(ctx, ENTITY, task.id, "task.updated", {"changes": other})
    return task_record(ctx, task)


def show_task(ctx: Context, ref: str | int) -> dict[str, Any]:
    """One task; support (a limited view) sees open tasks of any customer, marked limited."""
    return show_record(ctx, sources.source("task"), ref)


# --- schedule ---------------------------------------------------------------------------


def _set_schedule(ctx: Context, task: Task, due: When, start: When, end: When) -> None:
    if due is not None and (start is not None or end is not None):
        raise ValidationError("give either a due date (--due) or a start and end, not both")
    if end is not None and start is None and task.start_at is None:
        raise ValidationError("an end needs a start: add --start")
    if due is not None:
        moment = _when(ctx, due, "--due")
        task.all_day = not isinstance(moment, datetime)
        task.due_at = moment if isinstance(moment, datetime) else start_of_day(moment, ctx.tz)
        task.start_at = task.end_at = None
        return
    if start is None and end is None:
        return
    starts = _instant(ctx, start, "--start") if start is not None else task.start_at
    assert starts is not None
    # Moving a meeting's start keeps its length.
    length = task.end_at - task.start_at if task.start_at and task.end_at else DEFAULT_DURATION
    ends = _instant(ctx, end, "--end") if end is not None else starts + length
    if ends <= starts:
        raise ValidationError(
            f"the end ({ends.astimezone(ctx.tz):%Y-%m-%d %H:%M}) must be after the start "
            f"({starts.astimezone(ctx.tz):%Y-%m-%d %H:%M})"
        )
    # A call or meeting is due (and may become overdue) once it has ended.
    task.start_at, task.end_at, task.due_at, task.all_day = starts, ends, ends, False


def _when(ctx: Context, value: When, option: str) -> date | datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=ctx.tz)
        return value
    if isinstance(value, date):
        return value
    # The filter language's parser is imported only when text needs parsing: `tasks
    # overdue` (run by cron, timed in bench/tasks.py) does not pay for it.

    return parse_when(str(value), ctx.now, ctx.tz, option)


def _instant(ctx: Context, value: When, option: str) -> datetime:
    moment = _when(ctx, value, option)
    if not isinstance(moment, datetime):
        raise ValidationError(f"{option} {value!s} needs a time of day, e.g. 2026-03-31T10:00")
    return moment


def _reminder(
    ctx: Context, task: Task, value: str | timedelta | datetime | None
) -> datetime | None:
    if value is None or value == "":
        return None
    anchor = task.start_at or task.due_at
    if isinstance(value, str) and (match := _BEFORE.match(value.strip().lower())):
        value = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    if isinstance(value, timedelta):
        if anchor is None:
            raise ValidationError(
                "a reminder before the task needs a due date or start; add --due or --start"
            )
        return anchor - value
    moment = _instant(ctx, value, "--reminder")
    return moment


def _kind(kind: str) -> str:
    value = str(kind).strip().lower()
    if value not in KINDS:
        raise ValidationError(f"task kind {kind!r} is not one of {', '.join(KINDS)}")
    return value


def _subject(subject: str) -> str:
    text = (subject or "").strip()
    if not text:
        raise ValidationError("a task needs a subject, e.g. 'Zavolat ohledně nabídky'")
    if len(text) > 300:
        raise ValidationError(f"task subject is {len(text)} characters long; at most 300")
    return text


def _priority(value: str | int) -> int:
    text = str(value).strip().lower()
    if text in PRIORITIES:
        return PRIORITIES[text]
    if text.isdigit() and int(text) in PRIORITY_NAMES:
        return int(text)
    raise ValidationError(f"priority {value!r} is not one of high, normal, low (or 1, 2, 3)")


def _touch_links(ctx: Context, task: Task) -> None:
    """A done task is activity on its deal and lead."""
    from crmctl.services.activities import touch_deal_and_lead  # noqa: PLC0415  (circle: tasks ↔ activities)

    touch_deal_and_lead(ctx, task.deal_id, task.lead_id)


def _loggable(record: dict[str, Any]) -> dict[str, Any]:
    """What an event keeps: the stored facts, not what is derived from the clock."""
    derived = ("status", "overdue", "created_at", "created_by", "updated_at", "updated_by")
    return {k: v for k, v in record.items() if k not in derived and v not in (None, "")}


# --- reading (with the ORM; the read-only records and lists are in task_records) --------


def agenda(
    ctx: Context, *, days: int = 7, owner: Ref = None, team: Ref = None
) -> list[dict[str, Any]]:
    """Open tasks of the next ``days`` local days, each with its local ``day`` and ``time``.

    Without ``owner`` or ``team`` it is the acting user's agenda. Days are calendar days
    in the configured zone, so a day around a daylight-saving change is 23 or 25 hours.
    """
    if days <= 0:
        raise UsageError(f"--days must be positive, not {days}")
    today = ctx.now.astimezone(ctx.tz).date()
    begin = start_of_day(today, ctx.tz)
    end = start_of_day(today + timedelta(days=days), ctx.tz)
    moment = func.coalesce(Task.start_at, Task.due_at)
    who = assignee_condition(ctx, owner, team)
    if who is None:
        who = Task.assignee_id == ctx.require_actor().id
    statement = (
        select(Task)
        .where(Task.deleted_at.is_(None), Task.done_at.is_(None), who)
        .where(moment >= begin, moment < end)
        .order_by(moment, Task.all_day.desc(), Task.priority, Task.id)
    )
    statement, scope = policy.restrict(ctx, ENTITY, statement)
    tasks = list(ctx.session.scalars(statement).all())
    records = visible_records(ctx, scope, tasks)
    for task, record in zip(tasks, records, strict=True):
        local = (task.start_at or task.due_at).astimezone(ctx.tz)  # type: ignore[union-attr]
        record["day"] = local.date()
        record["time"] = "all day" if task.all_day else local.strftime("%H:%M")
    return records


@dataclass(frozen=True)
class CalendarExport:
    """What an .ics file is made from: tasks plus what keeps their UIDs stable."""

    install_id: str
    timezone: str
    tasks: list[dict[str, Any]]


def calendar_export(
    ctx: Context, *, owner: Ref = None, team: Ref = None, include_done: bool = False
) -> CalendarExport:
    """Tasks with a date for a calendar: open ones (and done ones if asked), by id."""
    statement: Select[Any] = select(Task).where(Task.deleted_at.is_(None), Task.due_at.is_not(None))
    if not include_done:
        statement = statement.where(Task.done_at.is_(None))
    who = assignee_condition(ctx, owner, team)
    if who is not None:
        statement = statement.where(who)
    statement, scope = policy.restrict(ctx, ENTITY, statement)
    tasks = list(ctx.session.scalars(statement.order_by(Task.id)).all())
    records = visible_records(ctx, scope, tasks)
    for task, record in zip(tasks, records, strict=True):
        record["sequence"] = task.sequence
    return CalendarExport(install_id(ctx), ctx.tz.key, records)


def install_id(ctx: Context) -> str:
    meta = ctx.session.get(CrmMeta, "install_id")
    if meta is None:  # only a database made around the migrations could lack it
        raise NotFound("this database has no install id; run `crmctl db upgrade`")
    return meta.value
