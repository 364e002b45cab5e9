"""Text the database would refuse, refused first with the field named.

PostgreSQL rejects a value longer than its ``VARCHAR(n)`` and any NUL byte with a raw
``database error``; SQLite stores both silently. Before every ORM flush, each new or
changed text value is checked against its column (length from the Core table's type)
on both databases, so the user hears which field, how long and what the limit is, and
nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import String, inspect
from sqlalchemy.orm import Session

from crmctl.errors import ValidationError


def check_text_limits(session: Session, flush_context: Any, instances: Any) -> None:
    """A ``before_flush`` listener; ``ValidationError`` (exit 4) on the first bad value."""
    for instance in (*session.new, *session.dirty):
        _check_instance(instance)


def _check_instance(instance: Any) -> None:
    state = inspect(instance)
    for attribute in state.mapper.column_attrs:
        if not _changed(state, attribute.key):
            continue
        value = getattr(instance, attribute.key)
        for column in attribute.columns:
            _check_value(f"{column.table.name}.{column.name}", column.type, value)


def _changed(state: Any, key: str) -> bool:
    history = state.attrs[key].history
    return bool(history.added) if state.persistent else True


def _check_value(field: str, column_type: Any, value: Any) -> None:
    if isinstance(value, str):
        limit = column_type.length if isinstance(column_type, String) else None
        if limit is not None and len(value) > limit:
            raise ValidationError(
                f"{field} is {len(value)} characters long; at most {limit} fit, shorten it"
            )
    for text in _texts(value):
        if "\x00" in text:
            raise ValidationError(f"{field} contains a NUL byte; remove it")


def _texts(value: Any) -> Iterable[str]:
    """Every string in a value, JSON documents (custom fields) included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(key)
            yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)
