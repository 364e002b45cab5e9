"""What every list shares: ``--where``, ``--search``, ``--sort`` and ``--limit``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, String, case
from sqlalchemy.types import NullType

from crmctl.db.functions import czech
from crmctl.errors import UsageError
from crmctl.query.fields import EntityRegistry, FieldKind, FieldSpec
from crmctl.services.context import Context
from crmctl.text import fold

SORTABLE_KINDS = {
    FieldKind.TEXT,
    FieldKind.INTEGER,
    FieldKind.DECIMAL,
    FieldKind.DATE,
    FieldKind.DATETIME,
    FieldKind.BOOLEAN,
}


@dataclass(frozen=True)
class ListOptions:
    where: str | None = None
    search: str | None = None
    sort: str | None = None
    limit: int | None = None
    include_deleted: bool = False


def apply_where(
    ctx: Context, statement: Select[Any], registry: EntityRegistry, where: str | None
) -> Select[Any]:
    if not where:
        return statement
    # Imported when there is a filter: the parser and compiler take ~20 ms to import, and
    # `tasks overdue` (policy imports this module) has none unless a limited view has one.
    from crmctl.query import compile_where  # noqa: PLC0415  (start-up)

    return statement.where(compile_where(where, registry, now=ctx.now, tz=ctx.tz))


def search_pattern(text: str) -> str:
    """A LIKE pattern over a folded ``search_text`` column (``%`` and ``_`` literal)."""
    folded = fold(text.strip())
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class SortMask:
    """A list with limited rows: only ``fields`` are shown on rows not matching ``full``.

    Sorting by any other field uses it for the full rows only; limited rows sort as if it
    were empty (after the others, by id), so their order reveals nothing hidden.
    """

    fields: tuple[str, ...]
    full: ColumnElement[bool]


def apply_sort_and_limit(
    statement: Select[Any],
    registry: EntityRegistry,
    sort: str | None,
    limit: int | None,
    id_column: ColumnElement[int],
    mask: SortMask | None = None,
) -> Select[Any]:
    statement = statement.order_by(*sort_columns(registry, sort, mask), id_column)
    if limit is not None:
        if limit < 0:
            raise UsageError(f"--limit must be 0 or more, not {limit}")
        statement = statement.limit(limit)
    return statement


def sort_columns(
    registry: EntityRegistry, sort: str | None, mask: SortMask | None = None
) -> list[ColumnElement[Any]]:
    """``--sort name,-created_at``: a leading ``-`` sorts descending."""
    columns: list[ColumnElement[Any]] = []
    for part in (sort or "").split(","):
        name = part.strip()
        if not name:
            continue
        descending = name.startswith("-")
        spec = registry.fields.get(name.lstrip("-+"))
        if spec is None or not _sortable(spec):
            choices = ", ".join(sorted(n for n, f in registry.fields.items() if _sortable(f)))
            raise UsageError(f"cannot sort {registry.entity} by {name!r}; sortable: {choices}")
        column = spec.sort_column if spec.sort_column is not None else spec.column
        assert column is not None
        if spec.kind is FieldKind.TEXT and spec.sort_column is None and _textual(column):
            # Ábel, Bedna, Cézar, Čáp; Hrubý, Chalupa (issue 20). A field with an order of
            # its own (a task's priority: a stored rank) keeps it.
            column = czech(column)
        if spec.sort_inverted:
            descending = not descending
        ordered = column.desc() if descending else column.asc()
        if mask is not None and spec.name not in mask.fields:
            hidden = case((mask.full, column), else_=None)
            ordered = (hidden.desc() if descending else hidden.asc()).nulls_last()
        columns.append(ordered)
    return columns


def _textual(column: ColumnElement[Any]) -> bool:
    """Text in SQL (a string column, or an expression of unknown type such as ``trim(…)``):
    what a collation applies to."""
    return isinstance(column.type, String | NullType)


def _sortable(spec: FieldSpec) -> bool:
    has_order = spec.column is not None or spec.sort_column is not None
    return spec.kind in SORTABLE_KINDS and has_order
