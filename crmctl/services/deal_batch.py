"""``deals update --where … --set …``: one set-based change of many deals, with its events.

Every part is a statement over the whole matching set, never a loop over rows: the
events are inserted by one ``INSERT … SELECT`` whose JSON payloads SQL builds from the
before-values (``crmctl.db.functions``), then one ``UPDATE`` changes the deals. Fetching
100,000 before-values into Python to build the payloads took longer than all the SQL
together, so rows are only read back when the caller wants the list of changes
(``-o json``, ``--dry-run``).

Only deals whose values actually change are updated and logged. A stage change
(``--set stage=KEY``) also closes and opens the deals' stage history rows and logs
``deal.stage_changed``, as ``deals move`` does for one deal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)

from crmctl.db.functions import (
    date_text,
    json_array,
    json_merge,
    json_object,
    json_parse,
    money_text,
)
from crmctl.db.models import Deal, DealStageHistory, Event, User, UtcDateTime
from crmctl.errors import Conflict, ValidationError
from crmctl.money import currency_code
from crmctl.query.entities import deal_registry
from crmctl.query.parsed import ParsedFilter
from crmctl.services import policy
from crmctl.services.approvals import require_none_pending
from crmctl.services.context import Context
from crmctl.services.deals import (
    ENTITY,
    SOURCES,
    _category,
    _probability,
    _text,
    parse_date,
    parse_value,
)
from crmctl.services.locking import begin_write
from crmctl.services.pipelines import FORECAST_CATEGORIES, Stage, get_pipeline, load_pipelines
from crmctl.services.refs import resolve_user
from crmctl.services.users import logins_by_id

# `deals update --set FIELD=VALUE`: the columns one set-based UPDATE may change.
BATCH_FIELDS = (
    "title",
    "owner",
    "value",
    "currency",
    "probability",
    "forecast_category",
    "expected_close",
    "source",
    "campaign",
    "stage",
)
# How many ids of refused (closed) deals an error message names.
SHOWN_IDS = 10


@dataclass(frozen=True)
class BatchResult:
    matched: int
    ids: list[int]  # the changed (or, in a dry run, to be changed) deals, ascending
    dry_run: bool
    # {"id", "title", "changes": {field: [before, after]}}; only when asked for.
    changes: list[dict[str, Any]] = field(default_factory=list)


def batch_update(
    ctx: Context,
    where: str,
    assignments: dict[str, str],
    *,
    dry_run: bool,
    with_changes: bool = False,
) -> BatchResult:
    """Change every live deal matching ``where``; ``with_changes`` also lists each change."""
    actor = ctx.require_actor()
    if not where or not where.strip():
        raise ValidationError("--where is required (use --where 'id > 0' to mean every deal)")
    if not assignments:
        raise ValidationError(f"nothing to set: pass --set FIELD=VALUE ({', '.join(BATCH_FIELDS)})")
    policy.require_any_write(ctx, ENTITY, "update deals")
    matching = and_(
        Deal.deleted_at.is_(None),
        ParsedFilter.of(where).condition(deal_registry(), now=ctx.now, tz=ctx.tz),
        # Only what the user may change: the rest of the matches are left alone, unseen.
        policy.predicate(ctx, ENTITY, "write"),
        policy.predicate(ctx, ENTITY, "read"),
    )
    if "stage" in assignments:
        if len(assignments) > 1:
            raise ValidationError(
                "--set stage cannot be combined with other fields (the stage sets probability "
                "and forecast category); run a second `deals update` for the others"
            )
        return _change_stages(ctx, actor.id, matching, assignments["stage"], dry_run, with_changes)
    values = _batch_values(ctx, assignments)
    if "owner_id" in values:
        policy.require_owner_in_scope(ctx, ENTITY, values["owner_id"])
    return _change_fields(ctx, actor.id, matching, values, dry_run, with_changes)


def _change_fields(
    ctx: Context,
    actor_id: int,
    matching: ColumnElement[bool],
    values: dict[str, Any],
    dry_run: bool,
    with_changes: bool,
) -> BatchResult:
    """Events first (their payloads read the before-values), then one UPDATE."""
    if not dry_run:
        _lock_deals(ctx)
    columns = {name: getattr(Deal, name) for name in values}
    differs = or_(*(column.is_distinct_from(values[name]) for name, column in columns.items()))
    condition = and_(matching, differs)
    changes: list[dict[str, Any]] = []
    if dry_run or with_changes:
        rows = _rows(ctx, select(Deal.id, Deal.title, *columns.values()).where(condition))
        ids = [row.id for row in rows]
        if with_changes:
            changes = _field_changes(ctx, rows, values)
        if dry_run or not ids:
            return BatchResult(len(ids), ids, dry_run, changes)
        _expect(len(_insert_events(ctx, actor_id, condition, values)), len(ids))
    else:
        ids = sorted(_insert_events(ctx, actor_id, condition, values))
        if not ids:
            return BatchResult(0, [], dry_run)
    extra: dict[str, Any] = {}
    if "probability" in values:
        extra["probability_overridden"] = True
    if "forecast_category" in values:
        extra["forecast_category_overridden"] = True
    result = ctx.session.execute(
        update(Deal)
        .where(condition)
        .values(
            **values, **extra, updated_at=ctx.now, updated_by_id=actor_id, last_touched_at=ctx.now
        )
        .execution_options(synchronize_session=False)
    )
    _expect(result.rowcount, len(ids))
    return BatchResult(len(ids), ids, dry_run, changes)


def _rows(ctx: Context, statement: Select[Any]) -> list[Any]:
    return list(ctx.session.execute(statement.order_by(Deal.id)).all())


def _lock_deals(ctx: Context) -> None:
    """On PostgreSQL, hold off other writers of deals until commit (readers go on).

    The events' before-values and the UPDATE must see the same rows. SQLite has one
    writer at a time anyway. Locking each row instead (``SELECT … FOR UPDATE``) wrote
    every locked row again and took as long as the update itself (2.3 s of 5.6 s for
    100,000 deals).
    """
    if ctx.session.get_bind().dialect.name == "postgresql":
        ctx.session.execute(text("LOCK TABLE deals IN SHARE ROW EXCLUSIVE MODE"))
    # SQLite: be the writer before reading, so the rows read are the rows updated.
    begin_write(ctx)


def _expect(written: int, matched: int) -> None:
    if written != matched:
        raise Conflict(
            f"deals changed while updating ({written} instead of {matched}); "
            "nothing was written, run the command again"
        )


def _insert_events(
    ctx: Context, actor_id: int, condition: ColumnElement[bool], values: dict[str, Any]
) -> list[int]:
    """One ``deal.updated`` per matching deal in one INSERT … SELECT; the deals' ids.

    The payload is ``{"changes": {field: [before, after]}, "batch": true}`` with the
    values as ``deals list -o json`` shows them (owner's login, amount and date as text).
    """
    after = {name: _plain(value) for name, value in values.items()}
    if "owner_id" in values:
        after["owner_id"] = logins_by_id(ctx, [values["owner_id"]]).get(values["owner_id"])
    pairs = {
        name: json_array(_before(name), json_parse(literal(json.dumps(after[name]), String)))
        for name in values
    }
    if len(pairs) == 1:
        # The condition already says this one field differs.
        ((name, pair),) = pairs.items()
        changes: ColumnElement[Any] = _object({_public(name): pair})
    else:
        # Only the fields that differ for this deal, as the per-row condition decides.
        changes = _object({})
        for name, pair in pairs.items():
            differs = getattr(Deal, name).is_distinct_from(values[name])
            changes = json_merge(
                changes, case((differs, _object({_public(name): pair})), else_=_object({}))
            )
    payload = _object({"changes": changes, "batch": json_parse(literal("true", String))})
    return _insert_deal_events(ctx, actor_id, "deal.updated", payload, condition)


def _insert_deal_events(
    ctx: Context,
    actor_id: int,
    kind: str,
    payload: ColumnElement[Any],
    condition: ColumnElement[bool],
) -> list[int]:
    rows = select(
        literal(ctx.now, UtcDateTime()),
        literal(actor_id, Integer),
        literal(ENTITY, String),
        Deal.id,
        literal(kind, String),
        payload,
    ).where(condition)
    # No ORDER BY: on PostgreSQL it made the planner walk the primary key of every deal
    # (1 s of 3 s for 100,000 events); the caller sorts the returned ids.
    statement = (
        insert(Event)
        .from_select(["at", "actor_id", "entity_type", "entity_id", "kind", "payload"], rows)
        .returning(Event.entity_id)
    )
    return list(ctx.session.scalars(statement).all())


def _object(pairs: dict[str, Any]) -> ColumnElement[Any]:
    """A JSON object in SQL; keys are cast so PostgreSQL knows their type."""
    arguments: list[Any] = []
    for key, value in pairs.items():
        arguments += [cast(literal(key, String), String), value]
    return json_object(*arguments)


def _before(name: str) -> ColumnElement[Any]:
    """The current value of a column as the change lists show it."""
    if name == "owner_id":
        return select(User.login).where(User.id == Deal.owner_id).scalar_subquery()
    if name == "value":
        return money_text(Deal.value)
    if name == "expected_close":
        return date_text(Deal.expected_close)
    column: ColumnElement[Any] = getattr(Deal, name)
    return column


def _field_changes(ctx: Context, rows: list[Any], values: dict[str, Any]) -> list[dict[str, Any]]:
    """The list ``-o json`` prints, from the fetched before-values (same shape as events)."""
    logins = (
        logins_by_id(ctx, [row.owner_id for row in rows] + [values.get("owner_id")])
        if "owner_id" in values
        else {}
    )
    after = {name: _plain(shown_value(logins, name, value)) for name, value in values.items()}
    return [
        {
            "id": row.id,
            "title": row.title,
            "changes": {
                _public(name): [_plain(shown_value(logins, name, getattr(row, name))), after[name]]
                for name in values
                if getattr(row, name) != values[name]
            },
        }
        for row in rows
    ]


def shown_value(logins: dict[int, str], name: str, value: Any) -> Any:
    return logins.get(value, value) if name == "owner_id" else value


def _plain(value: Any) -> Any:
    """A JSON-ready value: dates as ISO text, Decimal as text (as ``jsonable`` does)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _public(column: str) -> str:
    return "owner" if column == "owner_id" else column


def _batch_values(ctx: Context, assignments: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, raw in assignments.items():
        if name not in BATCH_FIELDS:
            hint = " (use `crmctl deals win|lose` to close deals)" if name == "status" else ""
            raise ValidationError(
                f"--set {name}: not settable in a batch update{hint}; "
                f"settable: {', '.join(BATCH_FIELDS)}"
            )
        if name == "owner":
            values["owner_id"] = resolve_user(ctx, raw).id if raw else None
        elif name == "value":
            values["value"], named = parse_value(raw)
            if named and "currency" not in assignments:
                values["currency"] = named
        elif name == "currency":
            values["currency"] = currency_code(raw)
        elif name == "probability":
            probability = _probability(raw)
            if probability is None:
                raise ValidationError("--set probability: give a number 0–100")
            values["probability"] = probability
        elif name == "forecast_category":
            category = _category(raw)
            if category is None:
                raise ValidationError(
                    f"--set forecast_category: one of {', '.join(FORECAST_CATEGORIES)}"
                )
            values["forecast_category"] = category
        elif name == "expected_close":
            values["expected_close"] = parse_date(raw, "expected_close")
        elif name == "title":
            if not raw.strip():
                raise ValidationError("--set title: a deal's title must not be empty")
            values["title"] = raw.strip()
        else:
            text = _text(raw)
            if name == "source" and text and text not in SOURCES:
                raise ValidationError(f"--set source: one of {', '.join(SOURCES)}")
            values[name] = text
    return values


# --- stage ----------------------------------------------------------------------------------


def _change_stages(
    ctx: Context,
    actor_id: int,
    matching: ColumnElement[bool],
    stage_ref: str,
    dry_run: bool,
    with_changes: bool,
) -> BatchResult:
    """Move every matching open deal to ``stage_ref`` in its pipeline, set-based per pipeline."""
    if not stage_ref.strip():
        raise ValidationError("--set stage: give a stage key or label, e.g. --set stage=jednani")
    if not dry_run:
        _lock_deals(ctx)
    targets = _target_stages(ctx, matching, stage_ref)
    _refuse_closed(ctx, matching)
    # As `deals move` does for one deal: a pending approval holds the deal where it is.
    require_none_pending(ctx, "deal", select(Deal.id).where(matching))
    ids: list[int] = []
    changes: list[dict[str, Any]] = []
    for pipeline, stage in targets.items():
        condition = and_(matching, Deal.pipeline == pipeline, Deal.stage != stage.key)
        rows = _rows(
            ctx,
            select(Deal.id, Deal.title, Deal.stage, Deal.probability, Deal.probability_overridden)
            .where(condition),
        )  # fmt: skip
        if with_changes:
            changes += [_stage_change(row, stage) for row in rows]
        ids += [row.id for row in rows]
        if rows and not dry_run:
            _move(ctx, actor_id, condition, pipeline, stage, len(rows))
    ids.sort()
    changes.sort(key=lambda change: change["id"])
    return BatchResult(len(ids), ids, dry_run, changes)


def _target_stages(ctx: Context, matching: ColumnElement[bool], stage_ref: str) -> dict[str, Stage]:
    """The stage in each pipeline the matching deals are in; unknown or closed is refused."""
    pipelines = load_pipelines(ctx)
    used = ctx.session.scalars(
        select(Deal.pipeline).where(matching).distinct().order_by(Deal.pipeline)
    ).all()
    targets = {key: get_pipeline(pipelines, key).stage(stage_ref) for key in used}
    closing = next((stage for stage in targets.values() if stage.closed), None)
    if closing is not None:
        verb = "win" if closing.won else "lose"
        raise ValidationError(
            f"--set stage={stage_ref}: {closing.key!r} closes deals, which a batch update "
            f"does not do; close each with `crmctl deals {verb} ID`"
        )
    return targets


def _refuse_closed(ctx: Context, matching: ColumnElement[bool]) -> None:
    closed = ctx.session.scalars(
        select(Deal.id)
        .where(matching, Deal.status != "open")
        .order_by(Deal.id)
        .limit(SHOWN_IDS + 1)
    ).all()
    if not closed:
        return
    shown = ", ".join(f"#{deal_id}" for deal_id in closed[:SHOWN_IDS])
    more = ", …" if len(closed) > SHOWN_IDS else ""
    raise Conflict(
        f"the filter matches closed deals ({shown}{more}); a closed deal cannot change stage — "
        'add `and status = "open"` to --where'
    )


def _stage_change(row: Any, stage: Stage) -> dict[str, Any]:
    changes: dict[str, list[Any]] = {"stage": [row.stage, stage.key]}
    if not row.probability_overridden and row.probability != stage.probability:
        changes["probability"] = [row.probability, stage.probability]
    return {"id": row.id, "title": row.title, "changes": changes}


def _move(
    ctx: Context,
    actor_id: int,
    condition: ColumnElement[bool],
    pipeline: str,
    stage: Stage,
    expected: int,
) -> None:
    """History, events, then the deals (the condition reads their current stage)."""
    moving = select(Deal.id).where(condition).scalar_subquery()
    ctx.session.execute(
        update(DealStageHistory)
        .where(DealStageHistory.left_at.is_(None), DealStageHistory.deal_id.in_(moving))
        .values(left_at=ctx.now)
        .execution_options(synchronize_session=False)
    )
    history = select(
        Deal.id,
        literal(pipeline, String),
        literal(stage.key, String),
        literal(ctx.now, UtcDateTime()),
        literal(actor_id, Integer),
    ).where(condition)
    ctx.session.execute(
        insert(DealStageHistory).from_select(
            ["deal_id", "pipeline", "stage", "entered_at", "entered_by_id"],
            history,
        )
    )
    payload = _stage_payload(pipeline, stage)
    events = _insert_deal_events(ctx, actor_id, "deal.stage_changed", payload, condition)
    _expect(len(events), expected)
    keeps_probability = Deal.probability_overridden.is_(True)
    keeps_category = Deal.forecast_category_overridden.is_(True)
    result = ctx.session.execute(
        update(Deal)
        .where(condition)
        .values(
            stage=stage.key,
            probability=case((keeps_probability, Deal.probability), else_=stage.probability),
            forecast_category=case(
                (keeps_category, Deal.forecast_category), else_=stage.forecast_category
            ),
            stage_entered_at=ctx.now,
            last_touched_at=ctx.now,
            updated_at=ctx.now,
            updated_by_id=actor_id,
        )
        .execution_options(synchronize_session=False)
    )
    _expect(result.rowcount, expected)


def _stage_payload(pipeline: str, stage: Stage) -> ColumnElement[Any]:
    """As ``deals move`` logs it: from, to, label, pipeline and a changed probability."""
    base = _object(
        {
            "from": Deal.stage,
            "to": cast(literal(stage.key, String), String),
            "label": cast(literal(stage.label, String), String),
            "pipeline": cast(literal(pipeline, String), String),
            "batch": json_parse(literal("true", String)),
        }
    )
    new_probability = literal(stage.probability, Integer)
    changes_probability = and_(
        Deal.probability_overridden.is_(False), Deal.probability != stage.probability
    )
    probability = _object({"probability": json_array(Deal.probability, new_probability)})
    return json_merge(base, case((changes_probability, probability), else_=_object({})))
