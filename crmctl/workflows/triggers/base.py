"""What the runner needs from a trigger."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, literal

from crmctl.workflows.entities import EntityKind


@dataclass(frozen=True)
class EventTrigger(ABC):
    """Fires once per matching event of the log."""

    entity: EntityKind
    kinds: frozenset[str]  # event kinds worth looking at

    @abstractmethod
    def matches(self, kind: str, entity_type: str, payload: dict[str, Any]) -> bool:
        """Whether an event of ``kind`` about ``entity_type`` fires this trigger."""

    @abstractmethod
    def describe(self) -> str:
        """One line for `workflows list`."""


@dataclass(frozen=True)
class TimeTrigger(ABC):
    """Fires once per record and window (or once per record): a set-based scan."""

    entity: EntityKind
    once_per: str  # "window" | "record" | a field: once per value of it (an idle spell)
    once_column: Any = None  # the field's column when once_per names a field

    @abstractmethod
    def window(self, now: datetime, tz: Any) -> tuple[str, datetime]:
        """The current window's key and start."""

    def due(self, statement: Select[Any], now: datetime, tz: Any) -> Select[Any]:
        """Add this trigger's own condition to ``select(id, key)`` of the entity."""
        return statement

    def key_column(self, window: str) -> ColumnElement[str] | str:
        """The firing key per record: the window, ``once``, or the field's value."""
        if self.once_column is not None:
            return literal(f"{self.once_per}=", String) + cast(self.once_column, String)
        return "once" if self.once_per == "record" else window

    @abstractmethod
    def describe(self) -> str:
        """One line for `workflows list`."""
