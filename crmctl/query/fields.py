"""The per-entity registry of fields a ``--where`` expression may use."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement


class FieldKind(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"
    TAGS = "tags"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: FieldKind
    column: ColumnElement[Any] | None = None  # SQL expression for scalar kinds
    # TAGS: "has any of these tags" (an EXISTS over the tag table).
    tags: Callable[[list[str]], ColumnElement[bool]] | None = None
    # TAGS: "has at least one tag"; enables ``tags is null`` / ``tags is not null``.
    has_any_tag: Callable[[], ColumnElement[bool]] | None = None
    description: str = ""
    # Computed fields (``idle_days``): (operator, operand, now) → a condition that the
    # field compiles to instead of ``column op operand``, so it can use an index.
    compare: Callable[[str, Any, datetime], ColumnElement[bool]] | None = None
    # Computed fields that ``--sort`` can use: the column whose order is theirs, and
    # whether it runs the other way (``idle_days`` ascending is ``last_touched_at`` newest
    # first), so the sort needs no arithmetic and can use the column's index.
    sort_column: ColumnElement[Any] | None = None
    sort_inverted: bool = False


@dataclass(frozen=True)
class EntityRegistry:
    entity: str  # e.g. "companies"
    fields: Mapping[str, FieldSpec]
    custom_column: ColumnElement[Any] | None = None  # a JSON column; enables custom.KEY

    def known_fields(self) -> list[str]:
        names = sorted(self.fields)
        return [*names, "custom.KEY"] if self.custom_column is not None else names
