"""``event: task.overdue`` — a time trigger: once per open task past its due time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, literal

from crmctl.db.models import Task
from crmctl.services.tasks import overdue_condition
from crmctl.workflows.triggers.base import TimeTrigger


@dataclass(frozen=True)
class Overdue(TimeTrigger):
    def window(self, now: datetime, tz: Any) -> tuple[str, datetime]:
        return "overdue", now

    def due(self, statement: Select[Any], now: datetime, tz: Any) -> Select[Any]:
        class _Clock:  # overdue_condition reads only the clock and the zone
            def __init__(self) -> None:
                self.now, self.tz = now, tz

        return statement.where(overdue_condition(_Clock()))  # type: ignore[arg-type]

    def key_column(self, window: str) -> ColumnElement[str] | str:
        # A task moved to a later due date may become overdue (and fire) again.
        return literal("due=", String) + cast(Task.due_at, String)

    def describe(self) -> str:
        return "task.overdue"
