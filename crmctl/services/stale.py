"""``apply`` of a record read before someone else's change never undoes that change.

A record printed by ``list``/``show`` carries its ``updated_at``. When it comes back to
``apply`` and the stored record has changed since, the event log says which fields changed
and what each was when the record was read. Per field the record would change:

* not changed since it was read: written, as without the check;
* changed since, and the record still holds the value as read: the user did not touch it,
  so the newer value stays (the record is merely old there);
* changed since, and the record holds a third value: two people changed the same field,
  and ``apply`` refuses (exit 4), naming the record and the field.

Custom fields are compared key by key, so two people setting different keys both win.
Records without ``updated_at`` apply as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from crmctl.db.models import Event
from crmctl.errors import Conflict, ValidationError
from crmctl.services.context import Context


class _Unknown:
    """A field's value when read, where the event log does not say it."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN: Any = _Unknown()
_ABSENT: Any = object()  # a custom key the mapping does not hold


@dataclass
class ChangesSince:
    """The fields changed after a record was read: their value then, and when changed."""

    read_at: datetime
    was: dict[str, Any] = field(default_factory=dict)
    changed_at: dict[str, datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class Reconciled:
    """What ``apply`` writes of a stale record: ``keep`` stays as stored, ``custom`` merged."""

    keep: frozenset[str]
    custom: dict[str, Any] | None


def read_at(record: dict[str, Any]) -> datetime | None:
    """When the record on input was read (its ``updated_at``); None if it does not say."""
    raw = record.get("updated_at")
    if raw in (None, ""):
        return None
    if isinstance(raw, datetime):  # YAML reads timestamps itself
        value = raw
    else:
        try:
            value = datetime.fromisoformat(str(raw).strip())
        except ValueError:
            raise ValidationError(
                f"field 'updated_at': {raw!r} is not a timestamp such as "
                "2026-03-10T08:00:00+00:00; keep it as `list -o json` prints it, or drop it"
            ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def changes_since(
    ctx: Context, entity_type: str, entity_id: int, since: datetime, fields: set[str]
) -> ChangesSince:
    """Read the record's events after ``since``: the first one to change a field says its
    value then; an event that does not say what it changed marks every field unknown."""
    result = ChangesSince(since)
    rows = ctx.session.execute(
        select(Event.at, Event.kind, Event.payload)
        .where(Event.entity_type == entity_type, Event.entity_id == entity_id, Event.at > since)
        .order_by(Event.id)
    ).all()
    for at, kind, payload in rows:
        for name, before in _changed_fields(kind, payload, fields):
            result.was.setdefault(name, before)
            result.changed_at[name] = at
    return result


def _changed_fields(kind: str, payload: Any, fields: set[str]) -> list[tuple[str, Any]]:
    data = payload if isinstance(payload, dict) else {}
    changes = data.get("changes")
    if isinstance(changes, dict):
        pairs = [(name, _before(pair)) for name, pair in changes.items()]
        if all(name in fields for name, _ in pairs):
            return pairs
    elif kind.endswith(".stage_changed"):
        pairs = [("stage", data.get("from", UNKNOWN))]
        for name in ("probability", "forecast_category"):
            if name in data:
                pairs.append((name, _before(data[name])))
        return pairs
    elif kind.endswith((".won", ".lost")):
        return []  # the stage change logged with it says what changed
    # A change the log does not itemise (or itemises in other terms): assume any field.
    return [(name, UNKNOWN) for name in sorted(fields)]


def _before(pair: Any) -> Any:
    return pair[0] if isinstance(pair, list) and len(pair) == 2 else UNKNOWN


def reconcile(
    label: str, proposed: dict[str, Any], current: dict[str, Any], since: ChangesSince
) -> Reconciled:
    """Decide, field by field, what a stale record may write; refuse a real conflict.

    ``proposed`` and ``current`` are in the form the events log (``jsonable``).
    """
    keep: set[str] = set()
    custom: dict[str, Any] | None = None
    for name, value in sorted(proposed.items()):
        if name not in since.was or value == current.get(name):
            continue
        was = since.was[name]
        if was is not UNKNOWN and value == was:
            keep.add(name)
        elif name == "custom" and _mappings(was, value, current.get(name)):
            custom = _merge_custom(label, was, value, current[name], since)
        else:
            raise _conflict(label, name, since.changed_at[name])
    return Reconciled(frozenset(keep), custom)


def _mappings(*values: Any) -> bool:
    return all(isinstance(value, dict) for value in values)


def _merge_custom(
    label: str,
    was: dict[str, Any],
    wanted: dict[str, Any],
    now: dict[str, Any],
    since: ChangesSince,
) -> dict[str, Any]:
    """Key by key: the record's value where it changed one, the stored value elsewhere."""
    merged: dict[str, Any] = {}
    for key in [*now, *(key for key in wanted if key not in now)]:
        before, mine, theirs = (m.get(key, _ABSENT) for m in (was, wanted, now))
        if mine in (before, theirs):
            value = theirs
        elif theirs == before:
            value = mine
        else:
            raise _conflict(label, f"custom.{key}", since.changed_at["custom"])
        if value is not _ABSENT:
            merged[key] = value
    return merged


def _conflict(label: str, name: str, at: datetime) -> Conflict:
    return Conflict(
        f'{label}: field "{name}" was changed by someone else at '
        f"{at.astimezone(UTC).isoformat(timespec='seconds')} after this record was read; "
        "list it again and re-apply"
    )
