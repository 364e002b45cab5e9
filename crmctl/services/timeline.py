"""The timeline of a record: its events, newest first.

A company's timeline holds the company's own events and those of its contacts, leads
and deals, and of the tasks, activities and documents linked to any of them; a
contact's, deal's or lead's holds its own and its tasks', activities' and documents'.
Paging is by cursor: ``before_id`` is the id of the last event already shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, and_, cast, func, or_, select, union

from crmctl import entities
from crmctl.db import tables
from crmctl.errors import NotFound, UsageError
from crmctl.query import entities as filters
from crmctl.services.access import about, policy
from crmctl.services.context import Context
from crmctl.services.listing import search_pattern
from crmctl.services.refs import find_company, find_person, resolve_user

# Core columns, not the ORM: `timeline` and `companies|deals show` are read commands.
Event, User = tables.events.c, tables.users.c
Company, Person, PersonCompany = tables.companies.c, tables.persons.c, tables.person_companies.c
Deal, Lead, Task = tables.deals.c, tables.leads.c, tables.tasks.c
Activity, Document = tables.activities.c, tables.documents.c

# The entities with a timeline, as `timeline ENTITY` names them (alphabetically).
ENTITIES = tuple(sorted(e.name for e in entities.with_flag("timeline")))
# Records that hang off a customer record through their link columns.
LINKED = tuple((e.name, e.table.c) for e in entities.with_flag("attached"))


@dataclass(frozen=True)
class TimelineOptions:
    types: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    author: str | None = None
    limit: int = 50
    before_id: int | None = None  # cursor: show events older than this id
    search: str | None = None


@dataclass(frozen=True)
class TimelinePage:
    events: list[dict[str, Any]]
    next_before: int | None  # pass as ``before_id`` for the next page; None at the end


def timeline(ctx: Context, entity: str, ref: str, options: TimelineOptions) -> list[dict[str, Any]]:
    return timeline_page(ctx, entity, ref, options).events


def timeline_page(ctx: Context, entity: str, ref: str, options: TimelineOptions) -> TimelinePage:
    scope = _scope(ctx, entity, ref)
    # Only events about records the user may read: a customer's timeline is need-to-know.
    visible = about.event_predicate(ctx)
    statement: Select[Any] = (
        select(tables.events, User.login.label("actor_login"))
        .outerjoin(tables.users, User.id == Event.actor_id)
        .where(scope, visible)
    )
    for condition in _filters(ctx, options):
        statement = statement.where(condition)
    # One row more than asked tells whether another page follows.
    rows = _newest(ctx, statement, options.limit + 1, options.before_id)
    more = len(rows) > options.limit
    rows = rows[: options.limit]
    names = _subject_names(ctx, rows)
    events = [event_record(row, row.actor_login, names) for row in rows]
    return TimelinePage(events, events[-1]["id"] if more and events else None)


FIRST_WINDOW = 1 << 16  # event ids


def _newest(ctx: Context, statement: Select[Any], wanted: int, before: int | None) -> list[Any]:
    """The newest ``wanted`` rows of ``statement`` below ``before``, window by window.

    Each window (the last 65,536 ids, then 4× wider each time) bounds every OR term's
    index range on (entity_type, entity_id, id), so a busy company (100,000 events) sorts
    only one window's matches instead of all of them, and a quiet one needs a few index
    seeks per window rather than a backward scan of the whole log.
    """
    upper = (
        before if before is not None else (ctx.session.scalar(select(func.max(Event.id))) or 0) + 1
    )
    rows: list[Any] = []
    window = FIRST_WINDOW
    while upper > 1 and len(rows) < wanted:
        lower = max(1, upper - window)
        page = statement.where(Event.id < upper, Event.id >= lower)
        page = page.order_by(Event.id.desc()).limit(wanted - len(rows))
        rows += ctx.session.execute(page).all()
        upper, window = lower, window * 4
    return rows


def _scope(ctx: Context, entity: str, ref: str) -> ColumnElement[bool]:
    if entity == "company":
        company = find_company(ctx, ref, include_deleted=True)
        # A merged company's history (and what hung off its duplicates) stays on its timeline.
        merged = merged_ids(ctx, Company, company.id)
        contact_ids = select(PersonCompany.person_id).where(PersonCompany.company_id.in_(merged))
        deal_ids = select(Deal.id).where(Deal.company_id.in_(merged))
        lead_ids = select(Lead.id).where(Lead.company_id.in_(merged))
        services, plans = tables.services.c, tables.account_plans.c
        return or_(
            _about("company", merged),
            _about("service", select(services.id).where(services.company_id.in_(merged))),
            _about("plan", select(plans.id).where(plans.company_id.in_(merged))),
            _about("contact", contact_ids),
            _about("deal", deal_ids),
            _about("lead", lead_ids),
            # Two index lookups, not one OR that SQLite answers by scanning all tasks.
            *_linked(lambda model: (model.company_id.in_(merged),
                                    model.person_id.in_(contact_ids))),
        )  # fmt: skip
    if entity == "contact":
        person = find_person(ctx, ref, include_deleted=True)
        merged = merged_ids(ctx, Person, person.id)
        return or_(
            _about("contact", merged), *_linked(lambda model: (model.person_id.in_(merged),))
        )
    declared = entities.find(entity)
    if declared is not None and declared.timeline:
        # Deals, leads and any other entity with a timeline: its own events and those of
        # the tasks, activities and documents pointing at it through its link column.
        columns = declared.table.c
        text = str(ref).strip().lstrip("#")
        if not text.isdigit() and declared.find is not None:
            text = str(declared.hook("find")(ctx, ref).id)  # a product's code, a campaign's name
        if not text.isdigit() or _missing(ctx, columns, int(text)):
            not_found = NotFound(f"no {entity} {ref!r}; see `crmctl {declared.plural} list`")
            raise policy.missing(ctx, entity, text, not_found)
        record_id = int(text)
        policy.require(ctx, entity, record_id, "read")
        if declared.links is None:  # nothing points at it: its own events
            return _about(entity, [record_id])
        link = declared.links.column
        return or_(
            _about(entity, [record_id]),
            *_linked(lambda linked: (getattr(linked, link) == record_id,),
                     skip=tuple(name for name, m in LINKED if link not in m)),
        )  # fmt: skip
    choices = ", ".join(sorted(e.name for e in entities.with_flag("timeline")))
    raise UsageError(f"no timeline for {entity!r}; choose one of {choices}")


def _missing(ctx: Context, columns: Any, record_id: int) -> bool:
    return ctx.session.scalar(select(columns.id).where(columns.id == record_id)) is None


def merged_ids(ctx: Context, model: Any, record_id: int) -> list[int]:
    """The record and every duplicate merged into it (also in chains): one history."""
    found, frontier = [record_id], [record_id]
    while frontier:
        frontier = list(
            ctx.session.scalars(select(model.id).where(model.merged_into_id.in_(frontier)))
        )
        frontier = [item for item in frontier if item not in found]
        found += frontier
    return found


def _about(entity_type: str, ids: Any) -> ColumnElement[bool]:
    return and_(Event.entity_type == entity_type, Event.entity_id.in_(ids))


def _linked(conditions: Any, skip: tuple[str, ...] = ()) -> list[ColumnElement[bool]]:
    """Events of the tasks, activities and documents matching any of ``conditions(model)``."""
    terms = []
    for entity_type, model in LINKED:
        if entity_type in skip:
            continue
        selects = [select(model.id).where(condition) for condition in conditions(model)]
        ids = selects[0] if len(selects) == 1 else union(*selects)
        terms.append(_about(entity_type, ids))
    return terms


def _filters(ctx: Context, options: TimelineOptions) -> list[ColumnElement[bool]]:
    from crmctl.query.dates import parse_moment  # noqa: PLC0415  (start-up: the filter parser only when a date is given)

    conditions: list[ColumnElement[bool]] = []
    if options.types:
        # `--type updated` matches `company.updated` and `contact.updated`; `--type task`
        # matches every `task.*` event.
        conditions.append(or_(*(_kind_matches(kind) for kind in options.types)))
    if options.since:
        conditions.append(Event.at >= parse_moment(options.since, ctx.now, ctx.tz, "--since"))
    if options.until:
        conditions.append(Event.at < parse_moment(options.until, ctx.now, ctx.tz, "--until"))
    if options.author:
        conditions.append(Event.actor_id == resolve_user(ctx, options.author).id)
    if options.search and options.search.strip():
        # Accent-insensitive, over everything the event says (texts, before/after values).
        folded = func.crm_fold(cast(Event.payload, Text))
        conditions.append(folded.like(search_pattern(options.search), escape="\\"))
    if options.limit <= 0:
        raise UsageError(f"--limit must be positive, not {options.limit}")
    return conditions


def _kind_matches(kind: str) -> ColumnElement[bool]:
    kind = kind.strip()
    if "." in kind:
        return Event.kind == kind
    return or_(Event.kind.like(f"%.{kind}"), Event.kind.like(f"{kind}.%"))


def _subject_names(ctx: Context, events: list[Any]) -> dict[tuple[str, int], str]:
    """Current names of the records the events are about, one query per entity type."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        wanted.setdefault(event.entity_type, set()).add(event.entity_id)
    names: dict[tuple[str, int], str] = {}
    for entity_type, ids in wanted.items():
        if entity_type not in entities.ENTITIES:
            continue
        for row_id, name in ctx.session.execute(_title_query(entity_type, ids)):
            names[entity_type, row_id] = name or ""
    return names


def _title_query(name: str, ids: set[int]) -> Select[Any]:
    """Every entity's records are named by their title (a company's name, a deal's title…),
    as the registry declares it: an entity declared later is named too."""
    table, title = entities.ENTITIES[name].table, filters.title(name)
    return select(table.c.id, title).where(table.c.id.in_(ids))


def event_record(
    event: Any, login: str | None, names: dict[tuple[str, int], str]
) -> dict[str, Any]:
    subject = f"{event.entity_type} #{event.entity_id}"
    if (event.entity_type, event.entity_id) in names:
        subject += f" {names[event.entity_type, event.entity_id]}"
    return {
        "id": event.id,
        "at": event.at,
        "actor": login,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "subject": subject,
        "kind": event.kind,
        "summary": summarise(event.kind, event.payload or {}),
        "payload": event.payload,
    }


def summarise(kind: str, payload: dict[str, Any]) -> str:
    """One line a person can read: what changed, before → after."""
    action = kind.split(".", 1)[-1]
    if payload.get("changes"):
        changes = "; ".join(
            f"{name}: {_short(values[0])} → {_short(values[1])}"
            for name, values in payload["changes"].items()
        )
        if action == "merged":
            return (
                f"merged #{payload.get('duplicate_id')} {payload.get('duplicate_name')}: {changes}"
            )
        return changes
    if kind.startswith("activity."):
        return _activity_summary(payload)
    if kind.startswith("email."):
        return _email_summary(action, payload)
    if kind == "document.attached":
        return f"document {payload.get('file_name')} ({payload.get('size')} B)"
    if kind == "task.done":
        note = f": {_short(payload['note'])}" if payload.get("note") else ""
        return f"done {payload.get('subject') or ''}{note}".strip()
    if action == "assigned" and "to" in payload:
        return f"assignee: {_short(payload.get('from'))} → {_short(payload.get('to'))}"
    if action == "stage_changed":
        return f"stage: {payload.get('from')} → {payload.get('to')}"
    if "from" in payload and "to" in payload:
        return f"status: {payload['from']} → {payload['to']}"
    if action in ("won", "lost", "rejected") and payload.get("reason"):
        return f"{action}: {_short(payload['reason'])}"
    if action == "created":
        fields = payload.get("fields", {})
        name = fields.get("name") or fields.get("title") or fields.get("subject") or ""
        return f"created {name}".strip()
    if action == "merged":
        return f"merged #{payload.get('duplicate_id')} {payload.get('duplicate_name')}"
    if action == "merged_into":
        return f"merged into #{payload.get('keep_id')}"
    return action.replace("_", " ")


def _email_summary(action: str, payload: dict[str, Any]) -> str:
    """``received from jan@alfa.cz: Re: Nabídka (message #3, 2026-03-03)``."""
    who = payload.get("from") if action != "sent" else ", ".join(payload.get("to") or ())
    way = {"received": "received from", "sent": "sent to"}.get(action, action)
    at = str(payload.get("at") or "")[:10]
    when = f", {at}" if at else ""
    head = f"{way} {who}" if who and action in ("received", "sent") else way
    return f"{head}: {_short(payload.get('subject'))} (message #{payload.get('message')}{when})"


def _short(value: Any, width: int = 60) -> str:
    if value in (None, "", [], {}):
        return "∅"
    if isinstance(value, list):
        text = ", ".join(_short(item, width) for item in value)
    elif isinstance(value, dict):
        text = ", ".join(f"{key}={_short(item, width)}" for key, item in value.items())
    else:
        text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _activity_summary(payload: dict[str, Any]) -> str:
    """``call: Domluvena schůzka (reached, 15 min)`` — the text itself, not just a kind."""
    details = [str(payload[key]) for key in ("outcome",) if payload.get(key)]
    if payload.get("duration_minutes"):
        details.append(f"{payload['duration_minutes']} min")
    if payload.get("attendees"):
        details.append(", ".join(str(item) for item in payload["attendees"]))
    if payload.get("first_contact"):
        details.append(f"first {payload['first_contact']}")
    text = " – ".join(filter(None, [payload.get("subject"), payload.get("body")]))
    suffix = f" ({'; '.join(details)})" if details else ""
    return f"{payload.get('kind', 'activity')}: {_short(text, 120)}{suffix}"
