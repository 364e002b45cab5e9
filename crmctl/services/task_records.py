"""Task records and the read-only task lists: what a task is shown as, and who sees it.

Core statements over ``crmctl.db.tables`` only, never the ORM: ``tasks overdue`` runs
from cron for every user and its whole process should take under half a second, of
which ``sqlalchemy.orm`` and the mapped models alone would take about half (issue 5).
``crmctl.services.tasks`` (the writes) builds on this module and re-exports its names.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any, TypeAlias
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Row, Select, and_, false, or_, select

from crmctl.db import tables
from crmctl.entities.expressions import PRIORITIES
from crmctl.errors import UsageError
from crmctl.services import policy
from crmctl.services.context import Context
from crmctl.services.refs import (
    linked_names,
    logins_by_id,
    resolve_team_row,
    resolve_user_row,
)

if TYPE_CHECKING:
    from crmctl.db.models import Task
    from crmctl.services.listing import ListOptions

ENTITY = "task"
PRIORITY_NAMES = {value: name for name, value in PRIORITIES.items()}

Ref = str | int | None
# A mapped task or a row of its ``record_columns()``: records read the same names from both.
TaskFields: TypeAlias = "Task | Row[Any]"


def visible_records(
    ctx: Context, scope: policy.ReadScope, tasks: Sequence[TaskFields]
) -> list[dict[str, Any]]:
    return policy.present(ctx, ENTITY, scope, task_records(ctx, tasks))


def start_of_day(day: date, tz: ZoneInfo) -> datetime:
    """Local midnight of ``day`` as a UTC instant (23 or 25 hours apart around DST)."""
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def start_of_today(ctx: Context) -> datetime:
    return start_of_day(ctx.now.astimezone(ctx.tz).date(), ctx.tz)


def overdue_condition(ctx: Context) -> ColumnElement[bool]:
    """Open and past due: a timed task once its moment passed, an all-day one from the
    next local day on. ``due_at < now`` comes first so the index range does the work."""
    tasks = tables.tasks.c
    return and_(
        tasks.done_at.is_(None),
        tasks.deleted_at.is_(None),
        tasks.due_at < ctx.now,
        or_(tasks.all_day.is_(false()), tasks.due_at < start_of_today(ctx)),
    )


def assignee_condition(ctx: Context, owner: Ref, team: Ref) -> ColumnElement[bool] | None:
    if owner not in (None, "") and team not in (None, ""):
        raise UsageError("give --owner or --team, not both")
    tasks, users = tables.tasks.c, tables.users.c
    if owner not in (None, ""):
        return tasks.assignee_id == resolve_user_row(ctx, owner).id
    if team not in (None, ""):
        members = select(users.id).where(users.team_id == resolve_team_row(ctx, team).id)
        return tasks.assignee_id.in_(members)
    return None


def overdue_tasks(
    ctx: Context, *, owner: Ref = None, team: Ref = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Open tasks past due, oldest first, for one user, a team or everyone.

    Plain rows of the record's columns, not ORM objects: cron runs this for every
    user, and a few hundred read-only tasks need no identity map (bench/tasks.py).
    """
    statement: Select[Any] = select(*record_columns()).where(overdue_condition(ctx))
    who = assignee_condition(ctx, owner, team)
    if who is not None:
        statement = statement.where(who)
    statement, scope = policy.restrict(ctx, ENTITY, statement)
    statement = statement.order_by(tables.tasks.c.due_at, tables.tasks.c.id)
    if limit is not None:
        statement = statement.limit(limit)
    return visible_records(ctx, scope, list(ctx.session.execute(statement).all()))


def list_tasks(
    ctx: Context,
    options: ListOptions,
    *,
    owner: Ref = None,
    team: Ref = None,
    open_only: bool = False,
) -> list[dict[str, Any]]:
    """Tasks matching ``--where``, soonest due first unless ``--sort`` says otherwise."""
    from crmctl.services.read import sources
    from crmctl.services.read.pipeline import list_records

    conditions = task_conditions(ctx, owner=owner, team=team, open_only=open_only)
    return list_records(ctx, sources.source("task"), options, conditions)


def task_conditions(
    ctx: Context, *, owner: Ref = None, team: Ref = None, open_only: bool = False
) -> list[ColumnElement[bool]]:
    """What ``tasks list --owner/--team/--open`` adds to the read pipeline's base select."""
    conditions = [tables.tasks.c.done_at.is_(None)] if open_only else []
    who = assignee_condition(ctx, owner, team)
    if who is not None:
        conditions.append(who)
    return conditions


def record_columns() -> tuple[Any, ...]:
    """The task table's columns: rows of them carry the names ``_record`` reads."""
    return tuple(tables.tasks.columns)


def task_record(ctx: Context, task: Task) -> dict[str, Any]:
    return task_records(ctx, [task])[0]


def task_records(ctx: Context, tasks: Sequence[TaskFields]) -> list[dict[str, Any]]:
    """Records for a page of tasks, with one query per related table."""
    logins = logins_by_id(
        ctx, [uid for t in tasks for uid in (t.assignee_id, t.created_by_id, t.updated_by_id)]
    )
    names = linked_names(ctx, tasks)
    today = start_of_today(ctx)
    return [_record(task, logins, names, ctx.now, today, ctx.tz) for task in tasks]


def is_overdue(task: TaskFields, now: datetime, today: datetime) -> bool:
    if task.done_at is not None or task.due_at is None:
        return False
    return task.due_at < (today if task.all_day else now)


def due_as_given(task: TaskFields, tz: ZoneInfo) -> date | datetime | None:
    """An all-day task is due on a local date (``--due 2026-11-25``), not at the UTC
    instant of that day's local midnight (``2026-11-24T23:00:00+00:00``)."""
    if task.all_day and task.due_at is not None:
        return task.due_at.astimezone(tz).date()
    return task.due_at


def _record(
    task: TaskFields,
    logins: dict[int, str],
    names: dict[tuple[str, int], str],
    now: datetime,
    today: datetime,
    tz: ZoneInfo,
) -> dict[str, Any]:
    overdue = is_overdue(task, now, today)
    return {
        "id": task.id,
        "kind": task.kind,
        "subject": task.subject,
        "body": task.body,
        "status": "done" if task.done_at else ("overdue" if overdue else "open"),
        "due_at": due_as_given(task, tz),
        "all_day": task.all_day,
        "start_at": task.start_at,
        "end_at": task.end_at,
        "priority": PRIORITY_NAMES.get(task.priority, str(task.priority)),
        "assignee": logins.get(task.assignee_id or -1),
        "company_id": task.company_id,
        "company": names.get(("company", task.company_id or -1)),
        "contact_id": task.person_id,
        "contact": names.get(("contact", task.person_id or -1)),
        "lead_id": task.lead_id,
        "deal_id": task.deal_id,
        "deal": names.get(("deal", task.deal_id or -1)),
        "reminder_at": task.reminder_at,
        "overdue": overdue,
        "done_at": task.done_at,
        "done_note": task.done_note,
        "created_at": task.created_at,
        "created_by": logins.get(task.created_by_id or -1),
        "updated_at": task.updated_at,
        "updated_by": logins.get(task.updated_by_id or -1),
    }
