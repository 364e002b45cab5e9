"""PostgreSQL: a mapped login writes exactly what crmctl lets its user write.

Row-level security (:mod:`crmctl.services.row_security`) limits which rows a login may
change; this module closes what a row policy cannot express:

* **Internal tables** (the event log, the delivery outbox, inboxes, workflow state and
  firings) are crmctl's bookkeeping: a login that could write them could send any e-mail
  (a ``deliveries`` row is mailed), forge the audit trail, fill other users' inboxes or
  reset the workflow cursor. Mapped logins hold no INSERT, UPDATE or DELETE on them. Each
  role's schema of views (``crm_as_ROLE``, first on the login's search path) has a view of
  each of them whose ``INSTEAD OF`` trigger is a ``SECURITY DEFINER`` function: it asks
  ``crm_may_write_internal`` whether the caller's crmctl user may make this change and
  only then writes the table. crmctl, connected as the login, writes them unchanged
  through those views. What a non-admin may do there is what crmctl does for them:
  append an event as themselves about a record they may read (not as a workflow rule,
  not as part of an import), and mark their own inbox entries read. Everything else is
  for admins (rules, senders).
* **Owners and authors**: a new or reassigned record may only get an owner within the
  writer's write scope (crmctl's ``require_owner_in_scope``), and a column saying who did
  something (``created_by_id``, ``updated_by_id``, a consent's ``actor_id``, …) names the
  writer or nobody. A ``WITH CHECK`` policy sees the new row only, and an unchanged owner
  or author is fine (a colleague's deal at one's own customer, an admin's call note), so
  a trigger compares the row before and after.
"""

from __future__ import annotations

from sqlalchemy import text

from crmctl import entities
from crmctl.db import tables
from crmctl.services.column_security import make_view_writable, view_write_fragments
from crmctl.services.context import Context

# Written by crmctl itself (services, rules, senders), never directly by a mapped login.
INTERNAL = ("events", "deliveries", "notifications", "workflow_state", "workflow_firings")
# entity → table whose owner_id crmctl keeps within the writer's write scope: the
# entities owned by an ``owner_id`` (a task's assignee, a document's author are not).
OWNED_BY = {
    e.name: e.table.name
    for e in sorted(entities.ALL, key=lambda e: e.name)
    if e.owner == "owner_id"
}
# Columns saying which user did something: crmctl fills them with the acting user only.
BY_USER = ("created_by_id", "updated_by_id", "actor_id", "entered_by_id", "decided_by_id")

FUNCTIONS = (
    # The caller may make this change to an internal table: the one check of every write
    # through the internal views. An unmapped or deactivated login may make none.
    """
CREATE OR REPLACE FUNCTION crm_may_write_internal(p_table text, p_op text, p_new jsonb,
                                                  p_old jsonb)
RETURNS boolean LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
DECLARE
  me users%ROWTYPE;
BEGIN
  SELECT * INTO me FROM users WHERE db_role = session_user AND active;
  IF NOT FOUND THEN RETURN false; END IF;
  IF me.role = 'admin' THEN RETURN true; END IF;
  IF p_table = 'events' AND p_op = 'INSERT' THEN
    -- As oneself, about a record one may read; only rules (admins) write as a rule, and
    -- only imports (admins) write events that `import undo` takes for a batch's.
    RETURN coalesce((p_new->>'actor_id')::int = me.id, false)
       AND NOT coalesce(p_new->'payload' ? 'workflow', false)
       AND p_new->>'import_batch_id' IS NULL
       AND crm_visible(p_new->>'entity_type', (p_new->>'entity_id')::int);
  END IF;
  IF p_table = 'notifications' AND p_op = 'UPDATE' THEN
    RETURN coalesce((p_old->>'user_id')::int = me.id, false)
       AND (p_new - 'read_at') = (p_old - 'read_at');
  END IF;
  RETURN false;
END $$""",
    # A customer record or work item written by a non-admin: a new or changed owner within
    # the writer's write scope (TG_ARGV[0], the entity, or '' for none), and the user
    # columns that say who did it (TG_ARGV[1:]) naming the writer or nobody, unless kept.
    """
CREATE OR REPLACE FUNCTION crm_written_by_caller() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public AS $$
DECLARE
  me users%ROWTYPE;
  new_row jsonb := to_jsonb(NEW);
  old_row jsonb := CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(OLD) END;
  owners int[];
  i int;
  col text;
BEGIN
  SELECT * INTO me FROM users WHERE db_role = session_user AND active;
  -- The database owner and unmapped logins: no crmctl user, no crmctl policy.
  IF NOT FOUND OR me.role = 'admin' THEN RETURN NEW; END IF;
  IF TG_ARGV[0] <> '' AND (old_row IS NULL OR new_row->'owner_id' <> old_row->'owner_id') THEN
    owners := crm_scope_owners(TG_ARGV[0], 'write');
    IF owners IS NOT NULL AND NOT coalesce((new_row->>'owner_id')::int = ANY(owners), false)
    THEN
      RAISE EXCEPTION 'permission denied: a % may get an owner in the write scope of % only',
        TG_ARGV[0], me.login USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  FOR i IN 1 .. TG_NARGS - 1 LOOP
    col := TG_ARGV[i];
    CONTINUE WHEN new_row->>col IS NULL OR (new_row->>col)::int = me.id
               OR (old_row IS NOT NULL AND new_row->col = old_row->col);
    RAISE EXCEPTION 'permission denied: %.% may name only the writer, %', TG_TABLE_NAME, col,
      me.login USING ERRCODE = 'insufficient_privilege';
  END LOOP;
  RETURN NEW;
END $$""",
)


def install_write_security(ctx: Context, group: str, schemas: dict[str, str]) -> None:
    """Functions, owner triggers, no direct writes to internal tables and, in each role's
    schema, their checked views. Re-runnable: everything is replaced."""
    run = ctx.session.execute
    for statement in FUNCTIONS:
        run(text(statement))
    for table, entity in _checked_tables().items():
        stamps = [c.name for c in tables.metadata.tables[table].columns if c.name in BY_USER]
        arguments = ", ".join(f"'{argument}'" for argument in (entity, *stamps))
        run(text(f"DROP TRIGGER IF EXISTS crm_written_by_caller ON public.{table}"))
        run(text(
            f"CREATE TRIGGER crm_written_by_caller BEFORE INSERT OR UPDATE ON public.{table} "
            f"FOR EACH ROW EXECUTE FUNCTION crm_written_by_caller({arguments})"
        ))  # fmt: skip
    owner = f"{group}_views"
    for table in INTERNAL:
        run(text(f'REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON public.{table} FROM "{group}"'))
        # Row locks (the outbox's FOR UPDATE SKIP LOCKED) through a view need UPDATE.
        run(text(f'GRANT SELECT, UPDATE ON public.{table} TO "{owner}"'))
        run(text(_write_function(table)))
        for schema in schemas.values():
            _internal_view(ctx, table, schema, group, owner)


def _checked_tables() -> dict[str, str]:
    """Table → its entity for the owner check ('' for none): every table a mapped login
    may write directly that has an owner or a column naming who did something."""
    owned = {table: entity for entity, table in OWNED_BY.items()}
    return {
        table.name: owned.get(table.name, "")
        for table in tables.metadata.sorted_tables
        if table.name not in INTERNAL
        and (table.name in owned or any(c.name in BY_USER for c in table.columns))
    }


def _internal_view(ctx: Context, table: str, schema: str, group: str, owner: str) -> None:
    """The table under its own name in a role's schema, written only through the check."""
    run = ctx.session.execute
    names = ", ".join(f'"{column.name}"' for column in tables.metadata.tables[table].columns)
    view = f'"{schema}".{table}'
    run(text(f"CREATE VIEW {view} AS SELECT {names} FROM public.{table}"))
    make_view_writable(ctx, view, table, f"public.crm_write_{table}", owner, group)


def _write_function(table: str) -> str:
    """The views' trigger: runs as the installer (who owns the table), so only after the
    caller passed ``crm_may_write_internal``. An update writes only the changed columns
    (the event log's own trigger refuses any change but an anonymised payload)."""
    table_ = tables.metadata.tables[table]
    names = [column.name for column in table_.columns]
    (key,) = [column.name for column in table_.primary_key.columns]
    columns, values, changes = view_write_fragments(names)
    return f"""
CREATE OR REPLACE FUNCTION public.crm_write_{table}() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public AS $$
DECLARE
  sets text[] := '{{}}';
BEGIN
  IF NOT crm_may_write_internal(TG_TABLE_NAME, TG_OP, to_jsonb(NEW), to_jsonb(OLD)) THEN
    RAISE EXCEPTION 'permission denied: % on % is not a change crmctl lets user % make',
      TG_OP, TG_TABLE_NAME, coalesce((crm_me()).login, session_user::text)
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'INSERT' THEN
    INSERT INTO public.{table} ({columns}) VALUES ({values}) RETURNING * INTO NEW;
    RETURN NEW;
  END IF;
  IF TG_OP = 'DELETE' THEN
    DELETE FROM public.{table} WHERE "{key}" = OLD."{key}";
    RETURN OLD;
  END IF;
{changes}
  IF cardinality(sets) > 0 THEN
    EXECUTE format('UPDATE public.{table} SET %s WHERE "{key}" = ($2)."{key}"',
                   array_to_string(sets, ', ')) USING NEW, OLD;
  END IF;
  RETURN NEW;
END $$"""
