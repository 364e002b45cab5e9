"""PostgreSQL column protection: the fields a limited view hides stay hidden in psql too.

Row-level security (:mod:`crmctl.services.access.row_security`) decides which rows a login sees,
but a limited view shows a row with only some fields: every company's card (name, IČO,
city, owner) to everyone, every deal's stage but not its value to support, and whatever
``limited: {fields: […]}`` a configured role has. A row policy cannot hide a column, so:

* **Column privileges.** The group every mapped login joins loses ``SELECT`` on the columns
  that some role's limited view hides (``companies.phone``, ``deals.value``, …) in the
  real tables. ``SELECT phone FROM public.companies`` is "permission denied" for every
  login, whatever the row; so are ``WHERE``/``RETURNING`` that name such a column.
* **Masked views, one schema per role** (``crm_as_sales``, ``crm_as_support``, …), a view
  of the same name per such table. A column that role's limited view hides reads as NULL
  on rows outside the login's full read scope and as itself inside it; every other column
  is the plain column, so sorting and filtering on it keep the table's indexes (one view
  masking per role with a CASE on every column made ``deals list`` 10–40× slower). A view
  shows rows only while the login's user still has that role (one test per statement).
  The views belong to a role of their own (``GROUP_views``, no login, nobody is a
  member) that may read the whole table and is *not* its owner, so the table's row-level
  security still applies to it — and its policies ask ``session_user``, the login.
* **Writes through the views**: an ``INSTEAD OF`` trigger, running as the login, applies
  the changed columns to the real table, where the write policies and column privileges
  of the login apply as before. An unchanged masked column (NULL) is never written back.
* **search_path**: ``policy install`` sets ``crm_as_ROLE, public`` for every mapped login
  in this database, so crmctl (its SQL names tables unqualified) and ``psql`` read and
  write its role's views; ``public.companies`` stays reachable but without the hidden
  columns. Rerun it after changing a user's role.

Columns a list needs on every row it may show, none of them customer data, stay readable:
whether the record was deleted, merged or erased, and the name's dedup key when the name
itself is shown.
"""

from __future__ import annotations

import re

from sqlalchemy import Column, select, text
from sqlalchemy.sql import visitors

from crmctl.db.models import User
from crmctl.services.access import policy
from crmctl.services.access.row_security import in_scope
from crmctl.services.context import Context

TECHNICAL = frozenset({"id", "deleted_at", "merged_into_id", "erased_at"})


def hidden_columns(ctx: Context) -> dict[str, dict[str, list[str]]]:
    """entity → column → the roles whose limited view hides it (on rows outside their
    full read scope). Entities no role sees limited to some fields are absent."""
    hidden: dict[str, dict[str, list[str]]] = {}
    for role, rules in policy.policy_of(ctx).rules.items():
        for entity in policy.ENTITIES:
            rule = rules.get(entity, policy.Rule())
            view = policy.limited_view(ctx, entity, rule)
            if rule.read == "all" or view is None or view.fields is None:
                continue
            shown = shown_columns(entity, view.fields)
            for column in policy.entity_spec(entity).table.columns:
                if column.name not in shown:
                    hidden.setdefault(entity, {}).setdefault(column.name, []).append(role)
    return hidden


def shown_columns(entity: str, fields: tuple[str, ...]) -> set[str]:
    """The table columns that a view's fields show: a field's own column, its ``_id``
    column (``owner`` → ``owner_id``), or the columns its ``--where`` expression reads."""
    spec = policy.entity_spec(entity)
    table = spec.table
    registry = spec.registry() if spec.registry else None
    shown = set(TECHNICAL)
    for name in fields:
        shown |= {name, f"{name}_id"}
        field = registry.fields.get(name) if registry else None
        if field is not None and field.column is not None:
            shown |= {
                element.name
                for element in visitors.iterate(field.column)
                if isinstance(element, Column) and element.table is table
            }
    if shown & {"name", "last_name"}:
        shown.add("name_key")  # the folded name: no more than the name itself
    return shown & {column.name for column in table.columns}


def install_column_security(ctx: Context, group: str) -> None:
    """(Re)build the masked views, the column privileges and the logins' search_path."""
    run = ctx.session.execute
    owner = f"{group}_views"
    if run(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": owner}).first() is None:
        run(text(f'CREATE ROLE "{owner}" NOLOGIN'))
    if not run(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar():
        run(text(f'GRANT "{owner}" TO current_user'))  # to hand it the views
    old = run(text(r"SELECT nspname FROM pg_namespace WHERE nspname LIKE 'crm\_as\_%'"))
    for (name,) in old.all():
        run(text(f'DROP SCHEMA "{name}" CASCADE'))
    run(text(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{owner}"'))
    hidden = hidden_columns(ctx)
    schemas = role_schemas(ctx)
    for role, schema in schemas.items():
        run(text(f'CREATE SCHEMA "{schema}"'))
        run(text(f'GRANT USAGE ON SCHEMA "{schema}" TO "{group}"'))
        for entity, columns in hidden.items():
            mine = {column for column, roles in columns.items() if role in roles}
            _view(ctx, entity, role, schema, mine, (group, owner))
    for entity, columns in hidden.items():
        _restrict_table(ctx, entity, set(columns), group, owner)
    _set_search_path(ctx, schemas)


def role_schemas(ctx: Context) -> dict[str, str]:
    """A schema of masked views per role: ``crm_as_sales``, ``crm_as_support``, …"""
    schemas: dict[str, str] = {}
    for role in policy.policy_of(ctx).roles:
        name = "crm_as_" + re.sub(r"[^a-z0-9_]", "_", role.lower())[:40]
        if name in schemas.values():
            name = f"{name}_{len(schemas)}"
        schemas[role] = name
    return schemas


def _view(
    ctx: Context,
    entity: str,
    role: str,
    schema: str,
    hidden: set[str],
    roles: tuple[str, str],
) -> None:
    """One table as one role sees it: the columns its limited view hides masked per row,
    the others as they are (so sorting and filtering on them can use the indexes)."""
    run = ctx.session.execute
    group, owner = roles
    table = policy.entity_spec(entity).table
    names = [column.name for column in table.columns]
    select_list = ", ".join(
        f'CASE WHEN {in_scope(entity, "read")} THEN "{name}" END AS "{name}"'
        if name in hidden
        else f'"{name}"'
        for name in names
    )
    # A login whose user has another role now (changed since the install) sees nothing
    # here: one test per statement, not per row.
    quoted = "'" + role.replace("'", "''") + "'"
    view = f'"{schema}".{table.name}'
    run(text(
        f"CREATE VIEW {view} AS SELECT {select_list} FROM public.{table.name} "
        f"WHERE (SELECT (crm_me()).role) = {quoted}"
    ))  # fmt: skip
    run(text(_write_function(f'"{schema}".{table.name}_write', table.name, names)))
    make_view_writable(ctx, view, table.name, f'"{schema}".{table.name}_write', owner, group)


def make_view_writable(
    ctx: Context, view: str, table: str, trigger_function: str, owner: str, group: str
) -> None:
    """The table's column defaults on ``view``, writes through ``trigger_function``, owned
    by ``owner`` and writable by ``group`` (masked views and internal-table views alike)."""
    run = ctx.session.execute
    for name, default in table_defaults(ctx, table):
        run(text(f'ALTER VIEW {view} ALTER COLUMN "{name}" SET DEFAULT {default}'))
    run(text(
        f"CREATE TRIGGER crm_write INSTEAD OF INSERT OR UPDATE OR DELETE ON {view} "
        f"FOR EACH ROW EXECUTE FUNCTION {trigger_function}()"
    ))  # fmt: skip
    run(text(f'ALTER VIEW {view} OWNER TO "{owner}"'))
    run(text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON {view} TO "{group}"'))


def _restrict_table(ctx: Context, entity: str, hidden: set[str], group: str, owner: str) -> None:
    """In the table itself the group reads only the columns no role's view hides."""
    run = ctx.session.execute
    table = policy.entity_spec(entity).table
    # Row locks (SELECT … FOR UPDATE, LOCK TABLE) through the view need UPDATE on the table.
    run(text(f'GRANT UPDATE ON public.{table.name} TO "{owner}"'))
    run(text(f'REVOKE SELECT ON public.{table.name} FROM "{group}"'))
    readable = ", ".join(
        f'"{column.name}"' for column in table.columns if column.name not in hidden
    )
    run(text(f'GRANT SELECT ({readable}) ON public.{table.name} TO "{group}"'))


def table_defaults(ctx: Context, table: str) -> list[tuple[str, str]]:
    """The table's column defaults (the id sequence, server defaults), for the view: an
    INSERT through the view that omits a column gets what the table would give."""
    rows = ctx.session.execute(
        text(
            "SELECT a.attname, coalesce(pg_get_expr(d.adbin, d.adrelid), "
            "  CASE WHEN a.attidentity <> '' THEN format('nextval(%L)', "
            "  pg_get_serial_sequence(a.attrelid::regclass::text, a.attname)) END) "
            "FROM pg_attribute a LEFT JOIN pg_attrdef d "
            "  ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
            "WHERE a.attrelid = CAST(:t AS regclass) AND a.attnum > 0 AND NOT a.attisdropped"
        ),
        {"t": f"public.{table}"},
    )
    return [(name, default) for name, default in rows if default is not None]


def view_write_fragments(names: list[str]) -> tuple[str, str, str]:
    """PL/pgSQL pieces of a view's write trigger over columns ``names``: the column list,
    ``NEW``'s values, and the statements that collect ``sets`` (only changed columns)."""
    columns = ", ".join(f'"{name}"' for name in names)
    values = ", ".join(f'NEW."{name}"' for name in names)
    changes = "\n".join(
        f'  IF NEW."{name}" IS DISTINCT FROM OLD."{name}" THEN '
        f'sets := array_append(sets, \'"{name}" = ($1)."{name}"\'); END IF;'
        for name in names
    )
    return columns, values, changes


def _write_function(function: str, table: str, names: list[str]) -> str:
    """The ``INSTEAD OF`` trigger: runs as the login, so the table's write policies and
    privileges decide. An update writes only the columns that changed."""
    columns, values, changes = view_write_fragments(names)
    return f"""
CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  sets text[] := '{{}}';
  n int;
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO public.{table} ({columns}) VALUES ({values});
    RETURN NEW;
  END IF;
  IF TG_OP = 'DELETE' THEN
    DELETE FROM public.{table} WHERE id = OLD.id;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 0 THEN RETURN NULL; END IF;
    RETURN OLD;
  END IF;
{changes}
  -- Nothing changed: still an UPDATE, so a row the login may not write is not reported
  -- as updated.
  IF cardinality(sets) = 0 THEN sets := ARRAY['id = id']; END IF;
  EXECUTE format('UPDATE public.{table} SET %s WHERE id = ($2).id', array_to_string(sets, ', '))
    USING NEW, OLD;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n = 0 THEN RETURN NULL; END IF;
  RETURN NEW;
END $$"""


def _set_search_path(ctx: Context, schemas: dict[str, str]) -> None:
    """Each mapped login reads its role's masked views first (in this database only)."""
    run = ctx.session.execute
    database = run(text("SELECT current_database()")).scalar()
    users = ctx.session.execute(
        select(User.db_role, User.role).where(User.db_role.is_not(None))
    ).all()
    for login, role in users:
        if not run(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": login}).first():
            continue
        path = f'"{schemas[role]}", public' if role in schemas else "public"
        run(text(f'ALTER ROLE "{login}" IN DATABASE "{database}" SET search_path = {path}'))
