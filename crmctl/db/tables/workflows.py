"""Workflow firings and state, notifications, the delivery outbox, approvals and daemons."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

# The tables this module's foreign keys point to (crmctl.db.tables loads on first use).
import crmctl.db.tables.users  # noqa: F401
from crmctl.db.tables.base import JsonType, UtcDateTime, metadata

# One rule fired (or tried to) for one record and one trigger: the exactly-once key.
#
# ``trigger_key`` is ``event:<id>`` for event rules and the window (``2026-03-10``,
# ``once``, ``expected_close=2026-04-01``) for time rules; the unique constraint is what
# makes a second runner's attempt roll back.
workflow_firings = Table(
    "workflow_firings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("rule_id", String(100), nullable=False),
    Column("entity_type", String(20), nullable=False),
    Column("entity_id", Integer, nullable=False),
    Column("trigger_key", String(120), nullable=False),
    Column("event_id", Integer),
    Column("depth", Integer, server_default="0", nullable=False),
    # done | failed (will be retried) | dead (gave up) | cut (loop depth limit)
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, server_default="1", nullable=False),
    Column("error", Text),
    Column("next_attempt_at", UtcDateTime()),
    Column("fired_at", UtcDateTime(), nullable=False),
    Column("summary", JsonType, default=list, nullable=False),
    UniqueConstraint(
        "rule_id", "entity_type", "entity_id", "trigger_key", name="uq_workflow_firings_key"
    ),
    Index("ix_workflow_firings_entity", "entity_type", "entity_id"),
    Index("ix_workflow_firings_status", "status", "next_attempt_at"),
)


# Small named counters: the event cursor, round-robin positions.
workflow_state = Table(
    "workflow_state",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("value", BigInteger, server_default="0", nullable=False),
)


# An in-app inbox entry for one user.
notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("entity_type", String(20)),
    Column("entity_id", Integer),
    Column("subject", String(300), nullable=False),
    Column("body", Text, default="", nullable=False),
    Column("rule_id", String(100)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("read_at", UtcDateTime()),
    Index("ix_notifications_user_id", "user_id", "read_at"),
)


# The outbox: one e-mail or webhook POST to send, with retries and backoff.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("channel", String(10), nullable=False),  # email | webhook
    Column("target", String(500), nullable=False),
    Column("subject", String(300)),
    Column("body", Text),
    Column("payload", JsonType, default=dict, nullable=False),
    Column("rule_id", String(100)),
    Column("entity_type", String(20)),
    Column("entity_id", Integer),
    # pending | sending (claimed until lease_until) | attempting (being sent) | sent | dead
    # | uncertain (maybe received, never resent by itself; `workflows resend ID`)
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, server_default="0", nullable=False),
    Column("last_error", Text),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("lease_until", UtcDateTime()),
    Column("claim_token", String(40)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime()),
    Index("ix_deliveries_status", "status", "next_attempt_at"),
)


# A request for a decision (e.g. a discount over the limit), and the decision.
approvals = Table(
    "approvals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("entity_type", String(20), nullable=False),
    Column("entity_id", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("approver_id", Integer, ForeignKey("users.id")),
    Column("approver_role", String(20)),
    # Stage moves of the deal wait while the approval is pending.
    Column("blocks_moves", Boolean, server_default=text("true"), nullable=False),
    Column("status", String(10), nullable=False),  # pending | approved | rejected
    Column("rule_id", String(100)),
    Column("requested_at", UtcDateTime(), nullable=False),
    Column("decided_at", UtcDateTime()),
    Column("decided_by_id", Integer, ForeignKey("users.id")),
    Column("note", Text),
    Index("ix_approvals_entity", "entity_type", "entity_id", "status"),
)


# One running (or stopped) `crmctl daemon`, so `daemon status` can tell.
daemon_heartbeats = Table(
    "daemon_heartbeats",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("host", String(200), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("beat_at", UtcDateTime(), nullable=False),
    Column("stopped_at", UtcDateTime()),
    Column("firings", Integer, server_default="0", nullable=False),
)
