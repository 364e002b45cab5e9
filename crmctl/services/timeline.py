"""The timeline of a record: its events, newest first (a company's includes its contacts')."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select

from crmctl.db.models import Company, Deal, Event, Lead, Person, PersonCompany, User
from crmctl.errors import NotFound, UsageError
from crmctl.services import policy
from crmctl.services.context import Context
from crmctl.services.refs import resolve_company, resolve_person, resolve_user

ENTITIES = ("company", "contact", "deal", "lead")


@dataclass(frozen=True)
class TimelineOptions:
    types: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    author: str | None = None
    limit: int = 50
    before_id: int | None = None  # cursor: show events older than this id


def timeline(ctx: Context, entity: str, ref: str, options: TimelineOptions) -> list[dict[str, Any]]:
    scope = _scope(ctx, entity, ref)
    # Only events about records the user may read: a customer's timeline is need-to-know.
    visible = policy.event_predicate(ctx)
    statement = (
        select(Event, User.login).outerjoin(User, User.id == Event.actor_id).where(scope, visible)
    )
    for condition in _filters(ctx, options):
        statement = statement.where(condition)
    statement = statement.order_by(Event.id.desc()).limit(options.limit)
    rows = ctx.session.execute(statement).all()
    names = _subject_names(ctx, [event for event, _ in rows])
    return [event_record(event, login, names) for event, login in rows]


def _scope(ctx: Context, entity: str, ref: str) -> ColumnElement[bool]:
    if entity == "company":
        company = resolve_company(ctx, ref, include_deleted=True)
        contact_ids = select(PersonCompany.person_id).where(PersonCompany.company_id == company.id)
        deal_ids = select(Deal.id).where(Deal.company_id == company.id)
        merged = merged_ids(ctx, Company, company.id)
        return or_(
            and_(Event.entity_type == "company", Event.entity_id.in_(merged)),
            and_(Event.entity_type == "contact", Event.entity_id.in_(contact_ids)),
            and_(Event.entity_type == "deal", Event.entity_id.in_(deal_ids)),
        )
    if entity == "contact":
        person = resolve_person(ctx, ref, include_deleted=True)
        merged = merged_ids(ctx, Person, person.id)
        return and_(Event.entity_type == "contact", Event.entity_id.in_(merged))
    if entity in ("deal", "lead"):
        model = Deal if entity == "deal" else Lead
        text = str(ref).strip().lstrip("#")
        if not text.isdigit() or ctx.session.get(model, int(text)) is None:
            raise policy.missing(
                ctx, entity, text, NotFound(f"no {entity} {ref!r}; see `crmctl {entity}s list`")
            )
        policy.require(ctx, entity, int(text), "read")
        return and_(Event.entity_type == entity, Event.entity_id == int(text))
    raise UsageError(f"no timeline for {entity!r}; choose one of {', '.join(ENTITIES)}")


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


def _filters(ctx: Context, options: TimelineOptions) -> list[ColumnElement[bool]]:
    from crmctl.query.dates import parse_moment

    conditions: list[ColumnElement[bool]] = []
    if options.types:
        # `--type updated` matches `company.updated` and `contact.updated`.
        conditions.append(
            or_(
                *(
                    Event.kind == kind if "." in kind else Event.kind.like(f"%.{kind}")
                    for kind in options.types
                )
            )
        )
    if options.since:
        conditions.append(Event.at >= parse_moment(options.since, ctx.now, ctx.tz, "--since"))
    if options.until:
        conditions.append(Event.at < parse_moment(options.until, ctx.now, ctx.tz, "--until"))
    if options.author:
        conditions.append(Event.actor_id == resolve_user(ctx, options.author).id)
    if options.before_id is not None:
        conditions.append(Event.id < options.before_id)
    if options.limit <= 0:
        raise UsageError(f"--limit must be positive, not {options.limit}")
    return conditions


def _subject_names(ctx: Context, events: list[Event]) -> dict[tuple[str, int], str]:
    """Current names of the records the events are about, one query per entity type."""
    wanted: dict[str, set[int]] = {"company": set(), "contact": set(), "deal": set()}
    for event in events:
        if event.entity_type in wanted:
            wanted[event.entity_type].add(event.entity_id)
    names: dict[tuple[str, int], str] = {}
    if wanted["contact"]:
        for row in ctx.session.execute(
            select(Person.id, Person.first_name, Person.last_name).where(
                Person.id.in_(wanted["contact"])
            )
        ):
            names["contact", row.id] = " ".join(filter(None, [row.first_name, row.last_name]))
    if wanted["deal"]:
        for row in ctx.session.execute(
            select(Deal.id, Deal.title).where(Deal.id.in_(wanted["deal"]))
        ):
            names["deal", row.id] = row.title
    if wanted["company"]:
        for row in ctx.session.execute(
            select(Company.id, Company.name).where(Company.id.in_(wanted["company"]))
        ):
            names["company", row.id] = row.name
    return names


def event_record(
    event: Event, login: str | None, names: dict[tuple[str, int], str]
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
    if action == "stage_changed":
        return f"stage: {payload.get('from')} → {payload.get('to')}"
    if "from" in payload and "to" in payload:
        return f"status: {payload['from']} → {payload['to']}"
    if action in ("won", "lost", "rejected") and payload.get("reason"):
        return f"{action}: {_short(payload['reason'])}"
    if action == "created":
        fields = payload.get("fields", {})
        return f"created {fields.get('name') or fields.get('title') or ''}".strip()
    if action == "merged":
        return f"merged #{payload.get('duplicate_id')} {payload.get('duplicate_name')}"
    if action == "merged_into":
        return f"merged into #{payload.get('keep_id')}"
    return action.replace("_", " ")


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
