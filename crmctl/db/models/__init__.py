"""The ORM classes, mapped onto the Core tables of ``crmctl.db.tables``.

The schema is defined once, there (and made by the alembic migrations); here each class
only names its table and types its attributes for the services that load and write
records. Read-only paths that must start fast (``tasks overdue``) use the tables and
never import this module, which brings in ``sqlalchemy.orm``.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Mapped

from crmctl.db import tables
from crmctl.db.models.base import Base, Stamped

# The classes of later issues live in modules by concern; re-exported so that
# ``from crmctl.db.models import X`` and the entity registry's "crmctl.db.models:X" resolve.
from crmctl.db.models.campaigns import Campaign, Product, SavedView  # noqa: F401
from crmctl.db.models.contracts import AccountPlan, PlanStakeholder, Service  # noqa: F401
from crmctl.db.models.mail import (  # noqa: F401
    MailSyncState,
    Message,
    MessageAttachment,
    MessagePairing,
)

# Re-exported: services and migrations have always found them here.
from crmctl.db.tables import (  # noqa: F401
    NAMING_CONVENTION,
    EventId,
    JsonDocument,
    JsonType,
    UtcDateTime,
    declare_postgresql_options,
    partial_index,
)


class Team(Base):
    __table__ = tables.teams

    id: Mapped[int]
    name: Mapped[str]
    description: Mapped[str | None]
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None]


class User(Stamped, Base):
    __table__ = tables.users

    id: Mapped[int]
    login: Mapped[str]
    name: Mapped[str]
    email: Mapped[str | None]
    role: Mapped[str]
    manager_id: Mapped[int | None]
    team_id: Mapped[int | None]
    active: Mapped[bool]
    db_role: Mapped[str | None]


class Company(Stamped, Base):
    __table__ = tables.companies

    id: Mapped[int]
    name: Mapped[str]
    ico: Mapped[str | None]
    dic: Mapped[str | None]
    street: Mapped[str | None]
    city: Mapped[str | None]
    psc: Mapped[str | None]
    region: Mapped[str | None]
    district: Mapped[str | None]
    country: Mapped[str]
    industry: Mapped[str | None]
    website: Mapped[str | None]
    phone: Mapped[str | None]
    email: Mapped[str | None]
    owner_id: Mapped[int | None]
    custom: Mapped[dict[str, Any]]
    search_text: Mapped[str]
    name_key: Mapped[str]
    deleted_at: Mapped[datetime | None]
    merged_into_id: Mapped[int | None]


class Person(Stamped, Base):
    __table__ = tables.persons

    id: Mapped[int]
    title_before: Mapped[str | None]
    first_name: Mapped[str | None]
    last_name: Mapped[str]
    title_after: Mapped[str | None]
    function: Mapped[str | None]
    note: Mapped[str | None]
    owner_id: Mapped[int | None]
    custom: Mapped[dict[str, Any]]
    search_text: Mapped[str]
    name_key: Mapped[str]
    deleted_at: Mapped[datetime | None]
    merged_into_id: Mapped[int | None]
    erased_at: Mapped[datetime | None]


class PersonEmail(Base):
    __table__ = tables.person_emails

    id: Mapped[int]
    person_id: Mapped[int]
    email: Mapped[str]
    position: Mapped[int]


class PersonPhone(Base):
    __table__ = tables.person_phones

    id: Mapped[int]
    person_id: Mapped[int]
    phone: Mapped[str]
    position: Mapped[int]


class PersonCompany(Base):
    """A person works at (or for) a company, in a role; one link may be primary."""

    __table__ = tables.person_companies

    person_id: Mapped[int]
    company_id: Mapped[int]
    role: Mapped[str | None]
    is_primary: Mapped[bool]


class PersonRelation(Base):
    """``person`` reports to / is assistant of / is related to ``other``."""

    __table__ = tables.person_relations

    id: Mapped[int]
    person_id: Mapped[int]
    other_person_id: Mapped[int]
    kind: Mapped[str]
    label: Mapped[str | None]


class Tag(Base):
    __table__ = tables.tags

    entity_type: Mapped[str]
    entity_id: Mapped[int]
    tag: Mapped[str]


class Event(Base):
    """The append-only event log: timeline, audit log and workflow outbox in one."""

    __table__ = tables.events

    id: Mapped[int]
    at: Mapped[datetime]
    actor_id: Mapped[int | None]
    entity_type: Mapped[str]
    entity_id: Mapped[int]
    kind: Mapped[str]
    payload: Mapped[dict[str, Any]]
    import_batch_id: Mapped[int | None]


class ImportBatch(Base):
    """One run of `crmctl import`: the file, the mapping used and what came of it."""

    __table__ = tables.import_batches

    id: Mapped[int]
    file_name: Mapped[str]
    file_sha256: Mapped[str]
    file_size: Mapped[int]
    file_format: Mapped[str]
    sheets: Mapped[list[Any]]
    mapping: Mapped[dict[str, Any]]
    options: Mapped[dict[str, Any]]
    counts: Mapped[dict[str, Any]]
    status: Mapped[str]
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None]
    undone_at: Mapped[datetime | None]
    undone_by_id: Mapped[int | None]


class ImportIssue(Base):
    """A rejected row (with its original cells) or a warning about one field of a row."""

    __table__ = tables.import_issues

    id: Mapped[int]
    batch_id: Mapped[int]
    sheet: Mapped[str]
    row_number: Mapped[int]
    severity: Mapped[str]
    field: Mapped[str | None]
    message: Mapped[str]
    row: Mapped[dict[str, Any] | None]


class Lead(Stamped, Base):
    """An inquiry (poptávka): who asked, about what, who owns it and where it stands."""

    __table__ = tables.leads

    id: Mapped[int]
    source: Mapped[str]
    received_at: Mapped[datetime]
    subject: Mapped[str | None]
    product: Mapped[str | None]
    region: Mapped[str | None]
    contact_name: Mapped[str | None]
    contact_email: Mapped[str | None]
    contact_phone: Mapped[str | None]
    company_name: Mapped[str | None]
    ico: Mapped[str | None]
    message: Mapped[str | None]
    company_id: Mapped[int | None]
    person_id: Mapped[int | None]
    owner_id: Mapped[int | None]
    status: Mapped[str]
    reject_reason: Mapped[str | None]
    campaign: Mapped[str | None]
    first_response_at: Mapped[datetime | None]
    response_business_minutes: Mapped[int | None]
    converted_at: Mapped[datetime | None]
    deal_id: Mapped[int | None]
    last_activity_at: Mapped[datetime | None]
    custom: Mapped[dict[str, Any]]
    deleted_at: Mapped[datetime | None]
    campaign_id: Mapped[int | None]
    product_id: Mapped[int | None]


class Deal(Stamped, Base):
    """A deal (obchodní případ) moving through the stages of one pipeline."""

    __table__ = tables.deals

    id: Mapped[int]
    title: Mapped[str]
    company_id: Mapped[int | None]
    pipeline: Mapped[str]
    stage: Mapped[str]
    value: Mapped[Decimal]
    currency: Mapped[str]
    probability: Mapped[int]
    probability_overridden: Mapped[bool]
    forecast_category: Mapped[str]
    forecast_category_overridden: Mapped[bool]
    expected_close: Mapped[date | None]
    owner_id: Mapped[int | None]
    status: Mapped[str]
    closed_at: Mapped[datetime | None]
    won_reason: Mapped[str | None]
    lost_reason: Mapped[str | None]
    lead_id: Mapped[int | None]
    source: Mapped[str | None]
    campaign: Mapped[str | None]
    stage_entered_at: Mapped[datetime]
    last_activity_at: Mapped[datetime | None]
    last_touched_at: Mapped[datetime]
    custom: Mapped[dict[str, Any]]
    deleted_at: Mapped[datetime | None]
    campaign_id: Mapped[int | None]
    product_id: Mapped[int | None]


class DealContact(Base):
    """A person involved in a deal, in a role (decision maker, technical, …)."""

    __table__ = tables.deal_contacts

    deal_id: Mapped[int]
    person_id: Mapped[int]
    role: Mapped[str | None]


class DealStageHistory(Base):
    """One stay of a deal in a stage; ``left_at`` is empty for the current stage."""

    __table__ = tables.deal_stage_history

    id: Mapped[int]
    deal_id: Mapped[int]
    pipeline: Mapped[str]
    stage: Mapped[str]
    entered_at: Mapped[datetime]
    left_at: Mapped[datetime | None]
    entered_by_id: Mapped[int | None]


class Task(Stamped, Base):
    """A task, call or meeting, linked to a company, person, lead or deal."""

    __table__ = tables.tasks

    id: Mapped[int]
    kind: Mapped[str]
    subject: Mapped[str]
    body: Mapped[str | None]
    due_at: Mapped[datetime | None]
    all_day: Mapped[bool]
    start_at: Mapped[datetime | None]
    end_at: Mapped[datetime | None]
    priority: Mapped[int]
    assignee_id: Mapped[int | None]
    company_id: Mapped[int | None]
    person_id: Mapped[int | None]
    lead_id: Mapped[int | None]
    deal_id: Mapped[int | None]
    plan_id: Mapped[int | None]
    reminder_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    done_note: Mapped[str | None]
    sequence: Mapped[int]
    deleted_at: Mapped[datetime | None]


class Activity(Base):
    """A call, meeting, note or e-mail that happened (``crmctl log``)."""

    __table__ = tables.activities

    id: Mapped[int]
    kind: Mapped[str]
    subject: Mapped[str | None]
    body: Mapped[str | None]
    outcome: Mapped[str | None]
    duration_minutes: Mapped[int | None]
    attendees: Mapped[list[Any]]
    occurred_at: Mapped[datetime]
    occurred_on: Mapped[date]
    first_contact: Mapped[str | None]
    company_id: Mapped[int | None]
    person_id: Mapped[int | None]
    lead_id: Mapped[int | None]
    deal_id: Mapped[int | None]
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None]


class Document(Base):
    """An attached file; its content lives in the document store under its SHA-256."""

    __table__ = tables.documents

    id: Mapped[int]
    sha256: Mapped[str]
    size: Mapped[int]
    file_name: Mapped[str]
    media_type: Mapped[str | None]
    company_id: Mapped[int | None]
    person_id: Mapped[int | None]
    deal_id: Mapped[int | None]
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None]
    deleted_at: Mapped[datetime | None]


class CrmMeta(Base):
    """Facts about this installation, e.g. ``install_id`` (calendar UIDs derive from it)."""

    __table__ = tables.crm_meta

    key: Mapped[str]
    value: Mapped[str]


class ReportSnapshot(Base):
    """A stored report result (`report forecast --snapshot NAME`) to compare against later."""

    __table__ = tables.report_snapshots

    id: Mapped[int]
    name: Mapped[str]
    report: Mapped[str]
    params: Mapped[dict[str, Any]]
    rows: Mapped[list[Any]]
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None]


# --- workflows (issue 6) ----------------------------------------------------------------
class WorkflowFiring(Base):
    """One rule fired (or tried to) for one record and one trigger: the exactly-once key.

    ``trigger_key`` is ``event:<id>`` for event rules and the window (``2026-03-10``,
    ``once``, ``expected_close=2026-04-01``) for time rules; the unique constraint is what
    makes a second runner's attempt roll back.
    """

    __table__ = tables.workflow_firings

    id: Mapped[int]
    rule_id: Mapped[str]
    entity_type: Mapped[str]
    entity_id: Mapped[int]
    trigger_key: Mapped[str]
    event_id: Mapped[int | None]
    depth: Mapped[int]
    status: Mapped[str]
    attempts: Mapped[int]
    error: Mapped[str | None]
    next_attempt_at: Mapped[datetime | None]
    fired_at: Mapped[datetime]
    summary: Mapped[list[Any]]


class WorkflowState(Base):
    """Small named counters: the event cursor, round-robin positions."""

    __table__ = tables.workflow_state

    key: Mapped[str]
    value: Mapped[int]


class Notification(Base):
    """An in-app inbox entry for one user."""

    __table__ = tables.notifications

    id: Mapped[int]
    user_id: Mapped[int]
    entity_type: Mapped[str | None]
    entity_id: Mapped[int | None]
    subject: Mapped[str]
    body: Mapped[str]
    rule_id: Mapped[str | None]
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class Delivery(Base):
    """The outbox: one e-mail or webhook POST to send, with retries and backoff."""

    __table__ = tables.deliveries

    id: Mapped[int]
    channel: Mapped[str]
    target: Mapped[str]
    subject: Mapped[str | None]
    body: Mapped[str | None]
    payload: Mapped[dict[str, Any]]
    rule_id: Mapped[str | None]
    entity_type: Mapped[str | None]
    entity_id: Mapped[int | None]
    status: Mapped[str]
    attempts: Mapped[int]
    last_error: Mapped[str | None]
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    claim_token: Mapped[str | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class Approval(Base):
    """A request for a decision (e.g. a discount over the limit), and the decision."""

    __table__ = tables.approvals

    id: Mapped[int]
    entity_type: Mapped[str]
    entity_id: Mapped[int]
    reason: Mapped[str]
    approver_id: Mapped[int | None]
    approver_role: Mapped[str | None]
    blocks_moves: Mapped[bool]
    status: Mapped[str]
    rule_id: Mapped[str | None]
    requested_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None]
    note: Mapped[str | None]


class DaemonHeartbeat(Base):
    """One running (or stopped) `crmctl daemon`, so `daemon status` can tell."""

    __table__ = tables.daemon_heartbeats

    id: Mapped[int]
    host: Mapped[str]
    pid: Mapped[int]
    started_at: Mapped[datetime]
    beat_at: Mapped[datetime]
    stopped_at: Mapped[datetime | None]
    firings: Mapped[int]


class Consent(Base):
    """One GDPR consent decision; the current one per person and purpose is not superseded."""

    __table__ = tables.consents

    id: Mapped[int]
    person_id: Mapped[int]
    purpose: Mapped[str]
    granted: Mapped[bool]
    basis: Mapped[str]
    source: Mapped[str]
    evidence: Mapped[str | None]
    at: Mapped[datetime]
    actor_id: Mapped[int | None]
    superseded_at: Mapped[datetime | None]


class PolicyRule(Base):
    """The effective policy, copied by `crmctl policy install` for row-level security."""

    __table__ = tables.policy_rules

    role: Mapped[str]
    entity: Mapped[str]
    read: Mapped[str]
    write: Mapped[str]
    limited: Mapped[str | None]


class Target(Stamped, Base):
    """A sales target of a salesperson or team for a year, quarter or month."""

    __table__ = tables.targets

    id: Mapped[int]
    subject: Mapped[str]
    user_id: Mapped[int | None]
    team_id: Mapped[int | None]
    period: Mapped[str]
    period_start: Mapped[date]
    period_end: Mapped[date]
    metric: Mapped[str]
    value: Mapped[Decimal]
    currency: Mapped[str | None]
