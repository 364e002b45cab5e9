"""The names a timeline story needs, looked up once per page (never once per event).

Events store logins, message ids, contact and task ids and stage keys; a person reads
names, subjects and stage labels. :func:`load_names` collects every reference of one
page of events and answers each kind with one query (users, messages, contacts, tasks)
or from the settings (stage labels), over Core tables: ``timeline`` is a read command.
Contacts and tasks are named only where the reader may read them; otherwise the story
falls back to ``#id``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from crmctl.db import tables
from crmctl.errors import CrmError
from crmctl.services.access import policy
from crmctl.services.context import Context
from crmctl.services.pipelines import configured_pipelines

# Payload keys that hold logins, and those that hold lists of logins.
LOGIN_KEYS = ("owner", "assignee", "approver", "created_by", "from", "to")
LOGIN_LIST_KEYS = ("to", "skipped")


@dataclass(frozen=True)
class Names:
    users: Mapping[str, str] = field(default_factory=dict)  # login → name
    stages: Mapping[str, str] = field(default_factory=dict)  # stage key → label
    senders: Mapping[int, str] = field(default_factory=dict)  # message id → sender's name
    contacts: Mapping[int, str] = field(default_factory=dict)  # person id → name
    companies: Mapping[int, str] = field(default_factory=dict)  # company id → name
    tasks: Mapping[int, str] = field(default_factory=dict)  # task id → subject

    def user(self, login: Any) -> str:
        """The user's name for a login; the login itself when there is no such user."""
        if login in (None, ""):
            return ""
        text = str(login)
        return self.users.get(text) or text

    def stage(self, key: Any) -> str:
        return self.stages.get(str(key), str(key)) if key not in (None, "") else ""


def load_names(ctx: Context, events: Iterable[Mapping[str, Any]]) -> Names:
    events = list(events)
    return Names(
        users=_users(ctx, _logins(events)),
        stages=_stage_labels(ctx),
        senders=_senders(ctx, _ids(events, "email.", "message")),
        contacts=_contacts(
            ctx,
            _ids(events, "plan.stakeholder_added", "contact_id")
            | _ids(events, "contact.merged_into", "keep_id")
            | _linked(events, PEOPLE),
        ),
        companies=_companies(ctx, _linked(events, ("companies",))),
        tasks=_tasks(ctx, _ids(events, "plan.action_added", "task_id")),
    )


def _logins(events: list[Mapping[str, Any]]) -> set[str]:
    """Actors and every login a payload names (owners, assignees, notified users)."""
    found = {str(e["actor"]) for e in events if e.get("actor")}
    for event in events:
        payload = event.get("payload") or {}
        for container in (payload, payload.get("fields") or {}):
            for key in LOGIN_KEYS:
                if isinstance(container.get(key), str):
                    found.add(container[key])
            for key in LOGIN_LIST_KEYS:
                if isinstance(container.get(key), list):
                    found.update(str(item) for item in container[key] if isinstance(item, str))
        for name in ("owner", "assignee"):
            values = (payload.get("changes") or {}).get(name)
            if isinstance(values, list):
                found.update(str(item) for item in values if isinstance(item, str))
    return found


# Fields of a contact's changes that name other contacts (by id, or items with an id).
PEOPLE = ("reports_to", "assistant_of", "related")


def _linked(events: list[Mapping[str, Any]], names: tuple[str, ...]) -> set[int]:
    """Ids a change of these fields names: ``reports_to: [null, 1]``, ``companies: [[{id}…]]``."""
    found: set[int] = set()
    for event in events:
        changes = (event.get("payload") or {}).get("changes") or {}
        for name in names:
            for side in changes.get(name) or ():
                for item in side if isinstance(side, list) else [side]:
                    value = item.get("id") if isinstance(item, dict) else item
                    if isinstance(value, int) and not isinstance(value, bool):
                        found.add(value)
    return found


def _ids(events: list[Mapping[str, Any]], kind_prefix: str, key: str) -> set[int]:
    found: set[int] = set()
    for event in events:
        if str(event.get("kind", "")).startswith(kind_prefix):
            value = (event.get("payload") or {}).get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                found.add(value)
    return found


def _users(ctx: Context, logins: set[str]) -> dict[str, str]:
    if not logins:
        return {}
    users = tables.users.c
    rows = ctx.session.execute(select(users.login, users.name).where(users.login.in_(logins)))
    return {login: name for login, name in rows if name}


def _stage_labels(ctx: Context) -> dict[str, str]:
    """Stage key → label over every configured pipeline (the first pipeline wins a key)."""
    try:
        pipelines = configured_pipelines(ctx)
    except CrmError:  # a broken `pipelines:` setting: keys are still readable
        return {}
    labels: dict[str, str] = {}
    for pipeline in pipelines.values():
        for stage in pipeline.stages:
            labels.setdefault(stage.key, stage.label)
    return labels


def _senders(ctx: Context, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    messages = tables.messages.c
    rows = ctx.session.execute(select(messages.id, messages.from_name).where(messages.id.in_(ids)))
    return {row_id: name for row_id, name in rows if name}


def _contacts(ctx: Context, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    persons = tables.persons.c
    name = func.trim(func.coalesce(persons.first_name, "") + " " + persons.last_name)
    statement = select(persons.id, name).where(
        persons.id.in_(ids), policy.predicate(ctx, "contact")
    )
    return {row_id: name for row_id, name in ctx.session.execute(statement) if name}


def _companies(ctx: Context, ids: set[int]) -> dict[int, str]:
    """Company names: the company card is public (everyone may find a company)."""
    if not ids:
        return {}
    companies = tables.companies.c
    rows = ctx.session.execute(select(companies.id, companies.name).where(companies.id.in_(ids)))
    return {row_id: name for row_id, name in rows if name}


def _tasks(ctx: Context, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    tasks = tables.tasks.c
    statement = select(tasks.id, tasks.subject).where(
        tasks.id.in_(ids), policy.predicate(ctx, "task")
    )
    return {row_id: subject for row_id, subject in ctx.session.execute(statement) if subject}
