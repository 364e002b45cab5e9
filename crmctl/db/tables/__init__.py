"""The schema as SQLAlchemy Core tables: one ``MetaData``, the one source of truth.

Read-only commands (``tasks overdue`` from cron) build their queries on these tables and
never import ``sqlalchemy.orm``: the ORM, the mapped classes and their configuration cost
about 250 ms at start-up, half of issue 5's whole-process budget. ``crmctl.db.models``
maps its ORM classes onto these same tables for the services that write. The schema in
a database is made by the alembic migrations; tests/db/test_migrations.py checks that
they agree with this metadata.

The tables live in modules by concern; every one is re-exported here, so
``from crmctl.db import tables; tables.deals`` is how code reaches them. The modules are
imported in the order the tables were always declared: ``metadata.tables`` keeps it
(table lists and backups follow it), hence no import sorting in this file.
"""

# isort: skip_file

from crmctl.db.tables.base import (
    NAMING_CONVENTION,
    metadata,
    JsonDocument,
    JsonType,
    EventId,
    partial_index,
    declare_postgresql_options,
    UtcDateTime,
    stamps,
)
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
from crmctl.db.tables.mail import messages, message_pairings, message_attachments, mail_sync_state
from crmctl.db.tables.workflows import (
    workflow_firings,
    workflow_state,
    notifications,
    deliveries,
    approvals,
    daemon_heartbeats,
)
from crmctl.db.tables.governance import consents, policy_rules

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
