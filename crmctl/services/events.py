"""The single helper through which every write appends its events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import insert

from crmctl.db import tables
from crmctl.db.models import Event
from crmctl.services.context import Context
from crmctl.values import jsonable


def record_event(
    ctx: Context,
    entity_type: str,
    entity_id: int,
    kind: str,
    payload: Mapping[str, Any] | None = None,
) -> Event:
    """Append one event in the caller's transaction (never committed here)."""
    data = dict(payload or {})
    if ctx.rule is not None:
        # "done by the rule" on the timeline, and the depth that cuts rule loops.
        data["workflow"] = {"rule": ctx.rule, "depth": ctx.depth}
    event = Event(
        at=ctx.now,
        actor_id=ctx.actor_id,
        entity_type=entity_type,
        entity_id=entity_id,
        kind=kind,
        payload=jsonable(data),
    )
    ctx.session.add(event)
    return event


def field_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for every field whose value differs."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def record_events(
    ctx: Context, events: Sequence[tuple[str, int, str, Mapping[str, Any] | None]]
) -> None:
    """Append many events (entity type, id, kind, payload) in one multi-row INSERT, in
    order, in the caller's transaction: what :func:`record_event` does for each."""
    if not events:
        return
    ctx.session.flush()  # events added one by one earlier keep their place in the log
    rows = []
    for entity_type, entity_id, kind, payload in events:
        data = dict(payload or {})
        if ctx.rule is not None:
            data["workflow"] = {"rule": ctx.rule, "depth": ctx.depth}
        rows.append(
            {
                "at": ctx.now,
                "actor_id": ctx.actor_id,
                "entity_type": entity_type,
                "entity_id": entity_id,
                "kind": kind,
                "payload": jsonable(data),
            }
        )
    ctx.session.execute(insert(tables.events), rows)
