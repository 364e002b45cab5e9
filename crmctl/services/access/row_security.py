"""PostgreSQL row-level security that enforces the same need-to-know as crmctl.

``crmctl policy install`` copies the effective policy into ``policy_rules``, installs SQL
functions that work out, for the database login (``session_user`` mapped through
``users.db_role``), which owners' records are in each scope, and puts policies on every
table holding customer data. A user connecting with ``psql`` under their own role then
sees and changes no more rows than through crmctl. The columns a limited view hides (a
company card's phone, a deal's value for support) are hidden by
:mod:`crmctl.services.access.column_security`, which ``install_row_security`` runs last.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.dialects import postgresql

from crmctl import entities as declared
from crmctl.db.models import PolicyRule, User
from crmctl.errors import UsageError
from crmctl.services.access import policy
from crmctl.services.context import Context
from crmctl.services.users import require_admin

FUNCTIONS = (
    """
CREATE OR REPLACE FUNCTION crm_me() RETURNS users LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = public AS $$
  SELECT * FROM users WHERE db_role = session_user AND active
$$""",
    """
CREATE OR REPLACE FUNCTION crm_is_admin() RETURNS boolean LANGUAGE sql STABLE
SECURITY DEFINER SET search_path = public AS $$
  SELECT coalesce((SELECT role = 'admin' FROM users WHERE db_role = session_user AND active),
                  false)
$$""",
    # NULL: every owner (scope all); an empty array: nobody (none, or an unmapped login).
    """
CREATE OR REPLACE FUNCTION crm_scope_owners(p_entity text, p_action text) RETURNS int[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
DECLARE
  me users%ROWTYPE;
  scope text;
BEGIN
  SELECT * INTO me FROM users WHERE db_role = session_user AND active;
  IF NOT FOUND THEN RETURN '{}'; END IF;
  SELECT CASE p_action WHEN 'read' THEN r.read WHEN 'write' THEN r.write
                       ELSE coalesce(r.limited, 'none') END
    INTO scope FROM policy_rules r WHERE r.role = me.role AND r.entity = p_entity;
  IF scope IS NULL OR scope = 'none' THEN RETURN '{}'; END IF;
  IF scope = 'all' THEN RETURN NULL; END IF;
  IF scope = 'own' OR (scope = 'team' AND me.team_id IS NULL) THEN RETURN ARRAY[me.id]; END IF;
  IF scope = 'team' THEN
    RETURN ARRAY(SELECT id FROM users WHERE team_id = me.team_id);
  END IF;
  RETURN ARRAY(
    WITH RECURSIVE below(id) AS (
      SELECT me.id UNION SELECT u.id FROM users u JOIN below b ON u.manager_id = b.id
    ) SELECT id FROM below);
END $$""",
    """
CREATE OR REPLACE FUNCTION crm_owned(owners int[], p_owner int, p_company int)
RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT owners IS NULL OR p_owner = ANY(owners)
      OR (p_company IS NOT NULL AND EXISTS (
            SELECT 1 FROM companies c WHERE c.id = p_company AND c.owner_id = ANY(owners)))
$$""",
    """
CREATE OR REPLACE FUNCTION crm_person_owned(owners int[], p_person int, p_owner int)
RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT owners IS NULL OR p_owner = ANY(owners)
      OR EXISTS (SELECT 1 FROM person_companies pc JOIN companies c ON c.id = pc.company_id
                 WHERE pc.person_id = p_person AND c.owner_id = ANY(owners))
$$""",
    # Tasks, activities, documents: their owner's, or about a customer in scope — the
    # company or a contact of it (as crmctl's policy._about_customer).
    """
CREATE OR REPLACE FUNCTION crm_linked(owners int[], p_owner int, p_company int, p_person int)
RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT owners IS NULL OR p_owner = ANY(owners)
      OR (p_company IS NOT NULL AND EXISTS (
            SELECT 1 FROM companies c WHERE c.id = p_company AND c.owner_id = ANY(owners)))
      OR (p_person IS NOT NULL AND EXISTS (
            SELECT 1 FROM person_companies pc JOIN companies c ON c.id = pc.company_id
            WHERE pc.person_id = p_person AND c.owner_id = ANY(owners)))
$$""",
    # The companies, and the contacts of companies, owned in scope: for the tables'
    # policies, which call them once per statement in an uncorrelated subquery (a hash
    # the rows are probed against) rather than crm_owned/crm_linked once per row.
    """
CREATE OR REPLACE FUNCTION crm_scope_companies(owners int[]) RETURNS SETOF int
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT id FROM companies WHERE owner_id = ANY(owners)
$$""",
    """
CREATE OR REPLACE FUNCTION crm_scope_contacts(owners int[]) RETURNS SETOF int
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT pc.person_id FROM person_companies pc JOIN companies c ON c.id = pc.company_id
  WHERE c.owner_id = ANY(owners)
$$""",
    # The login's user and everyone below them in the manager chain.
    """
CREATE OR REPLACE FUNCTION crm_subordinates() RETURNS int[] LANGUAGE sql STABLE
SECURITY DEFINER SET search_path = public AS $$
  SELECT ARRAY(
    WITH RECURSIVE below(id) AS (
      SELECT id FROM users WHERE db_role = session_user AND active
      UNION SELECT u.id FROM users u JOIN below b ON u.manager_id = b.id
    ) SELECT id FROM below)
$$""",
    # One record of an entity, by id: for child tables and the event log.
    """
CREATE OR REPLACE FUNCTION crm_visible(p_entity text, p_id int, p_action text DEFAULT 'read')
RETURNS boolean LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
DECLARE
  owners int[] := crm_scope_owners(p_entity, p_action);
  o int;
  c int;
  p int;
BEGIN
  IF p_entity = 'report_snapshot' THEN
    -- One's own saved report (its `report_snapshot.saved` event), as report_snapshots' policy.
    RETURN crm_is_admin() OR EXISTS (SELECT 1 FROM report_snapshots
                                     WHERE id = p_id AND created_by_id = (crm_me()).id);
  END IF;
  IF p_entity NOT IN ('company', 'contact', 'lead', 'deal', 'task', 'activity', 'document',
                      'service', 'plan') THEN
    RETURN crm_is_admin();
  END IF;
  IF owners IS NULL THEN RETURN true; END IF;
  IF p_entity = 'contact' THEN
    SELECT owner_id INTO o FROM persons WHERE id = p_id;
    RETURN crm_person_owned(owners, p_id, o);
  ELSIF p_entity = 'company' THEN
    SELECT owner_id INTO o FROM companies WHERE id = p_id;
  ELSIF p_entity = 'deal' THEN
    SELECT owner_id, company_id INTO o, c FROM deals WHERE id = p_id;
  ELSIF p_entity = 'lead' THEN
    SELECT owner_id, company_id INTO o, c FROM leads WHERE id = p_id;
  ELSIF p_entity = 'service' THEN
    SELECT created_by_id, company_id INTO o, c FROM services WHERE id = p_id;
  ELSIF p_entity = 'plan' THEN
    SELECT owner_id, company_id INTO o, c FROM account_plans WHERE id = p_id;
  ELSIF p_entity = 'task' THEN
    SELECT assignee_id, company_id, person_id INTO o, c, p FROM tasks WHERE id = p_id;
    RETURN crm_linked(owners, o, c, p);
  ELSIF p_entity = 'activity' THEN
    SELECT created_by_id, company_id, person_id INTO o, c, p FROM activities WHERE id = p_id;
    RETURN crm_linked(owners, o, c, p);
  ELSE
    SELECT created_by_id, company_id, person_id INTO o, c, p FROM documents WHERE id = p_id;
    RETURN crm_linked(owners, o, c, p);
  END IF;
  RETURN crm_owned(owners, o, c);
END $$""",
)

# Derived from the entity registry (crmctl.entities), so a new entity is protected too.
# entity → (table, owner column, company column): owned, and a customer's through the
# company it belongs to (deals, leads; contacts link through person_companies instead)
OWNED = {
    e.name: (e.table.name, e.owner, "company_id")
    for e in declared.ENTITIES.values()
    if e.via_company is not None and not e.attached and "company_id" in e.table.c
}
# entity → (table, owner column): linked to a customer by company_id and person_id
LINKED = {e.name: (e.table.name, e.owner) for e in declared.ENTITIES.values() if e.attached}
# child table → (entity, the column holding that entity's id)
CHILDREN = {
    "person_emails": ("contact", "person_id"),
    "person_phones": ("contact", "person_id"),
    "person_companies": ("contact", "person_id"),
    "person_relations": ("contact", "person_id"),
    "consents": ("contact", "person_id"),
    "deal_contacts": ("deal", "deal_id"),
    "deal_stage_history": ("deal", "deal_id"),
    "plan_stakeholders": ("plan", "plan_id"),
}
ADMIN_WRITES = (
    "users", "teams", "policy_rules", "import_batches", "import_issues", "crm_meta",
    "daemon_heartbeats", "workflow_state",
)  # fmt: skip
# Readable by every login: who is who, the policy, the install id, whether a daemon runs.
READ_ALL = ("users", "teams", "policy_rules", "crm_meta", "daemon_heartbeats", "workflow_state")
# Rows about a record (entity_type, entity_id) written by the workflow runner and services.
ABOUT = ("workflow_firings", "approvals")
# The catalogue and the campaigns belong to no customer: a role reads or changes them
# when its policy rule for the entity is ``all`` (as crmctl's products and campaigns).
CATALOGUES = {"products": "product", "campaigns": "campaign"}
# Mail is read and imported through crmctl, which pairs each message to the records its
# reader may see; row rules for the mail tables themselves do not exist yet, so through a
# login of their own only admins reach them (deny by default, never allow by default).
ADMIN_ONLY = ("messages", "message_pairings", "message_attachments", "mail_sync_state")
# A saved view: its owner's, readable by everyone when shared; an admin may remove any.
VIEW_OWNER = "owner_id = (SELECT (crm_me()).id)"
# An approver sees what waits for them (as `approvals list`), and the record's readers too.
APPROVER = "approver_id = (SELECT (crm_me()).id) OR approver_role = (SELECT (crm_me()).role)"


def _owners(entity: str, action: str) -> str:
    # A scalar subquery: evaluated once per statement, not once per row.
    return f"(SELECT crm_scope_owners('{entity}', '{action}'))"


def _scoped(entity: str, action: str, owner: str, *members: tuple[str, str]) -> str:
    """The row is in the login's scope: its owner is, or ``column IN (SELECT function(…))``
    for each (column, function) of ``members``.

    An expression, not crm_owned/crm_linked/crm_person_owned: a function called per row
    (it cannot be inlined: it has a subquery and is SECURITY DEFINER) made a salesperson's
    page of 50 deals walk ~1,100 rows through a companies lookup each, 10× the admin's
    time. The scope's companies and contacts are computed once per statement instead.
    """
    owners = _owners(entity, action)
    terms = [f"{owners} IS NULL", f"{owner} = ANY({owners}::int[])"]
    terms += [f"{column} IN (SELECT {function}({owners}))" for column, function in members]
    return f"({' OR '.join(terms)})"


COMPANIES = "crm_scope_companies"
CONTACTS = "crm_scope_contacts"


def in_scope(entity: str, action: str) -> str:
    """SQL over the entity's table: the row is in the login's ``action`` scope
    (``read``, ``write`` or ``limited``), by its owner or its customer's."""
    if entity in OWNED:
        _table, owner, company = OWNED[entity]
        return _scoped(entity, action, owner, (company, COMPANIES))
    if entity in LINKED:
        owner = LINKED[entity][1]
        return _scoped(entity, action, owner, ("company_id", COMPANIES), ("person_id", CONTACTS))
    if entity == "contact":
        return _scoped(entity, action, "owner_id", ("id", CONTACTS))
    return _scoped(entity, action, "owner_id")


def policy_statements(ctx: Context | None = None) -> list[str]:
    """``CREATE POLICY`` for every table; each table first loses its old crm_ policies.

    With ``ctx``, a limited view's ``where`` (support: open tasks only) is compiled into
    the policy per role, so psql shows the same rows as crmctl.
    """
    statements: list[str] = []

    def add(table: str, name: str, command: str, using: str | None, check: str | None) -> None:
        sql = f"CREATE POLICY crm_{name} ON {table} FOR {command}"
        if using:
            sql += f" USING ({using})"
        if check:
            sql += f" WITH CHECK ({check})"
        statements.append(sql)

    for entity, (table, _owner, _company) in OWNED.items():
        read, wide = in_scope(entity, "read"), in_scope(entity, "limited")
        _writes(add, table, f"{read} OR {wide}", in_scope(entity, "write"))
    for entity, (table, _owner) in LINKED.items():
        read, wide = in_scope(entity, "read"), in_scope(entity, "limited")
        narrowed = _limited_where(ctx, entity)
        if narrowed:
            wide = f"({wide} AND {narrowed})"
        _writes(add, table, f"{read} OR {wide}", in_scope(entity, "write"))
    # The inbox: one's own; the outbox (e-mail texts, webhook payloads): admins. Mapped
    # logins write neither directly (write_security: checked functions); admins' policies
    # stand in case a privilege is granted by hand.
    me = "(SELECT (crm_me()).id)"
    admin = "crm_is_admin()"
    add("notifications", "read", "SELECT", f"{admin} OR user_id = {me}", None)
    add("deliveries", "read", "SELECT", admin, None)
    for table in ("notifications", "deliveries", "workflow_firings"):
        add(table, "write", "ALL", admin, admin)
    visible = "crm_visible(entity_type, entity_id)"
    add("workflow_firings", "read", "SELECT", visible, None)
    # Approvals are requested by rules (admins) and decided by their approver, who may
    # read the record in full (as `approvals approve`).
    add("approvals", "read", "SELECT", f"{visible} OR {APPROVER}", None)
    add("approvals", "insert", "INSERT", None, admin)
    decide = f"{admin} OR (({APPROVER}) AND {visible})"
    add("approvals", "update", "UPDATE", decide, decide)
    add("approvals", "delete", "DELETE", admin, None)
    person_read, person_wide = in_scope("contact", "read"), in_scope("contact", "limited")
    _writes(add, "persons", f"{person_read} OR {person_wide}", in_scope("contact", "write"))
    # Everyone may find a company: its rows are readable (all but the card's columns only
    # through the masked view), its changes need write scope.
    _writes(add, "companies", "true", in_scope("company", "write"))
    # A record's parts and tags: read with the record, changed by whoever may change it.
    for table, (entity, column) in CHILDREN.items():
        read = f"crm_visible('{entity}', {column})"
        _writes(add, table, read, f"crm_visible('{entity}', {column}, 'write')")
    _writes(add, "tags", visible, "crm_visible(entity_type, entity_id, 'write')")
    add("events", "read", "SELECT", visible, None)
    add("events", "write", "ALL", admin, admin)
    own = f"{admin} OR created_by_id = {me}"
    add("report_snapshots", "all", "ALL", own, own)
    # Targets: read with the deals of their salesperson (a team's by everyone who may
    # read deals); set by admins and managers (the service checks whose, as crmctl).
    deal_owners = _owners("deal", "read")
    target_read = f"{deal_owners} IS NULL OR user_id = ANY({deal_owners}::int[]) OR user_id IS NULL"
    # A manager sets the targets of the people below them and of their own team
    # (targets.require_may_set).
    manager = "(SELECT (crm_me()).role) = 'manager'"
    theirs = "user_id = ANY(crm_subordinates()) OR team_id = (SELECT (crm_me()).team_id)"
    target_write = f"{admin} OR ({manager} AND ({theirs}))"
    _writes(add, "targets", target_read, target_write)
    for table, entity in CATALOGUES.items():
        _writes(
            add, table, f"{_owners(entity, 'read')} IS NULL", f"{_owners(entity, 'write')} IS NULL"
        )
    for table in ADMIN_ONLY:
        _writes(add, table, admin, admin)
    add("saved_views", "read", "SELECT", f"{admin} OR shared OR {VIEW_OWNER}", None)
    add("saved_views", "insert", "INSERT", None, VIEW_OWNER)
    add("saved_views", "update", "UPDATE", VIEW_OWNER, VIEW_OWNER)
    add("saved_views", "delete", "DELETE", f"{admin} OR {VIEW_OWNER}", None)
    for table in ADMIN_WRITES:
        add(table, "read", "SELECT", "true" if table in READ_ALL else admin, None)
        add(table, "write", "ALL", admin, admin)
    return statements


def _writes(add: Any, table: str, read: str, write: str) -> None:
    add(table, "read", "SELECT", read, None)
    add(table, "insert", "INSERT", None, write)
    add(table, "update", "UPDATE", write, write)
    add(table, "delete", "DELETE", write, None)


def _limited_where(ctx: Context | None, entity: str) -> str | None:
    """``CASE role WHEN … THEN <the view's where as SQL>`` for roles whose view has one."""
    if ctx is None:
        return None
    cases = []
    for role, rules in policy.policy_of(ctx).rules.items():
        view = policy.limited_view(ctx, entity, rules.get(entity, policy.Rule()))
        if view is None or not view.where:
            continue
        condition = policy.view_condition(ctx, entity, view.where).compile(
            dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
        )
        quoted = role.replace("'", "''")
        cases.append(f"WHEN '{quoted}' THEN ({condition})")
    if not cases:
        return None
    return f"(CASE (SELECT (crm_me()).role) {' '.join(cases)} ELSE true END)"


def protected_tables() -> list[str]:
    return sorted(
        {*(t for t, _, _ in OWNED.values()), *(t for t, _ in LINKED.values()), "persons",
         "companies", *CHILDREN, "tags", "events", "report_snapshots", "targets", *ADMIN_WRITES,
         "notifications", "deliveries", *ABOUT, *CATALOGUES, *ADMIN_ONLY, "saved_views"}
    )  # fmt: skip


def install_row_security(ctx: Context, group: str = "crmctl_users") -> list[dict[str, Any]]:
    """Write the policy into the database and (re)install functions and policies.

    Run it as the database owner after changing ``policy:`` or mapping users to roles.
    """
    from crmctl.services.access.column_security import install_column_security, role_schemas  # noqa: PLC0415  (circle: access.row_security ↔ access.column_security)
    from crmctl.services.access.write_security import install_write_security  # noqa: PLC0415  (circle: access.row_security ↔ access.write_security)

    require_admin(ctx, "install row-level security")
    if ctx.session.get_bind().dialect.name != "postgresql":
        raise UsageError(
            "row-level security needs PostgreSQL; an SQLite file is protected by its file "
            "permissions (whoever can read it sees everything)"
        )
    # At most 57 characters: the masked views' owner is GROUP_views (63 at most).
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,56}", group):
        raise UsageError(
            f"--group {group!r}: at most 57 lower-case letters, digits and underscores"
        )
    _write_rules(ctx)
    run = ctx.session.execute
    for statement in FUNCTIONS:
        run(text(statement))
    for table in protected_tables():
        run(text(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"))
        for (name,) in run(
            text("SELECT policyname FROM pg_policies WHERE tablename = :t AND policyname "
                 "LIKE 'crm\\_%'"), {"t": table},
        ):  # fmt: skip
            run(text(f'DROP POLICY "{name}" ON {table}'))
    for statement in policy_statements(ctx):
        run(text(statement))
    granted = _grant(ctx, group)
    # Here, not at the top: column_security builds on this module's scope SQL.

    install_column_security(ctx, group)
    install_write_security(ctx, group, role_schemas(ctx))
    return granted


def _write_rules(ctx: Context) -> None:
    current = policy.policy_of(ctx)
    ctx.session.execute(delete(PolicyRule))
    for role, rules in current.rules.items():
        for entity in policy.ENTITIES:
            rule = rules.get(entity, policy.Rule())
            view = policy.limited_view(ctx, entity, rule)
            ctx.session.add(
                PolicyRule(role=role, entity=entity, read=rule.read, write=rule.write,
                           limited=view.scope if view else None)
            )  # fmt: skip
    ctx.session.flush()


def _grant(ctx: Context, group: str) -> list[dict[str, Any]]:
    run = ctx.session.execute
    exists = "SELECT 1 FROM pg_roles WHERE rolname = :r"
    if run(text(exists), {"r": group}).first() is None:
        run(text(f'CREATE ROLE "{group}" NOLOGIN'))
    run(text(f'GRANT USAGE ON SCHEMA public TO "{group}"'))
    run(text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{group}"'))
    run(text(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{group}"'))
    run(text(f'REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM "{group}"'))
    rows = []
    users = ctx.session.scalars(select(User).where(User.db_role.is_not(None)).order_by(User.login))
    for user in users:
        found = run(text(exists), {"r": user.db_role}).first() is not None
        if found:
            run(text(f'GRANT "{group}" TO "{user.db_role}"'))
        rows.append(
            {"user": user.login, "role": user.role, "db_role": user.db_role,
             "status": "granted" if found else "no such database role: CREATE ROLE it, rerun"}
        )  # fmt: skip
    return rows
