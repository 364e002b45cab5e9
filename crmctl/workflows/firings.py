"""A runner pass's firings: each one tried and its outcome, the pass's totals, and which are
already recorded in workflow_firings (the table whose unique key makes a firing happen once)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmctl.db.models import WorkflowFiring
from crmctl.notify.outbox import DeliveryResult
from crmctl.workflows.actions.base import Target
from crmctl.workflows.schema import Rule


@dataclass
class Firing:
    rule: str
    entity_type: str
    entity_id: int
    trigger: str  # "event 12" or "window 2026-03-10"
    status: str  # fired | would fire | failed | dead | cut | retried
    actions: list[str] = field(default_factory=list)
    error: str | None = None

    def record(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "entity": f"{self.entity_type} #{self.entity_id}",
            "trigger": self.trigger,
            "status": self.status,
            "actions": "; ".join(self.actions),
            "error": self.error,
        }

    def log_line(self) -> str:
        what = "; ".join(self.actions) or self.error or ""
        about = f"{self.entity_type} #{self.entity_id}"
        return f"{self.status} {self.rule} {about} ({self.trigger}): {what}"


@dataclass
class RunResult:
    firings: list[Firing] = field(default_factory=list)
    deliveries: list[DeliveryResult] = field(default_factory=list)
    events_seen: int = 0


@dataclass
class Pending:
    """A firing to try: the rule, its record and what triggered it."""

    rule: Rule
    target: Target
    key: str  # workflow_firings.trigger_key: "event:12" or the window
    event_id: int | None
    depth: int


def trigger_of(p: Pending) -> str:
    return f"event {p.event_id}" if p.event_id is not None else f"window {p.key}"


def recorded(session: Session, pending: list[Pending]) -> set[tuple[Any, ...]]:
    """(rule, entity type, entity id, trigger key) of the ``pending`` already recorded."""
    rows = session.execute(
        select(
            WorkflowFiring.rule_id,
            WorkflowFiring.entity_type,
            WorkflowFiring.entity_id,
            WorkflowFiring.trigger_key,
        ).where(
            WorkflowFiring.rule_id.in_({p.rule.id for p in pending}),
            WorkflowFiring.entity_id.in_({p.target.id for p in pending}),
            WorkflowFiring.trigger_key.in_({p.key[:120] for p in pending}),
        )
    )
    return {tuple(row) for row in rows}
