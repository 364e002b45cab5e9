"""Saved views: a named ``--where`` (with ``--sort`` and ``--fields``) over one entity.

A view keeps the filter *text* and parses it again, against the entity registry of
today, every time it is used: a field renamed or removed since is a clear error naming
the view, not a stale query. A shared view is visible to every user; applying it runs
through the same policy scope as any ``--where``, so each user sees only their records.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import and_, or_, select

from crmctl import entities
from crmctl.db import tables
from crmctl.db.models import SavedView
from crmctl.errors import AmbiguousReference, FilterError, NotFound, PermissionDenied, UsageError
from crmctl.query import compile_where
from crmctl.query.entities import registry
from crmctl.services.context import Context
from crmctl.services.events import record_event
from crmctl.services.listing import ListOptions, sort_columns
from crmctl.services.refs import logins_by_id

ENTITY = "view"
_views = tables.saved_views


def _entity_name(name: str) -> str:
    entity = entities.find(name)
    if entity is None or not entity.where:
        choices = ", ".join(e.plural for e in entities.ALL if e.where)
        raise UsageError(f"--entity {name!r}: views filter one of {choices}")
    return entity.name


def check_view_text(ctx: Context, entity: str, where: str, label: str) -> None:
    """Parse and compile the filter against the registry now; errors name the view."""
    try:
        compile_where(where, registry(entity), now=ctx.now, tz=ctx.tz)
    except FilterError as error:
        raise FilterError(
            f"{label}: {error.message}; fix it with `crmctl views save` or remove it with "
            "`crmctl views rm`",
            error.expression,
            error.position,
        ) from None


def save_view(
    ctx: Context,
    name: str,
    entity: str,
    where: str,
    *,
    sort: str | None = None,
    fields: str | None = None,
    shared: bool = False,
) -> dict[str, Any]:
    """Save (or replace) the actor's view ``name``."""
    actor = ctx.require_actor()
    clean = name.strip()
    if not clean or "," in clean:
        raise UsageError(f"view name {name!r}: give a non-empty name without commas")
    kind = _entity_name(entity)
    if not where.strip():
        raise UsageError("a view needs a filter: --where EXPR")
    check_view_text(ctx, kind, where, f"view {clean!r}")
    sort_columns(registry(kind), sort)  # a bad sort field is refused now, not on use
    view = ctx.session.scalars(
        select(SavedView).where(SavedView.owner_id == actor.id, SavedView.name == clean)
    ).first()
    values = dict(entity=kind, where_text=where.strip(), sort=sort or None,
                  fields=fields or None, shared=shared)  # fmt: skip
    if view is None:
        view = SavedView(
            name=clean, owner_id=actor.id, created_at=ctx.now, created_by_id=actor.id, **values
        )
        ctx.session.add(view)
        kind_of_event = "view.created"
    else:
        for key, value in values.items():
            setattr(view, key, value)
        kind_of_event = "view.updated"
    view.updated_at, view.updated_by_id = ctx.now, actor.id
    ctx.session.flush()
    record_event(ctx, ENTITY, view.id, kind_of_event, {"name": clean, **values})
    return _records(ctx, [view])[0]


def _visible(ctx: Context) -> Any:
    actor = ctx.require_actor()
    return or_(_views.c.owner_id == actor.id, _views.c.shared.is_(True))


def list_views(ctx: Context, entity: str | None = None) -> list[dict[str, Any]]:
    statement = select(_views).where(_visible(ctx))
    if entity:
        statement = statement.where(_views.c.entity == _entity_name(entity))
    rows = ctx.session.execute(statement.order_by(_views.c.entity, _views.c.name, _views.c.id))
    return _records(ctx, rows.all())


def find_view(ctx: Context, name: str) -> Any:
    """The actor's own view of that name, else the one shared view of that name.

    ``LOGIN/NAME`` picks another user's shared view when several share one name.
    """
    actor = ctx.require_actor()
    login, _, plain = name.strip().rpartition("/")
    condition = and_(_views.c.name == plain, _visible(ctx))
    if login:
        owner = select(tables.users.c.id).where(tables.users.c.login == login)
        condition = and_(condition, _views.c.owner_id.in_(owner.scalar_subquery()))
    rows = ctx.session.execute(select(_views).where(condition).order_by(_views.c.id)).all()
    own = [row for row in rows if row.owner_id == actor.id]
    if own:
        return own[0]
    if not rows:
        raise NotFound(f"no view {name!r}; see `crmctl views list`")
    if len(rows) > 1:
        owners = logins_by_id(ctx, [row.owner_id for row in rows])
        choices = ", ".join(f"{owners.get(row.owner_id)}/{plain}" for row in rows)
        raise AmbiguousReference(f"several shared views are called {plain!r}: use {choices}")
    return rows[0]


def show_view(ctx: Context, name: str) -> dict[str, Any]:
    return _records(ctx, [find_view(ctx, name)])[0]


def remove_view(ctx: Context, name: str) -> dict[str, Any]:
    """Remove a view: one's own, or any as an admin."""
    actor = ctx.require_actor()
    row = find_view(ctx, name)
    if row.owner_id != actor.id and actor.role != "admin":
        raise PermissionDenied(
            f"permission denied: view {name!r} is another user's; only its owner or an admin "
            "may remove it"
        )
    record = _records(ctx, [row])[0]
    view = ctx.session.get(SavedView, row.id)
    ctx.session.delete(view)
    record_event(ctx, ENTITY, row.id, "view.removed", {"name": row.name})
    return record


def with_view(
    ctx: Context, entity: str, name: str | None, options: ListOptions, fields: str | None
) -> tuple[ListOptions, str | None]:
    """The list options with view ``name`` applied: its filter AND ``--where``; the
    command line's ``--sort``/``--fields`` win over the view's."""
    if not name:
        return options, fields
    row = find_view(ctx, name)
    kind = entities.entity(entity).name
    if row.entity != kind:
        raise UsageError(
            f"view {name!r} filters {entities.entity(row.entity).plural}, not "
            f"{entities.entity(kind).plural}"
        )
    return apply_view(ctx, row, options), fields or row.fields


def apply_view(ctx: Context, row: Any, options: ListOptions) -> ListOptions:
    check_view_text(ctx, row.entity, row.where_text, f"view {row.name!r}")
    where = row.where_text if not options.where else f"({row.where_text}) and ({options.where})"
    return replace(options, where=where, sort=options.sort or row.sort)


def view_where(ctx: Context, entity: str, name: str | None, where: str | None) -> str | None:
    """For reports and launches: the filter text of view ``name`` AND ``where``."""
    options, _ = with_view(ctx, entity, name, ListOptions(where), None)
    return options.where


def _records(ctx: Context, rows: Any) -> list[dict[str, Any]]:
    rows = list(rows)
    logins = logins_by_id(ctx, [row.owner_id for row in rows])
    return [
        {
            "id": row.id,
            "name": row.name,
            "entity": entities.entity(row.entity).plural,
            "where": row.where_text,
            "sort": row.sort,
            "fields": row.fields,
            "shared": bool(row.shared),
            "owner": logins.get(row.owner_id),
            "created_at": row.created_at,
            "updated_at": row.updated_at,
        }
        for row in rows
    ]
