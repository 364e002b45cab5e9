"""What every action receives: the record the rule fired for, and template values."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crmctl.errors import ValidationError
from crmctl.services.context import Context
from crmctl.workflows.entities import EntityKind
from crmctl.workflows.templating import syntax_error
from crmctl.workflows.yamlmarks import Loc


@dataclass
class Target:
    kind: EntityKind
    id: int
    rule_id: str
    rule_name: str
    rules_dir: Path | None = None
    event: dict[str, Any] | None = None  # {"id", "kind", "payload"} for event rules
    window: str | None = None
    _record: dict[str, Any] | None = field(default=None, repr=False)
    # Read for a whole batch of firings before any of them wrote: serves the first
    # action only, later ones re-read the record the earlier actions may have changed.
    preloaded: dict[str, Any] | None = field(default=None, repr=False)

    def record(self, ctx: Context) -> dict[str, Any]:
        """The record as `show` prints it, re-read after each action changed it."""
        if self.preloaded is not None:
            self._record, self.preloaded = self.preloaded, None
        else:
            self._record = self.kind.record(ctx, self.id)
        return self._record

    def values(self, ctx: Context) -> dict[str, Any]:
        record = self.record(ctx)
        local_now = ctx.now.astimezone(ctx.tz)
        return {
            "record": record,
            self.kind.name: record,
            "rule": {"id": self.rule_id, "name": self.rule_name},
            "event": self.event or {},
            "now": local_now,
            "today": local_now.date(),
        }

    def label(self) -> str:
        return f"{self.kind.name} #{self.id}"


def require_entity(target: Target, allowed: tuple[str, ...], action: str) -> None:
    if target.kind.name not in allowed:
        raise ValidationError(
            f"{action} works on {' and '.join(allowed)}, not on {target.kind.plural}"
        )


def check_entity(
    trigger: Any, allowed: tuple[str, ...], action: str, loc: Loc, checker: Any
) -> bool:
    if trigger is not None and trigger.entity.name not in allowed:
        checker.problems.add(
            loc,
            f"{action}: works on {' and '.join(allowed)}, but the trigger is about "
            f"{trigger.entity.plural}",
        )
        return False
    return True


def check_template_text(text: Any, loc: Loc, what: str, checker: Any) -> None:
    if isinstance(text, str) and (error := syntax_error(text, checker.rules_dir)):
        checker.problems.add(loc, f"{what}: {error}")
