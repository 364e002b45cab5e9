"""Deals (obchodní případy): stage, value, owner, expected close, contacts and history.

Every write sets ``last_touched_at`` (the latest change, activity or stage entry), which
``idle_days`` compiles against, and appends its events in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select, update

from crmctl import entities
from crmctl.dates import parse_day
from crmctl.db.models import Company, Deal, DealContact, DealStageHistory, Person
from crmctl.errors import Conflict, NotFound, ValidationError
from crmctl.money import currency_code, parse_money
from crmctl.services import stale
from crmctl.services import tags as tag_store
from crmctl.services.access import policy
from crmctl.services.approvals import require_no_pending
from crmctl.services.context import Context, dry_run_scope
from crmctl.services.events import field_changes, record_event
from crmctl.services.listing import ListOptions
from crmctl.services.pipelines import (
    FORECAST_CATEGORIES,
    Pipeline,
    Stage,
    get_pipeline,
    load_pipelines,
)
from crmctl.services.read import sources
from crmctl.services.read.pipeline import list_records, show_record
from crmctl.services.read.records import (  # noqa: F401  (re-exported: callers find them here)
    days_between,
    deal_records,
    stage_history,
)
from crmctl.services.refs import resolve_company, resolve_deal, resolve_user
from crmctl.values import jsonable

ENTITY = "deal"
SOURCES = ("web", "email", "phone", "import", "campaign", "manual")
# Fields of a record that `apply` may set; everything else is derived.
SETTABLE = entities.DEAL.settable
SECONDS_PER_DAY = 86400


@dataclass(frozen=True)
class Plan:
    """What one record of `deals apply` would do."""

    action: str  # "create" | "update" | "unchanged"
    deal_id: int | None
    label: str
    changes: dict[str, list[Any]]


# --- reading --------------------------------------------------------------------------


def list_deals(ctx: Context, options: ListOptions) -> list[dict[str, Any]]:
    return list_records(ctx, sources.source("deal"), options)


def show_deal(ctx: Context, ref: str) -> dict[str, Any]:
    """The whole deal, or only what a limited view shows (support: the stage)."""
    return show_record(ctx, sources.source("deal"), ref)


def deal_record(ctx: Context, deal: Deal) -> dict[str, Any]:
    return deal_records(ctx, [deal])[0]


def _loggable(record: dict[str, Any]) -> dict[str, Any]:
    derived = {
        "id", "created_at", "created_by", "updated_at", "updated_by", "deleted_at",
        "days_in_stage", "idle_days", "has_planned_activity", "last_touched_at",
        "stage_entered_at", "company", "probability_overridden",
        "forecast_category_overridden",
    }  # fmt: skip
    return jsonable({key: value for key, value in record.items() if key not in derived})


# --- writing --------------------------------------------------------------------------


def add_deal(ctx: Context, desired: dict[str, Any]) -> dict[str, Any]:
    actor = ctx.require_actor()
    policy.require_any_write(ctx, ENTITY, "add deals")
    pipelines = load_pipelines(ctx)
    wanted = normalise_desired(ctx, desired, pipelines)
    policy.require_owner_in_scope(ctx, ENTITY, wanted.get("owner_id", actor.id))
    if not wanted.get("title"):
        raise ValidationError("a deal needs a title: pass --title")
    pipeline = get_pipeline(pipelines, wanted.get("pipeline"))
    stage = pipeline.stage(wanted["stage"]) if wanted.get("stage") else pipeline.first
    if stage.closed:
        raise ValidationError(
            f"a new deal cannot start in the closed stage {stage.key!r}; "
            f"add it in {pipeline.first.key!r} and use `crmctl deals win|lose`"
        )
    deal = Deal(
        title=wanted["title"],
        pipeline=pipeline.key,
        stage=stage.key,
        value=Decimal("0.00"),
        currency="CZK",
        probability=stage.probability,
        probability_overridden=False,
        forecast_category=stage.forecast_category,
        forecast_category_overridden=False,
        status="open",
        owner_id=actor.id,
        custom={},
        stage_entered_at=ctx.now,
        last_touched_at=ctx.now,
        created_at=ctx.now,
        updated_at=ctx.now,
        created_by_id=actor.id,
        updated_by_id=actor.id,
    )
    ctx.session.add(deal)
    _assign(ctx, deal, {k: v for k, v in wanted.items() if k not in ("pipeline", "stage")}, stage)
    ctx.session.flush()
    _write_links(ctx, deal, wanted)
    ctx.session.add(
        DealStageHistory(
            deal_id=deal.id,
            pipeline=deal.pipeline,
            stage=deal.stage,
            entered_at=ctx.now,
            entered_by_id=actor.id,
        )
    )
    record = deal_record(ctx, deal)
    record_event(ctx, ENTITY, deal.id, "deal.created", {"fields": _loggable(record)})
    return record


def update_deal(ctx: Context, deal: Deal, desired: dict[str, Any]) -> dict[str, list[Any]]:
    """Bring a deal to ``desired`` (fields present are set); returns the changes."""
    pipelines = load_pipelines(ctx)
    wanted = normalise_desired(ctx, desired, pipelines)
    if "owner_id" in wanted and wanted["owner_id"] != deal.owner_id:
        policy.require_owner_in_scope(ctx, ENTITY, wanted["owner_id"])
    before = _loggable(deal_record(ctx, deal))
    pipeline = get_pipeline(pipelines, deal.pipeline)
    target = wanted.get("stage")
    if "pipeline" in wanted and wanted["pipeline"] != deal.pipeline:
        raise ValidationError(
            f"deal #{deal.id}: moving a deal to another pipeline is not supported; "
            "add a new deal in that pipeline"
        )
    # A record piped back still holds the old stage's probability: that is no override.
    for name in ("probability", "forecast_category"):
        if name in wanted and wanted[name] == getattr(deal, name):
            del wanted[name]
    stage_changes: dict[str, list[Any]] = {}
    if target and pipeline.stage(target).key != deal.stage:
        stage_changes = _change_stage(ctx, deal, pipeline, pipeline.stage(target))
    _assign(ctx, deal, {k: v for k, v in wanted.items() if k not in ("pipeline", "stage")},
            pipeline.stage(deal.stage))  # fmt: skip
    ctx.session.flush()
    _write_links(ctx, deal, wanted)
    changes = field_changes(before, _loggable(deal_record(ctx, deal)))
    other = {key: value for key, value in changes.items() if key not in stage_changes}
    if other:
        deal.updated_at, deal.updated_by_id = ctx.now, ctx.actor_id
        deal.last_touched_at = ctx.now
        record_event(ctx, ENTITY, deal.id, "deal.updated", {"changes": other})
    return changes


def assign_deal(
    ctx: Context, ref: str | int, owner: str, *, reason: str | None = None
) -> dict[str, list[Any]]:
    """Give the deal ``owner`` and record why it was chosen (``deal.assigned``, also when
    the deal had that owner already: the rule's choice is on the timeline either way)."""
    deal = resolve_deal(ctx, ref, for_update=True)
    changes = update_deal(ctx, deal, {"owner": owner})
    record_event(ctx, ENTITY, deal.id, "deal.assigned", {"owner": owner, "reason": reason})
    return changes


def move_deal(ctx: Context, ref: str, stage_ref: str, reason: str | None = None) -> dict[str, Any]:
    deal = resolve_deal(ctx, ref, for_update=True, action="write")
    pipeline = get_pipeline(load_pipelines(ctx), deal.pipeline)
    stage = pipeline.stage(stage_ref)
    if stage.key == deal.stage:
        raise Conflict(f"deal #{deal.id} is already in stage {stage.key!r} ({stage.label})")
    _change_stage(ctx, deal, pipeline, stage, reason)
    return deal_record(ctx, deal)


def win_deal(ctx: Context, ref: str, reason: str | None = None) -> dict[str, Any]:
    deal = resolve_deal(ctx, ref, for_update=True, action="write")
    pipeline = get_pipeline(load_pipelines(ctx), deal.pipeline)
    if pipeline.won_stage is None:
        raise ValidationError(f"pipeline {pipeline.key!r} has no won stage; add one with won: true")
    _change_stage(ctx, deal, pipeline, pipeline.won_stage, reason)
    return deal_record(ctx, deal)


def lose_deal(ctx: Context, ref: str, reason: str | None) -> dict[str, Any]:
    if not reason or not reason.strip():
        raise ValidationError("say why the deal was lost: pass --reason TEXT")
    deal = resolve_deal(ctx, ref, for_update=True, action="write")
    pipeline = get_pipeline(load_pipelines(ctx), deal.pipeline)
    if pipeline.lost_stage is None:
        raise ValidationError(
            f"pipeline {pipeline.key!r} has no lost stage; add one with lost: true"
        )
    _change_stage(ctx, deal, pipeline, pipeline.lost_stage, reason)
    return deal_record(ctx, deal)


def _change_stage(
    ctx: Context, deal: Deal, pipeline: Pipeline, stage: Stage, reason: str | None = None
) -> dict[str, list[Any]]:
    """Leave the current stage for ``stage``: history, probability, status, one event."""
    if deal.status != "open":
        closed = deal.closed_at.date().isoformat() if deal.closed_at else "earlier"
        raise Conflict(
            f"deal #{deal.id} is already {deal.status} (closed {closed}); "
            "a closed deal cannot change stage — add a new deal instead"
        )
    if stage.lost and not (reason and reason.strip()):
        raise ValidationError(
            f"moving deal #{deal.id} to {stage.key!r} loses it: use "
            f"`crmctl deals lose {deal.id} --reason TEXT`"
        )
    if not stage.lost:
        # A pending approval (e.g. a discount over the limit) holds the deal where it is.
        require_no_pending(ctx, ENTITY, deal.id)
    before_stage, before_probability = deal.stage, deal.probability
    before_category = deal.forecast_category
    ctx.session.execute(
        update(DealStageHistory)
        .where(DealStageHistory.deal_id == deal.id, DealStageHistory.left_at.is_(None))
        .values(left_at=ctx.now)
        .execution_options(synchronize_session=False)
    )
    ctx.session.add(
        DealStageHistory(
            deal_id=deal.id,
            pipeline=pipeline.key,
            stage=stage.key,
            entered_at=ctx.now,
            entered_by_id=ctx.actor_id,
        )
    )
    deal.stage = stage.key
    deal.stage_entered_at = deal.last_touched_at = deal.updated_at = ctx.now
    deal.updated_by_id = ctx.actor_id
    if not deal.probability_overridden or stage.closed:
        deal.probability = stage.probability
    if not deal.forecast_category_overridden or stage.closed:
        deal.forecast_category = stage.forecast_category
    payload: dict[str, Any] = {
        "from": before_stage,
        "to": stage.key,
        "label": stage.label,
        "pipeline": pipeline.key,
    }
    if deal.probability != before_probability:
        payload["probability"] = [before_probability, deal.probability]
    if deal.forecast_category != before_category:
        payload["forecast_category"] = [before_category, deal.forecast_category]
    record_event(ctx, ENTITY, deal.id, "deal.stage_changed", payload)
    if stage.closed:
        deal.status = "won" if stage.won else "lost"
        deal.closed_at = ctx.now
        if stage.won:
            deal.won_reason = (reason or "").strip() or None
        else:
            deal.lost_reason = (reason or "").strip()
        record_event(
            ctx, ENTITY, deal.id, f"deal.{deal.status}", {"reason": (reason or "").strip() or None}
        )
    return {"stage": [before_stage, stage.key]}


def _assign(ctx: Context, deal: Deal, wanted: dict[str, Any], stage: Stage) -> None:
    from crmctl.services.campaigns import campaign_id_named  # noqa: PLC0415  (circle: deals ↔ campaigns)

    for name in ("title", "value", "currency", "expected_close", "source", "campaign"):
        if name in wanted:
            setattr(deal, name, wanted[name])
    if "campaign" in wanted:
        # The text names a campaign record where one has that name (issue 19).
        deal.campaign_id = campaign_id_named(ctx, wanted["campaign"])
    if "company_id" in wanted:
        deal.company_id = wanted["company_id"]
    if "owner_id" in wanted:
        deal.owner_id = wanted["owner_id"]
    if "lead_id" in wanted:
        deal.lead_id = wanted["lead_id"]
    # A value equal to the current one (a record piped back) overrides nothing.
    if "probability" in wanted and wanted["probability"] != deal.probability:
        overridden = wanted["probability"] is not None
        deal.probability = wanted["probability"] if overridden else stage.probability
        deal.probability_overridden = overridden
    if "forecast_category" in wanted and wanted["forecast_category"] != deal.forecast_category:
        overridden = wanted["forecast_category"] is not None
        deal.forecast_category = (
            wanted["forecast_category"] if overridden else stage.forecast_category
        )
        deal.forecast_category_overridden = overridden
    if "custom" in wanted:
        deal.custom = wanted["custom"]


def _write_links(ctx: Context, deal: Deal, wanted: dict[str, Any]) -> None:
    if "tags" in wanted:
        tag_store.replace(ctx, ENTITY, deal.id, wanted["tags"])
    if "contacts" in wanted:
        ctx.session.execute(delete(DealContact).where(DealContact.deal_id == deal.id))
        for person_id, role in wanted["contacts"]:
            ctx.session.add(DealContact(deal_id=deal.id, person_id=person_id, role=role))
        ctx.session.flush()


def normalise_desired(
    ctx: Context, desired: dict[str, Any], pipelines: dict[str, Pipeline]
) -> dict[str, Any]:
    """Validate a (partial) desired state; ``None`` or ``""`` clears a field."""
    wanted: dict[str, Any] = {}
    for name in ("title", "source", "campaign"):
        if name in desired:
            wanted[name] = _text(desired[name])
    if wanted.get("source") and wanted["source"] not in SOURCES:
        raise ValidationError(f"source {wanted['source']!r} is not one of {', '.join(SOURCES)}")
    if desired.get("pipeline"):
        wanted["pipeline"] = get_pipeline(pipelines, str(desired["pipeline"])).key
    if desired.get("stage"):
        wanted["stage"] = str(desired["stage"])
    if desired.get("value") not in (None, ""):
        wanted["value"], named = parse_value(desired["value"])
        if named:
            wanted["currency"] = named
    if desired.get("currency") not in (None, ""):
        code = currency_code(str(desired["currency"]))
        if wanted.get("currency") not in (None, code):
            raise ValidationError(
                f"value is in {wanted['currency']} but currency says {code}; give one of them"
            )
        wanted["currency"] = code
    if "probability" in desired:
        wanted["probability"] = _probability(desired["probability"])
    if "forecast_category" in desired:
        wanted["forecast_category"] = _category(desired["forecast_category"])
    if "expected_close" in desired:
        wanted["expected_close"] = parse_date(desired["expected_close"], "expected_close")
    if "owner" in desired:
        owner = desired["owner"]
        wanted["owner_id"] = resolve_user(ctx, owner).id if owner else None
    if desired.get("company_id") not in (None, ""):
        wanted["company_id"] = resolve_company(ctx, str(desired["company_id"])).id
    elif "company" in desired:
        company = desired["company"]
        wanted["company_id"] = resolve_company(ctx, str(company)).id if company else None
    if desired.get("lead_id") not in (None, ""):
        wanted["lead_id"] = _int(desired["lead_id"], "lead_id")
    if "contacts" in desired:
        wanted["contacts"] = _contacts(ctx, desired["contacts"])
    if "tags" in desired:
        tags = desired["tags"] or []
        if not isinstance(tags, list):
            raise ValidationError("field 'tags' must be a list")
        wanted["tags"] = [tag_store.clean_tag(str(tag)) for tag in tags]
    if "custom" in desired:
        if not isinstance(desired["custom"], dict):
            raise ValidationError("field 'custom' must be a mapping of key: value")
        wanted["custom"] = dict(desired["custom"])
    return wanted


def parse_value(raw: Any) -> tuple[Decimal, str | None]:
    if isinstance(raw, float):
        raw = Decimal(repr(raw))  # JSON numbers arrive as float: keep the digits as written
    return parse_money(raw, "value")


def parse_date(raw: Any, field: str) -> date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    day = parse_day(str(raw)) or parse_day(str(raw).strip()[:10])
    if day is None:
        raise ValidationError(f"{field}: {raw!r} is not a date such as 2026-06-30 or 30. 6. 2026")
    return day


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def _int(value: Any, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{field}: expected a number, got {value!r}") from None


def _probability(value: Any) -> int | None:
    if value in (None, ""):
        return None
    text = str(value).strip().rstrip("%").strip()
    if isinstance(value, bool) or not text.isdigit() or not 0 <= int(text) <= 100:
        raise ValidationError(f"probability {value!r}: a whole number 0–100 ('' = the stage's)")
    return int(text)


def _category(value: Any) -> str | None:
    if value in (None, ""):
        return None
    text = str(value).strip().lower().replace(" ", "_").replace("-", "_")
    if text not in FORECAST_CATEGORIES:
        raise ValidationError(
            f"forecast_category {value!r} is not one of {', '.join(FORECAST_CATEGORIES)} "
            "('' = the stage's)"
        )
    return text


def _contacts(ctx: Context, value: Any) -> list[tuple[int, str | None]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError("field 'contacts' must be a list of {id, role}")
    result: dict[int, str | None] = {}
    for item in value:
        ref, role = (item.get("id"), item.get("role")) if isinstance(item, dict) else (item, None)
        person_id = _int(ref, "contacts")
        found = ctx.session.scalars(
            select(Person.id).where(
                Person.id == person_id,
                Person.deleted_at.is_(None),
                policy.predicate(ctx, "contact", "read"),
            )
        ).first()
        if found is None:
            raise NotFound(f"contacts: no contact #{person_id}; see `crmctl contacts list`")
        result[person_id] = _text(role)
    return list(result.items())


# --- apply ----------------------------------------------------------------------------


def apply_deals(
    ctx: Context,
    records: list[Any],
    *,
    source: str,
    dry_run: bool,
    progress: Callable[[int, int | None], None] | None = None,
) -> list[Plan]:
    """Create (no id) or update (by id) each record; all or nothing. A dry run writes
    every record as for real (so every check runs), then rolls back."""
    plans = []
    with dry_run_scope(ctx, dry_run):
        for number, record in enumerate(records, start=1):
            try:
                plans.append(_apply_one(ctx, record, dry_run=dry_run))
            except (ValidationError, NotFound, Conflict) as error:
                raise type(error)(f"{source}: record {number}: {error.message}") from None
            if progress:
                progress(number, len(records))
    return plans


def _apply_one(ctx: Context, record: Any, *, dry_run: bool) -> Plan:
    if not isinstance(record, dict):
        raise ValidationError("expected a mapping of deal fields")
    desired = {key: record[key] for key in SETTABLE if key in record}
    if "contacts" in desired and isinstance(desired["contacts"], list):
        desired["contacts"] = [
            {"id": c.get("id"), "role": c.get("role")} if isinstance(c, dict) else c
            for c in desired["contacts"]
        ]
    if record.get("id") in (None, ""):
        label = str(record.get("title") or "")
        created = add_deal(ctx, desired)
        changes = {key: [None, value] for key, value in jsonable(desired).items()}
        return Plan("create", created["id"], label, changes)
    deal = resolve_deal(ctx, str(_int(record["id"], "id")), for_update=True, action="write")
    changes = update_deal(ctx, deal, _not_undoing(ctx, deal, record, desired))
    return Plan("update" if changes else "unchanged", deal.id, deal.title, changes)


def _not_undoing(
    ctx: Context, deal: Deal, record: dict[str, Any], desired: dict[str, Any]
) -> dict[str, Any]:
    """``desired`` without what would undo a change made after ``record`` was read.

    The record is compared as ``deals list -o json`` prints it, which is how the events
    log the deal's fields.
    """
    since = stale.read_at(record)
    if since is None or deal.updated_at is None or deal.updated_at <= since:
        return desired
    current = _loggable(deal_record(ctx, deal))
    proposed = jsonable(
        {name: record[name] for name in SETTABLE if name in current and name in record}
    )
    changed = stale.changes_since(ctx, ENTITY, deal.id, since, set(current))
    decided = stale.reconcile(f"deal {deal.id}", proposed, current, changed)
    kept = {name: value for name, value in desired.items() if name not in decided.keep}
    if "company_id" in decided.keep:
        kept.pop("company", None)  # else the company's name would set it again
    if decided.custom is not None:
        kept["custom"] = decided.custom
    return kept


def deal_exists(ctx: Context, deal_id: int) -> bool:
    return ctx.session.get(Deal, deal_id) is not None


def company_name(ctx: Context, company_id: int | None) -> str | None:
    if company_id is None:
        return None
    company = ctx.session.get(Company, company_id)
    return company.name if company else None
