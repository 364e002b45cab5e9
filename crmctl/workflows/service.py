"""Workflow commands' services: validate, list, run, failures, why, simulate, daemon.

The runner manages its own transactions (one per firing), so these functions take the
settings; the read-only ones take a ``Context`` like every other service.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select, true
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from crmctl.db.engine import make_engine, require_current_schema
from crmctl.db.models import DaemonHeartbeat, Delivery, Event, WorkflowFiring
from crmctl.errors import Conflict, CrmError, DatabaseError, NotFound, UsageError
from crmctl.query import ast, to_text
from crmctl.query.compiler import compile_node
from crmctl.query.parsed import ParsedFilter
from crmctl.query.parser import parse
from crmctl.services.access import about, policy
from crmctl.services.context import Context, dry_run_scope
from crmctl.services.events import record_event
from crmctl.services.users import require_admin
from crmctl.workflows.daemon import Daemon
from crmctl.workflows.entities import entity_kind
from crmctl.workflows.firings import Firing, RunResult
from crmctl.workflows.options import Problem
from crmctl.workflows.references import Known, check_references
from crmctl.workflows.runner import Runner
from crmctl.workflows.schema import Rule, RuleSet, check_file, default_rules_path, load_rules

ALIVE_WITHIN = timedelta(seconds=60)
LOCKED_PASS_ATTEMPTS = 3


def rules_path(settings: Any, option: str | None) -> Path:
    return default_rules_path(settings, option)


def validate(settings: Any, path: Path) -> tuple[list[Problem], int, str | None]:
    """Every problem of the file (empty when valid), how many rules it holds, and a note
    when the logins, teams and roles it names could not be checked (no database)."""
    rule_set, problems, _ = check_file(path, settings)
    if rule_set is None:
        return problems.items, 0, None
    known, note = _known_people(settings)
    if known is not None:
        check_references(rule_set, known, problems)
    return problems.items, len(rule_set.rules), note


def _known_people(settings: Any) -> tuple[Any, str | None]:
    """Who the database knows, or (None, why not) when no database is reachable."""
    try:
        engine = make_engine(settings.database_url)
    except CrmError as error:
        return None, f"logins, teams and roles not checked: {error}"
    try:
        require_current_schema(engine, settings.database_url)
        with engine.connect() as connection:
            return Known.load(connection), None
    except (CrmError, SQLAlchemyError) as error:
        reason = str(error).splitlines()[0]
        return None, f"logins, teams and roles not checked ({reason})"
    finally:
        engine.dispose()


def list_rules(settings: Any, path: Path) -> list[dict[str, Any]]:
    return [_rule_record(rule) for rule in load_rules(path, settings).rules]


def _rule_record(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "enabled": rule.enabled,
        "entity": rule.entity.plural,
        "trigger": rule.trigger.describe(),
        "when": rule.when,
        "actions": ", ".join(spec.id for spec in rule.actions),
    }


def run_once(
    settings: Any,
    path: Path,
    *,
    dry_run: bool = False,
    rule: str | None = None,
    log: Callable[[Firing], None] | None = None,
) -> RunResult:
    """One pass, for cron.

    On SQLite a write waits up to the busy timeout for the lock; running daemons that
    fire in batches can hold it that long. Such a pass is tried again, as the daemon
    does with its own passes: every firing is recorded once (its unique key), so the
    next pass does only what the failed one did not.
    """
    runner = Runner(settings, load_rules(path, settings), dry_run=dry_run, only_rule=rule, log=log)
    result = RunResult()
    attempt = 1
    try:
        while True:
            try:
                return runner.run_once(result)
            except OperationalError as error:
                if not _is_sqlite_lock(error):
                    raise
                if attempt == LOCKED_PASS_ATTEMPTS:
                    raise DatabaseError(
                        f"the database stayed locked by other writers ({attempt} passes, each "
                        "waiting for the lock); the firings done are kept: run "
                        "`crmctl workflows run --once` again"
                    ) from None
            _pause_before_retry(attempt)
            attempt += 1
    finally:
        runner.engine.dispose()


def _is_sqlite_lock(error: OperationalError) -> bool:
    return "database is locked" in str(error.orig)


def _pause_before_retry(attempt: int) -> None:
    time.sleep(attempt)


def run_daemon(settings: Any, path: Path, *, poll: float, log: Callable[[str], None]) -> int:
    require_current_schema(make_engine(settings.database_url), settings.database_url)
    daemon = Daemon(settings, load_rules(path, settings), poll=poll, log=log)
    try:
        return daemon.run()
    finally:
        daemon.engine.dispose()


def failures(ctx: Context, *, include_retrying: bool = True) -> list[dict[str, Any]]:
    """Failed, dead-lettered and loop-cut firings, and undelivered outbox rows."""
    statuses = ("failed", "dead", "cut") if include_retrying else ("dead", "cut")
    given_up = ("dead", "uncertain")  # deliveries nobody retries by themselves
    rows: list[dict[str, Any]] = []
    for firing in ctx.session.scalars(
        select(WorkflowFiring)
        .where(WorkflowFiring.status.in_(statuses))
        # Need-to-know: only firings about records the user may read (all, for admins).
        .where(about.about_predicate(ctx, WorkflowFiring.entity_type, WorkflowFiring.entity_id))
        .order_by(WorkflowFiring.id)
    ):
        rows.append(
            {
                "kind": "firing",
                "id": firing.id,
                "rule": firing.rule_id,
                "about": f"{firing.entity_type} #{firing.entity_id}",
                "status": firing.status,
                "attempts": firing.attempts,
                "next_attempt_at": firing.next_attempt_at,
                "error": firing.error,
            }
        )
    for delivery in ctx.session.scalars(
        select(Delivery)
        .where(
            or_(Delivery.status.in_(given_up), Delivery.last_error.is_not(None)),
            Delivery.status != "sent",
            true() if include_retrying else Delivery.status.in_(given_up),
            about.about_predicate(ctx, Delivery.entity_type, Delivery.entity_id),
        )
        .order_by(Delivery.id)
    ):
        rows.append(
            {
                "kind": delivery.channel,
                "id": delivery.id,
                "rule": delivery.rule_id,
                "about": delivery.target,
                "status": delivery.status,
                "attempts": delivery.attempts,
                "next_attempt_at": (
                    None if delivery.status in given_up else delivery.next_attempt_at
                ),
                "error": delivery.last_error,
            }
        )
    return rows


RESENDABLE = ("uncertain", "dead")


def resend(ctx: Context, delivery_id: int) -> dict[str, Any]:
    """Queue an uncertain or dead-lettered delivery again, with the same Message-ID.

    Only an admin decides this: after ``uncertain`` the receiver may already have the
    message, so a resend is a human's call, never the sender's.
    """
    require_admin(ctx, "resend deliveries")
    row = ctx.session.scalars(
        select(Delivery).where(Delivery.id == delivery_id).with_for_update()
    ).first()
    if row is None:
        raise NotFound(f"no delivery with id {delivery_id}; see `crmctl workflows failures`")
    if row.status not in RESENDABLE:
        raise Conflict(
            f"delivery {delivery_id} is {row.status}; only uncertain or dead deliveries are "
            "resent (pending ones are retried by themselves)"
        )
    previous = row.status
    row.status, row.next_attempt_at, row.last_error = "pending", ctx.now, None
    row.claim_token = row.lease_until = None
    if row.entity_type and row.entity_id:
        record_event(
            ctx,
            row.entity_type,
            row.entity_id,
            "delivery.resend",
            {"delivery": row.id, "channel": row.channel, "was": previous},
        )
    return {"id": row.id, "channel": row.channel, "target": row.target, "status": row.status}


def why(ctx: Context, rules: RuleSet, entity: str, entity_id: int) -> list[dict[str, Any]]:
    """For one record: every firing, and for each rule about its kind whether it matches."""
    kind = entity_kind(entity)
    if kind is None:
        raise UsageError(
            f"unknown record kind {entity!r}; expected lead, deal, company, contact, task"
        )
    try:
        kind.record(ctx, entity_id)
    except NotFound as missing:
        raise policy.missing(ctx, kind.name, entity_id, missing) from None
    # What fired on a record tells about it: only for who may read the record.
    policy.require(ctx, kind.name, entity_id, "read")
    rows: list[dict[str, Any]] = []
    for firing in ctx.session.scalars(
        select(WorkflowFiring)
        .where(WorkflowFiring.entity_type == kind.name, WorkflowFiring.entity_id == entity_id)
        .order_by(WorkflowFiring.id)
    ):
        rows.append(
            {
                "rule": firing.rule_id,
                "at": firing.fired_at,
                "status": firing.status,
                "trigger": f"event {firing.event_id}" if firing.event_id else firing.trigger_key,
                "why": "; ".join(firing.summary or []) or firing.error or "",
            }
        )
    for rule in rules.rules:
        if rule.entity.name == kind.name:
            rows.append(
                {
                    "rule": rule.id,
                    "at": None,
                    "status": "condition now",
                    "trigger": rule.trigger.describe(),
                    "why": explain_condition(ctx, rule, entity_id),
                }
            )
    return rows


def explain_condition(ctx: Context, rule: Rule, entity_id: int) -> str:
    """``matches`` or the first part of the ``when:`` condition the record fails."""
    model = rule.entity.model
    if not rule.when:
        return "matches (no condition)"
    registry = rule.entity.registry()  # type: ignore[misc]
    # Parsed once; each part compiled from its subtree (not printed and parsed again).
    for part in _conjuncts(parse(rule.when)):
        condition = compile_node(part, rule.when, registry, now=ctx.now, tz=ctx.tz)
        hit = ctx.session.execute(select(model.id).where(model.id == entity_id, condition)).first()
        if hit is None:
            return f"does not match: {to_text(part)}"
    return f"matches: {rule.when}"


def _conjuncts(node: ast.Node) -> list[ast.Node]:
    if isinstance(node, ast.And):
        return [*_conjuncts(node.left), *_conjuncts(node.right)]
    return [node]


def simulate(ctx: Context, rules: RuleSet, since: str) -> list[dict[str, Any]]:
    """What the rules would fire over the recorded events since then, and for time rules
    now; conditions are checked against the records as they are now. Changes nothing:
    whatever a rule's check touches is rolled back."""
    with dry_run_scope(ctx, True):
        return _simulate(ctx, rules, since)


def _simulate(ctx: Context, rules: RuleSet, since: str) -> list[dict[str, Any]]:
    start = ctx.now - _period(since)
    rows: list[dict[str, Any]] = []
    event_rules = [rule for rule in rules.rules if rule.enabled and not rule.is_time]
    conditions = {
        rule.id: ParsedFilter.of(rule.when).condition(
            rule.entity.registry(),  # type: ignore[misc]
            now=ctx.now,
            tz=ctx.tz,
        )
        for rule in rules.rules
        if rule.when
    }
    events = ctx.session.execute(
        select(Event.id, Event.at, Event.kind, Event.entity_type, Event.entity_id, Event.payload)
        .where(Event.at >= start, about.event_predicate(ctx))
        .order_by(Event.id)
    ).all()
    for event in events:
        for rule in event_rules:
            if not rule.trigger.matches(event.kind, event.entity_type, event.payload or {}):
                continue
            model = rule.entity.model
            statement = select(model.id).where(model.id == event.entity_id)
            if rule.id in conditions:
                statement = statement.where(conditions[rule.id])
            if ctx.session.execute(statement).first() is not None:
                rows.append(
                    {
                        "at": event.at,
                        "rule": rule.id,
                        "about": f"{event.entity_type} #{event.entity_id}",
                        "trigger": f"event {event.id} {event.kind}",
                        "actions": ", ".join(s.id for s in rule.actions),
                    }
                )
    runner = Runner(ctx.settings, rules, dry_run=True, engine=ctx.session.get_bind())  # type: ignore[arg-type]
    runner.now = ctx.now
    for rule in rules.rules:
        if rule.enabled and rule.is_time:
            for entity_id, key in runner.due_records(rule, include_fired=True):
                rows.append(
                    {
                        "at": ctx.now,
                        "rule": rule.id,
                        "about": f"{rule.entity.name} #{entity_id}",
                        "trigger": f"window {key}",
                        "actions": ", ".join(s.id for s in rule.actions),
                    }
                )
    return rows


def _period(text: str) -> timedelta:
    match = re.fullmatch(r"\s*(\d+)\s*(d|h|w)\s*", text)
    if match is None:
        raise UsageError(f"--since {text!r}: expected e.g. 30d, 12h or 2w")
    unit = {"d": "days", "h": "hours", "w": "weeks"}[match[2]]
    return timedelta(**{unit: int(match[1])})


def daemon_status(ctx: Context) -> list[dict[str, Any]]:
    rows = ctx.session.scalars(
        select(DaemonHeartbeat).order_by(DaemonHeartbeat.id.desc()).limit(10)
    )
    result = []
    for row in rows:
        alive = row.stopped_at is None and ctx.now - row.beat_at <= ALIVE_WITHIN
        state = "alive" if alive else ("stopped" if row.stopped_at else "silent")
        result.append(
            {
                "id": row.id,
                "host": row.host,
                "pid": row.pid,
                "state": state,
                "started_at": row.started_at,
                "beat_at": row.beat_at,
                "stopped_at": row.stopped_at,
                "firings": row.firings,
            }
        )
    return result
