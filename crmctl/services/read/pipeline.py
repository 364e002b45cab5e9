"""THE read pipeline: every list and show of an entity, in one order, over Core.

    base select → deleted/merged → policy scope → parsed filter → search → sort → page
    → records → presentation

A ``--where`` is parsed once (:class:`ParsedFilter`); the policy reads the fields it
uses off the tree, the compiler turns the same tree into SQL. Statements select the
entity's Core table (``crmctl.db.tables``) and records are built from its rows, so a
read command runs on a plain ``Connection`` and never imports ``sqlalchemy.orm``
(tests/cli/test_read_path.py starts a fresh process per read command to check it).

What the pipeline needs to know about an entity is a :class:`ReadSource`; adding an
entity to every list and show is adding its source to the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, Table, select, true

from crmctl.errors import NotFound, UsageError, ValidationError
from crmctl.query.entities import registry
from crmctl.query.fields import EntityRegistry
from crmctl.query.parsed import ParsedFilter, as_parsed
from crmctl.services.access import policy
from crmctl.services.context import Context
from crmctl.services.listing import ListOptions, apply_sort_and_limit

Records = Callable[[Context, Sequence[Any]], list[dict[str, Any]]]
Search = Callable[[Context, str, policy.ReadScope], ColumnElement[bool]]
Find = Callable[[Context, str], Any]


@dataclass(frozen=True)
class ReadSource:
    """How the pipeline reads one entity: its table, filter fields, records and lookups."""

    entity: str  # the policy's and the timeline's name: "contact"
    plural: str  # the CLI noun: "contacts"
    table: Table
    registry: Callable[[], EntityRegistry]
    records: Records
    search: Search | None = None
    default_sort: str | None = None
    # SQLite: read a sorted page through the sort's index (see policy.scope_predicate).
    paged_scope: bool = False
    # ``show REF`` by more than the id (a company's IČO or name, a contact's e-mail).
    find: Find | None = None
    id_example: int = 12

    def live(self) -> ColumnElement[bool]:
        """Neither deleted nor merged (a merged record is deleted into the one kept)."""
        if "deleted_at" not in self.table.c:  # never deleted softly (products, campaigns)
            return true()
        return self.table.c.deleted_at.is_(None)


def list_records(
    ctx: Context,
    source: ReadSource,
    options: ListOptions,
    conditions: Sequence[ColumnElement[bool]] = (),
) -> list[dict[str, Any]]:
    """One page of ``source``'s records the actor may see, as the CLI prints them.

    ``conditions`` narrow the base select further (``tasks list --owner``, ``--open``).
    """
    parsed = ParsedFilter.parse(options.where)
    statement: Select[Any] = select(*source.table.columns)
    if not options.include_deleted:
        statement = statement.where(source.live())
    statement = statement.where(*conditions)
    paged = source.paged_scope and options.limit is not None
    statement, scope = policy.restrict(ctx, source.entity, statement, parsed, paged=paged)
    if parsed is not None:
        statement = statement.where(parsed.condition(source.registry(), now=ctx.now, tz=ctx.tz))
    if options.search:
        if source.search is None:
            raise UsageError(f"{source.plural} have no --search; filter with --where instead")
        statement = statement.where(source.search(ctx, options.search, scope))
    statement = apply_sort_and_limit(
        statement,
        source.registry(),
        options.sort or source.default_sort,
        options.limit,
        source.table.c.id,
        scope.sort_mask(),
    )
    rows = list(ctx.session.execute(statement).all())
    return policy.present(ctx, source.entity, scope, source.records(ctx, rows))


def readable_conditions(
    ctx: Context, entity: str, where: ParsedFilter | str | None, *, live: bool = True
) -> list[ColumnElement[bool]]:
    """The pipeline's first stages for a count over ``entity`` (a report, a scan):
    deleted/merged → policy scope → the filter, parsed once.

    Only records the actor may fully read: a total must not count rows the actor sees as
    a card only. ``live=False`` leaves deleted records in (a past day's pipeline had them).
    """
    table = policy.entity_spec(entity).table
    conditions = [table.c.deleted_at.is_(None)] if live else []
    conditions.append(policy.read_scope(ctx, entity).full)
    parsed = as_parsed(where)
    if parsed is not None:
        conditions.append(parsed.condition(registry(entity), now=ctx.now, tz=ctx.tz))
    return conditions


def readable_ids(
    ctx: Context, entity: str, where: ParsedFilter | str | None, *, live: bool = True
) -> Select[Any]:
    """``select(id)`` of the records :func:`readable_conditions` keeps."""
    table = policy.entity_spec(entity).table
    return select(table.c.id).where(*readable_conditions(ctx, entity, where, live=live))


def show_record(ctx: Context, source: ReadSource, ref: str | int) -> dict[str, Any]:
    """One record: whole to who may fully read it, only its limited view's fields to who
    sees it limited (the company card, support's deal stage), else permission denied."""
    row = source.find(ctx, str(ref)) if source.find is not None else find_live(ctx, source, ref)
    record = source.records(ctx, [row])[0]
    if policy.read_level(ctx, source.entity, row.id) == "limited":
        return policy.trim(record, policy.read_scope(ctx, source.entity).fields)
    return record


def find_live(ctx: Context, source: ReadSource, ref: str | int) -> Row[Any]:
    """The live record ``#ID``; not found is said only to who may see every record."""
    text = str(ref).strip().lstrip("#")
    if not text.removeprefix("-").isdigit():  # -1 is an id (of no record): not found
        raise ValidationError(
            f"{source.entity} {ref!r}: expected a {source.entity} id such as {source.id_example}"
        )
    table = source.table
    row = ctx.session.execute(
        select(*table.columns).where(table.c.id == int(text), source.live())
    ).first()
    if row is None:
        not_found = NotFound(f"no {source.entity} #{text}; see `crmctl {source.plural} list`")
        raise policy.missing(ctx, source.entity, text, not_found)
    return row
