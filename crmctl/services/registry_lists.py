"""List and show for registry entities that have no hand-written read path (issue 19).

Products and campaigns get ``list``/``show``/``--where``/``--sort``/``--fields`` from
their registry declaration: base select, policy scope, parsed filter, sort, limit, then
the entity's own record builder. When issue 16's generic read pipeline lands, these
entities move onto it and this module goes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select

from crmctl import entities
from crmctl.query.entities import registry
from crmctl.services import policy
from crmctl.services.context import Context
from crmctl.services.listing import ListOptions, apply_sort_and_limit, apply_where

RecordBuilder = Callable[[Context, Sequence[Any]], list[dict[str, Any]]]


def list_records(
    ctx: Context, name: str, options: ListOptions, build: RecordBuilder
) -> list[dict[str, Any]]:
    """The records of entity ``name`` the actor may read, filtered, sorted and limited."""
    entity = entities.entity(name)
    fields = registry(entity.name)
    statement = select(entity.table)
    statement = apply_where(ctx, statement, fields, options.where)
    statement, scope = policy.restrict(ctx, entity.name, statement, options.where)
    statement = apply_sort_and_limit(
        statement, fields, options.sort, options.limit, entity.table.c.id, scope.sort_mask()
    )
    rows = ctx.session.execute(statement).all()
    return policy.present(ctx, entity.name, scope, build(ctx, rows))
