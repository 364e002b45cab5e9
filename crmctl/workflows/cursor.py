"""The runners' shared place in the event log: a cursor row and the gaps it skipped.

The cursor is one ``workflow_state`` row (the last event id handled). On PostgreSQL its
row is locked with ``FOR UPDATE SKIP LOCKED`` for a whole batch, so two daemons never
work on the same events; on SQLite one writer at a time does that already.

PostgreSQL hands out event ids when rows are inserted, not when they commit: a
transaction may commit id 100 after id 101 was seen and the cursor moved past it.
Ids skipped over are remembered as gaps and looked for on later passes; a gap not
filled within GAP_TTL was a rolled-back insert and is forgotten.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crmctl.db.engine import session_scope
from crmctl.db.models import Event, WorkflowState

CURSOR_KEY = "cursor:events"
GAP_PREFIX = "gap:events:"
GAP_TTL_SECONDS = 600
GAP_LIMIT = 1000  # a huge jump in ids is a sequence reset, not in-flight transactions


class EventCursor:
    """Reads events and keeps the cursor; ``persist`` False leaves the shared row alone."""

    def __init__(
        self, engine: Engine, factory: sessionmaker[Session], *, persist: bool, create: bool
    ) -> None:
        self.engine = engine
        self._factory = factory
        self.persist = persist
        self._create = create

    def events(self, condition: ColumnElement[bool], limit: int | None = None) -> list[Any]:
        statement = (
            select(Event.id, Event.kind, Event.entity_type, Event.entity_id, Event.payload)
            .where(condition)
            .order_by(Event.id)
            .limit(limit)
        )
        with self._factory() as session:
            return list(session.execute(statement).all())

    @contextmanager
    def claim(self) -> Iterator[tuple[int | None, Connection | None]]:
        """The cursor; on PostgreSQL also the lock on its row, held for the batch."""
        if self._create:
            self._ensure_row()
        if self.engine.dialect.name != "postgresql" or not self.persist:
            with self._factory() as session:
                row = session.get(WorkflowState, CURSOR_KEY)
            yield (int(row.value) if row else 0), None
            return
        with self.engine.connect() as connection:
            row = connection.execute(
                select(WorkflowState.value)
                .where(WorkflowState.key == CURSOR_KEY)
                .with_for_update(skip_locked=True)
            ).first()
            try:
                yield (int(row.value) if row else None), connection
                connection.commit()
            except BaseException:
                connection.rollback()
                raise

    def _ensure_row(self) -> None:
        with self._factory() as session:
            if session.get(WorkflowState, CURSOR_KEY) is not None:
                return
            session.add(WorkflowState(key=CURSOR_KEY, value=0))
            try:
                session.commit()
            except IntegrityError:
                session.rollback()  # another runner made it first

    def save(self, claim: Connection | None, position: int) -> None:
        statement = (
            update(WorkflowState)
            .where(WorkflowState.key == CURSOR_KEY, WorkflowState.value < position)
            .values(value=position)
        )
        if claim is not None:
            claim.execute(statement)
            claim.commit()
            claim.execute(
                select(WorkflowState.value)
                .where(WorkflowState.key == CURSOR_KEY)
                .with_for_update(skip_locked=True)
            )  # keep holding the batch for the rest of this pass
            return
        with session_scope(self.engine) as session:
            session.execute(statement)

    def remember_gaps(self, position: int, handled: list[int]) -> None:
        expected = set(range(position + 1, handled[-1] + 1))
        missing = sorted(expected - set(handled))[:GAP_LIMIT]
        if not missing:
            return
        stamp = int(time.time())
        try:
            with session_scope(self.engine) as session:
                for gap in missing:
                    session.merge(WorkflowState(key=f"{GAP_PREFIX}{gap}", value=stamp))
        except IntegrityError:
            pass  # another runner recorded the same gaps

    def gaps(self) -> dict[int, int]:
        """The event ids skipped over, each with when it was noticed (epoch seconds)."""
        with self._factory() as session:
            return {
                int(key.removeprefix(GAP_PREFIX)): int(value)
                for key, value in session.execute(
                    select(WorkflowState.key, WorkflowState.value).where(
                        WorkflowState.key.startswith(GAP_PREFIX)
                    )
                )
            }

    def forget_gaps(self, found: set[int], gaps: dict[int, int]) -> None:
        """Drop the gaps whose events turned up and the ones older than GAP_TTL."""
        expired = {gap for gap, stamp in gaps.items() if time.time() - stamp > GAP_TTL_SECONDS}
        done = found | expired
        with session_scope(self.engine) as session:
            session.execute(
                delete(WorkflowState).where(
                    WorkflowState.key.in_([f"{GAP_PREFIX}{gap}" for gap in done])
                )
            )
