"""The schema as SQLAlchemy Core tables: one ``MetaData``, the one source of truth.

Read-only commands (``tasks overdue`` from cron) build their queries on these tables and
never import ``sqlalchemy.orm``: the ORM, the mapped classes and their configuration cost
about 250 ms at start-up, half of issue 5's whole-process budget. ``crmctl.db.models``
maps its ORM classes onto these same tables for the services that write. The schema in
a database is made by the alembic migrations; tests/db/test_migrations.py checks that
they agree with this metadata.

The tables live in modules by concern; ``from crmctl.db import tables; tables.deals`` is
how code reaches them. A module is loaded on first use of one of its tables (with the
modules its foreign keys point to): building all 40 tables costs ~45 ms, a third of
what crmctl adds to SQLAlchemy's own start-up, and ``contacts list`` needs a few of them.
``tables.metadata`` loads every module first, so whoever reads the whole schema
(migrations, row security, the ORM) sees all of it; its ``tables`` are in load order,
which is why the code iterates ``sorted_tables`` (dependencies, then names).
"""

# isort: skip_file

from __future__ import annotations

import sys
from importlib import import_module
from typing import TYPE_CHECKING, Any

from crmctl.db.tables.base import (
    NAMING_CONVENTION,
    JsonDocument,
    JsonType,
    EventId,
    partial_index,
    declare_postgresql_options,
    UtcDateTime,
    stamps,
)

if TYPE_CHECKING:
    from sqlalchemy import MetaData, Table

    from crmctl.db.tables.users import teams, users
    from crmctl.db.tables.contacts import (
        companies,
        persons,
        person_emails,
        person_phones,
        person_companies,
        person_relations,
        tags,
    )
    from crmctl.db.tables.events import OWNER_CHANGES, events
    from crmctl.db.tables.imports import import_batches, import_issues
    from crmctl.db.tables.sales import leads, deals, deal_contacts, deal_stage_history
    from crmctl.db.tables.work import tasks, activities, documents
    from crmctl.db.tables.meta import crm_meta, report_snapshots
    from crmctl.db.tables.targets import targets
    from crmctl.db.tables.campaigns import products, campaigns, saved_views
    from crmctl.db.tables.contracts import services, account_plans, plan_stakeholders
    from crmctl.db.tables.mail import (
        messages,
        message_pairings,
        message_attachments,
        mail_sync_state,
    )
    from crmctl.db.tables.workflows import (
        workflow_firings,
        workflow_state,
        notifications,
        deliveries,
        approvals,
        daemon_heartbeats,
    )
    from crmctl.db.tables.governance import consents, policy_rules

    metadata: MetaData

# Each module's names, in the order the tables were always declared.
_MODULES: dict[str, tuple[str, ...]] = {
    "users": ("teams", "users"),
    "contacts": (
        "companies",
        "persons",
        "person_emails",
        "person_phones",
        "person_companies",
        "person_relations",
        "tags",
    ),
    "events": ("OWNER_CHANGES", "events"),
    "imports": ("import_batches", "import_issues"),
    "sales": ("leads", "deals", "deal_contacts", "deal_stage_history"),
    "work": ("tasks", "activities", "documents"),
    "meta": ("crm_meta", "report_snapshots"),
    "targets": ("targets",),
    "campaigns": ("products", "campaigns", "saved_views"),
    "contracts": ("services", "account_plans", "plan_stakeholders"),
    "mail": ("messages", "message_pairings", "message_attachments", "mail_sync_state"),
    "workflows": (
        "workflow_firings",
        "workflow_state",
        "notifications",
        "deliveries",
        "approvals",
        "daemon_heartbeats",
    ),
    "governance": ("consents", "policy_rules"),
}
_MODULE_OF = {name: module for module, names in _MODULES.items() for name in names}


# Modules that add columns to another module's tables: loaded with it, so a table is
# whole whenever it is seen (leads and deals get campaign_id and product_id, tasks plan_id).
_EXTENDED_BY: dict[str, tuple[str, ...]] = {"sales": ("campaigns",), "work": ("contracts",)}


def _loaded(module: str) -> bool:
    return f"crmctl.db.tables.{module}" in sys.modules


def _load(module: str) -> None:
    import_module(f"crmctl.db.tables.{module}")
    while missing := [
        extension
        for extended, extensions in _EXTENDED_BY.items()
        if _loaded(extended)
        for extension in extensions
        if not _loaded(extension)
    ]:
        for extension in missing:
            import_module(f"crmctl.db.tables.{extension}")
    # Importing a submodule binds it here under its own name, and four are named like
    # their table (users, events, targets, campaigns): the tables win, for every module
    # loaded so far (a module loads those its foreign keys point to).
    for loaded_module, names in _MODULES.items():
        if _loaded(loaded_module):
            loaded = sys.modules[f"crmctl.db.tables.{loaded_module}"]
            for name in names:
                globals()[name] = getattr(loaded, name)


def load_all() -> None:
    """Every table module, in declaration order (idempotent)."""
    for module in _MODULES:
        _load(module)


class LazyTable:
    """A table named now and built on first use: the entity catalog names every table
    at import, and a read command needs few of them. Passes for the table in SQL
    (``__clause_element__``) and forwards attributes (``.c``, ``.name``) to it."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    @property
    def table(self) -> Table:
        table: Table = getattr(sys.modules[__name__], self.name)
        return table

    def __clause_element__(self) -> Table:
        return self.table

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.table, attribute)


class LazyColumns:
    """``tables.lazy_columns("deals").stage`` is ``tables.deals.c.stage``, resolved when
    first used (module-level shorthands for columns, without building the table)."""

    __slots__ = ("table_name",)

    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    def __getattr__(self, column: str) -> Any:
        return getattr(LazyTable(self.table_name).table.c, column)

    def __getitem__(self, column: str) -> Any:
        return LazyTable(self.table_name).table.c[column]


def resolve(table: Table | LazyTable) -> Table:
    """The table itself, for a table or a lazy one (SQL's FROM takes only the former)."""
    return table.table if isinstance(table, LazyTable) else table


def lazy(name: str) -> LazyTable:
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no table {name!r}")
    return LazyTable(name)


def lazy_columns(name: str) -> LazyColumns:
    return LazyColumns(lazy(name).name)


def __getattr__(name: str) -> Any:
    if name == "metadata":
        load_all()
        from crmctl.db.tables.base import metadata  # noqa: PLC0415  (after every table)

        globals()["metadata"] = metadata
        return metadata
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    _load(module)
    return globals()[name]


__all__ = [
    "NAMING_CONVENTION",
    "OWNER_CHANGES",
    "EventId",
    "JsonDocument",
    "JsonType",
    "UtcDateTime",
    "account_plans",
    "activities",
    "approvals",
    "campaigns",
    "companies",
    "consents",
    "crm_meta",
    "daemon_heartbeats",
    "deal_contacts",
    "deal_stage_history",
    "deals",
    "declare_postgresql_options",
    "deliveries",
    "documents",
    "events",
    "import_batches",
    "import_issues",
    "leads",
    "mail_sync_state",
    "message_attachments",
    "message_pairings",
    "messages",
    "metadata",
    "notifications",
    "partial_index",
    "person_companies",
    "person_emails",
    "person_phones",
    "person_relations",
    "persons",
    "plan_stakeholders",
    "policy_rules",
    "products",
    "report_snapshots",
    "saved_views",
    "services",
    "stamps",
    "tags",
    "targets",
    "tasks",
    "teams",
    "users",
    "workflow_firings",
    "workflow_state",
]
