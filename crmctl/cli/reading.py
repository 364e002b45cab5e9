"""The generic ``list`` and ``show`` every noun's read commands wrap.

Read commands open a plain connection (``read_context``) and go through the one read
pipeline (``crmctl.services.read``): no ``sqlalchemy.orm`` import on their path, which
tests/cli/test_read_path.py checks in a fresh process per command. The noun modules
keep their options and help; their bodies are one call here.
"""

from collections.abc import Callable, Sequence
from typing import Annotated, Any

import typer

from crmctl.cli.common import (
    Fields,
    IncludeDeleted,
    Limit,
    Output,
    Search,
    Sort,
    View,
    Where,
    new_app,
    read_context,
    stdout_write_record,
    stdout_write_records,
)

# A service function adding a noun's own options to the base select (tasks --owner).
Narrow = Callable[[Any], Sequence[Any]]


def list_entity(
    ctx: typer.Context,
    entity: str,
    options: Any,
    output: Any,
    fields: str | None,
    *,
    table_fields: Sequence[str] | None = None,
    formatters: dict[str, Any] | None = None,
    narrow: Narrow | None = None,
    view: str | None = None,
) -> None:
    """``crmctl NOUN list``: one page of records as the user asked to see them; as a
    table, the registry's default columns unless ``table_fields`` says otherwise.
    ``view`` names a saved view: its filter AND ``--where`` (issue 19)."""
    from crmctl.entities import entity as declared
    from crmctl.services.read.pipeline import list_records
    from crmctl.services.read.sources import source

    table_fields = table_fields or declared(entity).table_fields
    with read_context(ctx) as svc:
        if view is not None:
            from crmctl.services.views import with_view

            options, fields = with_view(svc, entity, view, options, fields)
        conditions = narrow(svc) if narrow is not None else ()
        records = list_records(svc, source(entity), options, conditions)
    stdout_write_records(
        records, output, fields=fields, table_fields=table_fields, formatters=formatters,
        tz=svc.tz,
    )  # fmt: skip


def show_entity(
    ctx: typer.Context,
    entity: str,
    ref: str,
    output: Any,
    fields: str | None,
    *,
    formatters: dict[str, Any] | None = None,
) -> None:
    """``crmctl NOUN show REF``: one record, whole or as its limited view shows it."""
    from crmctl.services.read.pipeline import show_record
    from crmctl.services.read.sources import source

    with read_context(ctx) as svc:
        record = show_record(svc, source(entity), ref)
    stdout_write_record(record, output, fields=fields, formatters=formatters, tz=svc.tz)


def read_record(svc: Any, entity: str, ref: str) -> dict[str, Any]:
    """For a ``show`` that prints more than the record (its contacts, its timeline):
    the record as ``show_entity`` reads it, inside the command's own ``read_context``."""
    from crmctl.services.read.pipeline import show_record
    from crmctl.services.read.sources import source

    return show_record(svc, source(entity), ref)


def read_app(entity: str, help_text: str) -> typer.Typer:
    """``list`` and ``show`` of a registry entity with nothing but its declaration: what
    a noun module starts from (its own commands add options and output around these)."""
    app = new_app(help_text)

    @app.command("list")
    def list_(
        ctx: typer.Context,
        where: Where = None,
        view: View = None,
        search: Search = None,
        sort: Sort = None,
        limit: Limit = None,
        include_deleted: IncludeDeleted = False,
        output: Output = "table",
        fields: Fields = None,
    ) -> None:
        """List the records you may see."""
        from crmctl.services.listing import ListOptions

        options = ListOptions(where, search, sort, limit, include_deleted)
        list_entity(ctx, entity, options, output, fields, view=view)

    @app.command("show")
    def show(
        ctx: typer.Context,
        ref: Annotated[str, typer.Argument(metavar="REF", help="Record id.")],
        output: Output = "table",
        fields: Fields = None,
    ) -> None:
        """Show one record."""
        show_entity(ctx, entity, ref, output, fields)

    return app
