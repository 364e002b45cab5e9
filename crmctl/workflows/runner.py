"""The runner: consume the event log by cursor, scan time rules in SQL, fire exactly once.

Events are read in batches: each rule's condition is checked for the whole batch in one
query, and up to ``FIRING_BATCH`` firings share one optimistic transaction, each with
its ``workflow_firings`` row (unique per rule, record and trigger event or window) and
its actions' writes through the services. If any firing of such a batch fails, the
batch is rolled back and redone one firing per transaction: the row is inserted first,
then the actions run. A second runner trying the same firing hits the unique key and
rolls back; on PostgreSQL the event batch is also claimed by locking the cursor row with
``FOR UPDATE SKIP LOCKED``, so two daemons do not even try the same events. A failing
firing rolls back and is recorded as ``failed`` (retried with backoff, then ``dead``);
a rule chain deeper than ``MAX_DEPTH`` is cut and recorded as ``cut``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Engine, exists, literal, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from crmctl import clock
from crmctl.db.engine import make_engine, require_current_schema, session_scope
from crmctl.db.models import Event, User, WorkflowFiring
from crmctl.errors import CrmError
from crmctl.notify.outbox import backoff, deliver_due
from crmctl.query.parsed import ParsedFilter
from crmctl.services.context import Context
from crmctl.services.notifications import USER_CACHE
from crmctl.workflows.actions.base import Target
from crmctl.workflows.cursor import EventCursor
from crmctl.workflows.entities import EntityKind
from crmctl.workflows.firings import Firing, Pending, RunResult, recorded, trigger_of
from crmctl.workflows.rule_actor import (
    RULE_ACTOR,
    ensure_rule_actor,
    session_rule_actor,
)
from crmctl.workflows.schema import Rule, RuleSet

MAX_DEPTH = 5
MAX_ATTEMPTS = 5
EVENT_BATCH = 500
FIRING_BATCH = 100  # firings tried in one optimistic transaction
# What a failing action may raise: recorded and retried, never a crashed run. Anything
# else is a bug or a lost database and stops the run (the cursor stays before it).
ACTION_ERRORS = (CrmError, ValueError, LookupError, OSError, IntegrityError)


class Runner:
    def __init__(
        self,
        settings: Any,
        rules: RuleSet,
        *,
        dry_run: bool = False,
        only_rule: str | None = None,
        log: Callable[[Firing], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        engine: Engine | None = None,
    ) -> None:
        self.settings = settings
        self.rules = rules
        self.dry_run = dry_run
        self.only_rule = only_rule
        if only_rule is not None:
            rules.get(only_rule)  # a clear error for an unknown id
        self.log = log or (lambda firing: None)
        self.should_stop = should_stop or (lambda: False)
        if engine is None:
            engine = make_engine(settings.database_url)
            # Before anything connects: SQLite would create a missing file on connect.
            require_current_schema(engine, settings.database_url)
        self.engine = engine
        self.tz = settings.timezone
        self.now = clock.now()
        self._factory = sessionmaker(self.engine, expire_on_commit=False)
        self._actor_id: int | None = None
        self._conditions: dict[str, ColumnElement[bool]] = {}
        # A dry run or a one-rule run must not move the shared cursor past other rules.
        self._cursor = EventCursor(
            self.engine,
            self._factory,
            persist=not dry_run and only_rule is None,
            create=not dry_run,
        )

    # --- the whole pass ---------------------------------------------------------------

    def run_once(self, result: RunResult | None = None) -> RunResult:
        """Pending events, due time windows, due retries and the outbox, once.

        A ``result`` given is added to: a pass tried again after a failed one (see
        ``crmctl.workflows.service.run_once``) reports the firings of both.
        """
        self.now = clock.now()
        self._conditions.clear()
        result = result if result is not None else RunResult()
        result.events_seen += self.process_events(result.firings)
        self.process_time_rules(result.firings)
        self.retry_failed(result.firings)
        if not self.dry_run:
            result.deliveries = deliver_due(self.engine, self.settings, self.now)
        return result

    def active_rules(self) -> list[Rule]:
        return [
            rule
            for rule in self.rules.rules
            if rule.enabled and (self.only_rule is None or rule.id == self.only_rule)
        ]

    # --- events -----------------------------------------------------------------------

    def process_events(self, firings: list[Firing]) -> int:
        rules = [rule for rule in self.active_rules() if not rule.is_time]
        cursor = self._cursor
        seen = 0
        with cursor.claim() as (start, claim):
            if start is None:
                return 0  # another runner holds the event batch (PostgreSQL)
            if cursor.persist:
                seen += self._fill_gaps(rules, firings)
            position = start
            while not self.should_stop():
                events = cursor.events(Event.id > position, limit=EVENT_BATCH)
                if not events:
                    break
                handled = self._handle_events(events, rules, firings)
                seen += len(handled)
                if cursor.persist and handled:
                    cursor.remember_gaps(position, handled)
                    position = handled[-1]
                    cursor.save(claim, position)
                elif handled:
                    position = handled[-1]
        return seen

    def _fill_gaps(self, rules: list[Rule], firings: list[Firing]) -> int:
        gaps = self._cursor.gaps()
        if not gaps:
            return 0
        events = self._cursor.events(Event.id.in_(sorted(gaps)))
        for start in range(0, len(events), EVENT_BATCH):
            self._handle_events(events[start : start + EVENT_BATCH], rules, firings, stop=False)
        self._cursor.forget_gaps({event.id for event in events}, gaps)
        return len(events)

    def _handle_events(
        self, events: list[Any], rules: list[Rule], firings: list[Firing], *, stop: bool = True
    ) -> list[int]:
        """Fire the rules for a batch of events; the ids of the events fully handled.

        Conditions are checked set-based, one query per rule and batch; the firings go
        in optimistic transactions of up to ``FIRING_BATCH`` (see ``_fire_batch``). The
        returned ids are a prefix of the batch: a stop request ends it between
        transactions, so the cursor never moves past an event whose firings are undone.
        """
        candidates: list[tuple[Any, Rule]] = [
            (event, rule)
            for event in events
            for rule in rules
            if rule.trigger.matches(event.kind, event.entity_type, event.payload or {})
        ]
        matching = self._matching_ids(candidates)
        changed: set[tuple[str, int]] = set()
        handled: list[int] = []
        group: list[int] = []
        pending: list[Pending] = []
        by_event: dict[int, list[Pending]] = {}
        for event, rule in candidates:
            if event.entity_id in matching[rule.id]:
                by_event.setdefault(event.id, []).append(self._pending(event, rule))
        for event in events:
            if stop and self.should_stop():
                break
            pending.extend(by_event.get(event.id, []))
            group.append(event.id)
            if len(pending) >= FIRING_BATCH:
                self._fire_batch(pending, firings, changed)
                handled.extend(group)
                pending, group = [], []
        if group:
            self._fire_batch(pending, firings, changed)
            handled.extend(group)
        return handled

    def _pending(self, event: Any, rule: Rule) -> Pending:
        payload = event.payload or {}
        chain = payload.get("workflow") or {}
        depth = int(chain.get("depth", -1)) + 1 if chain else 0
        target = Target(
            rule.entity,
            event.entity_id,
            rule.id,
            rule.name,
            self.rules.rules_dir,
            event={"id": event.id, "kind": event.kind, "payload": payload},
        )
        return Pending(rule, target, f"event:{event.id}", event.id, depth)

    def _matching_ids(self, candidates: list[tuple[Any, Rule]]) -> dict[str, set[int]]:
        """Per rule, which of its candidate records exist and meet ``when``: one query each."""
        wanted: dict[str, tuple[Rule, set[int]]] = {}
        for event, rule in candidates:
            wanted.setdefault(rule.id, (rule, set()))[1].add(event.entity_id)
        found: dict[str, set[int]] = {rule.id: set() for rule in self.rules.rules}
        with self._factory() as session:
            for rule_id, (rule, ids) in wanted.items():
                statement = self._match_statement(rule, ids)
                found[rule_id] = set(session.scalars(statement))
        return found

    def _match_statement(self, rule: Rule, ids: set[int]) -> Any:
        model = rule.entity.model
        statement = select(model.id).where(model.id.in_(sorted(ids)))
        if hasattr(model, "deleted_at"):
            statement = statement.where(model.deleted_at.is_(None))
        if rule.when:
            statement = statement.where(self._condition(rule))
        return statement

    def _fire_batch(
        self, pending: list[Pending], firings: list[Firing], changed: set[tuple[str, int]]
    ) -> None:
        """Several firings in one transaction; on any failure, one transaction each.

        The optimistic transaction holds every firing's ``workflow_firings`` row and its
        actions' writes. A unique-key conflict (another runner fired one of them), a
        failing action or a loop to cut rolls the whole batch back, and it is redone
        through ``fire`` one firing per transaction, so exactly-once, failure records,
        retries and dead letters are those of a single firing.

        A record changed by an earlier firing of the same event batch (any action but
        ``notify``) has its condition checked again just before it fires, as a firing
        one per transaction would see it.
        """
        pending = self._not_fired(pending)
        if not pending:
            return
        if self.dry_run or len(pending) == 1 or any(p.depth > MAX_DEPTH for p in pending):
            self._fire_singly(pending, firings, changed)
            return
        self.actor_id()  # made before the batch takes the write lock (SQLite)
        done: list[Firing] = []
        touched: set[tuple[str, int]] = set()
        session = self._factory()
        session.info[USER_CACHE] = {}
        try:
            records = self._preload(session, pending, changed)
            for p in pending:
                entity = (p.target.kind.name, p.target.id)
                if entity in changed or entity in touched:
                    if not self._still_matches(session, p):
                        continue
                elif entity in records:
                    p.target.preloaded = dict(records[entity])
                firing = Firing(p.rule.id, p.target.kind.name, p.target.id, trigger_of(p), "fired")
                ctx = self._context(session, p.rule.id, p.depth)
                firing.actions = [
                    spec.module.run(ctx, p.target, spec.options) for spec in p.rule.actions
                ]
                row = self._firing_row(p)
                row.summary = list(firing.actions)
                session.add(row)
                if any(spec.module.ID != "notify" for spec in p.rule.actions):
                    touched.add(entity)
                done.append(firing)
            session.flush()
            session.commit()
        except (*ACTION_ERRORS, OperationalError):
            session.rollback()
            session.close()
            for p in pending:
                p.target.preloaded = None  # read before the batch: stale for the redo
            self._fire_singly(pending, firings, changed)
            return
        finally:
            session.close()
        changed |= touched
        for firing in done:
            self.log(firing)
        firings.extend(done)

    def _not_fired(self, pending: list[Pending]) -> list[Pending]:
        """Drop the firings already recorded (by another runner): one query per batch.

        Only a shortcut for the loser of a race, which would otherwise roll a whole
        batch back and redo it one firing at a time; the unique key still decides.
        """
        if not pending:
            return pending
        with self._factory() as session:
            fired = recorded(session, pending)
        return [
            p
            for p in pending
            if (p.rule.id, p.target.kind.name, p.target.id, p.key[:120]) not in fired
        ]

    def _preload(
        self, session: Session, pending: list[Pending], changed: set[tuple[str, int]]
    ) -> dict[tuple[str, int], dict[str, Any]]:
        """The records the batch's templates need: one query per kind (and related table)."""
        wanted: dict[str, tuple[EntityKind, set[int]]] = {}
        for p in pending:
            if (p.target.kind.name, p.target.id) not in changed:
                wanted.setdefault(p.target.kind.name, (p.target.kind, set()))[1].add(p.target.id)
        ctx = self._context(session, pending[0].rule.id, pending[0].depth)
        return {
            (name, entity_id): record
            for name, (kind, ids) in wanted.items()
            for entity_id, record in kind.load(ctx, sorted(ids)).items()
        }

    def _fire_singly(
        self, pending: list[Pending], firings: list[Firing], changed: set[tuple[str, int]]
    ) -> None:
        for p in pending:
            entity = (p.target.kind.name, p.target.id)
            if entity in changed and not self._matches(p.rule, p.target.id):
                continue
            firing = self.fire(p.rule, p.target, p.key, p.event_id, p.depth)
            if firing is not None:
                firings.append(firing)
                if firing.status == "fired" and any(
                    spec.module.ID != "notify" for spec in p.rule.actions
                ):
                    changed.add(entity)

    def _still_matches(self, session: Session, p: Pending) -> bool:
        statement = self._match_statement(p.rule, {p.target.id})
        return session.execute(statement).first() is not None

    def _matches(self, rule: Rule, entity_id: int) -> bool:
        with self._factory() as session:
            return session.execute(self._match_statement(rule, {entity_id})).first() is not None

    def _condition(self, rule: Rule) -> ColumnElement[bool]:
        if rule.id not in self._conditions:
            registry = rule.entity.registry()  # type: ignore[misc]
            parsed = ParsedFilter.of(rule.when or "")
            self._conditions[rule.id] = parsed.condition(registry, now=self.now, tz=self.tz)
        return self._conditions[rule.id]

    # --- time rules -------------------------------------------------------------------

    def process_time_rules(self, firings: list[Firing], rule_ids: set[str] | None = None) -> None:
        for rule in self.active_rules():
            if not rule.is_time or (rule_ids is not None and rule.id not in rule_ids):
                continue
            due = self.due_records(rule)
            for start in range(0, len(due), FIRING_BATCH):
                if self.should_stop():
                    return
                pending = [
                    Pending(
                        rule,
                        Target(
                            rule.entity,
                            entity_id,
                            rule.id,
                            rule.name,
                            self.rules.rules_dir,
                            window=key,
                        ),
                        key,
                        None,
                        0,
                    )
                    for entity_id, key in due[start : start + FIRING_BATCH]
                ]
                self._fire_batch(pending, firings, set())

    def due_records(self, rule: Rule, *, include_fired: bool = False) -> list[tuple[int, str]]:
        """(id, key) of the records due in the current window: one set-based query."""
        model = rule.entity.model
        window, _start = rule.trigger.window(self.now, self.tz)
        key = rule.trigger.key_column(window)
        key_expr = literal(key) if isinstance(key, str) else key
        statement = select(model.id, key_expr.label("key"))
        if hasattr(model, "deleted_at"):
            statement = statement.where(model.deleted_at.is_(None))
        statement = rule.trigger.due(statement, self.now, self.tz)
        if rule.when:
            statement = statement.where(self._condition(rule))
        if not include_fired:
            statement = statement.where(
                ~exists().where(
                    WorkflowFiring.rule_id == rule.id,
                    WorkflowFiring.entity_type == rule.entity.name,
                    WorkflowFiring.entity_id == model.id,
                    WorkflowFiring.trigger_key == key_expr,
                )
            )
        with self._factory() as session:
            return [(row[0], str(row[1])) for row in session.execute(statement.order_by(model.id))]

    # --- one firing -------------------------------------------------------------------

    def fire(
        self, rule: Rule, target: Target, key: str, event_id: int | None, depth: int
    ) -> Firing | None:
        """Run the rule's actions for one record once; ``None`` if it had fired already."""
        pending = Pending(rule, target, key, event_id, depth)
        firing = Firing(rule.id, target.kind.name, target.id, trigger_of(pending), "fired")
        row = self._firing_row(pending)
        if depth > MAX_DEPTH:
            row.status, row.error = "cut", f"rule chain deeper than {MAX_DEPTH}: loop cut"
            firing.status, firing.error = "cut", row.error
            return self._insert_only(row, firing)
        self.actor_id()  # made before the firing takes the write lock (SQLite)
        session = self._factory()
        try:
            session.add(row)
            try:
                session.flush()  # first: a second runner blocks or fails right here
            except IntegrityError:
                session.rollback()
                return None
            ctx = self._context(session, rule.id, depth)
            try:
                firing.actions = [
                    spec.module.run(ctx, target, spec.options) for spec in rule.actions
                ]
                row.summary = list(firing.actions)
                session.flush()
            except ACTION_ERRORS as error:
                session.rollback()
                return self._failed(row, firing, error)
            if self.dry_run:
                session.rollback()
                firing.status = "would fire"
            else:
                try:
                    session.commit()
                except IntegrityError:
                    session.rollback()
                    return None
        finally:
            session.close()
        self.log(firing)
        return firing

    def _firing_row(self, p: Pending) -> WorkflowFiring:
        return WorkflowFiring(
            rule_id=p.rule.id,
            entity_type=p.target.kind.name,
            entity_id=p.target.id,
            trigger_key=p.key[:120],
            event_id=p.event_id,
            depth=p.depth,
            status="done",
            attempts=1,
            fired_at=self.now,
            summary=[],
        )

    def _context(self, session: Session, rule_id: str, depth: int) -> Context:
        return Context(
            session=session,
            actor=session_rule_actor(session, self.actor_id()),
            now=self.now,
            tz=self.tz,
            settings=self.settings,
            rule=rule_id,
            depth=depth,
        )

    def _failed(self, row: WorkflowFiring, firing: Firing, error: Exception) -> Firing | None:
        message = getattr(error, "message", None) or str(error)
        row.status, row.error, row.summary = "failed", message, []
        row.next_attempt_at = self.now + backoff(row.attempts)
        firing.status, firing.error, firing.actions = "failed", message, []
        if self.dry_run:
            self.log(firing)
            return firing
        return self._insert_only(row, firing)

    def _insert_only(self, row: WorkflowFiring, firing: Firing) -> Firing | None:
        fresh = WorkflowFiring(
            **{c.key: getattr(row, c.key) for c in WorkflowFiring.__table__.c if c.key != "id"}
        )
        if self.dry_run:
            self.log(firing)
            return firing
        try:
            with session_scope(self.engine) as session:
                session.add(fresh)
        except IntegrityError:
            return None
        self.log(firing)
        return firing

    # --- retries ----------------------------------------------------------------------

    def retry_failed(self, firings: list[Firing]) -> None:
        rule_ids = {rule.id: rule for rule in self.active_rules()}
        with self._factory() as session:
            due = session.execute(
                select(WorkflowFiring.id, WorkflowFiring.rule_id)
                .where(
                    WorkflowFiring.status == "failed", WorkflowFiring.next_attempt_at <= self.now
                )
                .order_by(WorkflowFiring.id)
            ).all()
        for firing_id, rule_id in due:
            if rule_id in rule_ids and not self.should_stop():
                result = self._retry(rule_ids[rule_id], firing_id)
                if result is not None:
                    firings.append(result)

    def _retry(self, rule: Rule, firing_id: int) -> Firing | None:
        self.actor_id()
        session = self._factory()
        try:
            claimed = session.execute(
                update(WorkflowFiring)
                .where(WorkflowFiring.id == firing_id, WorkflowFiring.status == "failed")
                .values(
                    status="done",
                    attempts=WorkflowFiring.attempts + 1,
                    error=None,
                    next_attempt_at=None,
                )
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                session.rollback()
                return None
            row = session.get(WorkflowFiring, firing_id)
            assert row is not None
            target = self._retry_target(session, rule, row)
            firing = Firing(
                rule.id,
                row.entity_type,
                row.entity_id,
                f"retry {row.attempts} of {row.trigger_key}",
                "retried",
            )
            ctx = self._context(session, rule.id, row.depth)
            try:
                firing.actions = [s.module.run(ctx, target, s.options) for s in rule.actions]
                row.summary = list(firing.actions)
                session.flush()
            except ACTION_ERRORS as error:
                session.rollback()
                return self._retry_failed(firing_id, firing, error)
            if self.dry_run:
                session.rollback()
            else:
                session.commit()
        finally:
            session.close()
        self.log(firing)
        return firing

    def _retry_target(self, session: Session, rule: Rule, row: WorkflowFiring) -> Target:
        event = session.get(Event, row.event_id) if row.event_id else None
        shown = {"id": event.id, "kind": event.kind, "payload": event.payload} if event else None
        return Target(
            rule.entity,
            row.entity_id,
            rule.id,
            rule.name,
            self.rules.rules_dir,
            event=shown,
            window=None if event else row.trigger_key,
        )

    def _retry_failed(self, firing_id: int, firing: Firing, error: Exception) -> Firing:
        message = getattr(error, "message", None) or str(error)
        firing.error = message
        if self.dry_run:
            firing.status = "failed"
            return firing
        with session_scope(self.engine) as session:
            row = session.get(WorkflowFiring, firing_id)
            assert row is not None
            row.attempts += 1
            row.error = message
            if row.attempts >= MAX_ATTEMPTS:
                row.status, row.next_attempt_at = "dead", None
            else:
                row.status, row.next_attempt_at = "failed", self.now + backoff(row.attempts)
            firing.status = row.status
        self.log(firing)
        return firing

    # --- the rule's user ----------------------------------------------------------------

    def actor_id(self) -> int | None:
        """The inactive system user ``workflows`` that rules act as (made on first use)."""
        if self._actor_id is None:
            if self.dry_run:
                with self._factory() as session:
                    return session.scalars(select(User.id).where(User.login == RULE_ACTOR)).first()
            self._actor_id = ensure_rule_actor(self.engine, self.settings, self.now, self.tz)
        return self._actor_id
