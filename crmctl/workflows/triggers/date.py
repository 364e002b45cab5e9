"""``date:`` — relative to a date field of each record, checked on every run.

Examples::

    trigger: {date: "3 days before expected_close", for: deals}
    trigger: {date: "90 days before custom.contract_end", for: companies}
    trigger: {date: "1 day after expected_close", for: deals, once_per: record}

A record fires once per value of the date (move the date and it may fire again), or
once ever with ``once_per: record``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, cast, literal

from crmctl.query.fields import FieldKind
from crmctl.workflows.entities import entity_kind
from crmctl.workflows.options import Opt, Problems, check_options, where_of
from crmctl.workflows.triggers.base import TimeTrigger
from crmctl.workflows.yamlmarks import Loc

ID = "date"
EXPECTED = '"N days before FIELD", "N days after FIELD" or "on FIELD"'
OPTIONS = {
    "date": Opt((str,), EXPECTED, True),
    "for": Opt((str,), "deals, leads, companies, contacts or tasks", True),
    "once_per": Opt((str,), "window or record", choices=("window", "record")),
}
_PATTERN = re.compile(r"^(?:(\d+)\s+days?\s+(before|after)|on)\s+([a-z_][a-z0-9_.]*)$")


@dataclass(frozen=True)
class Relative(TimeTrigger):
    field: str = ""
    column: Any = None
    offset_days: int = 0  # the trigger day is the date plus this

    def window(self, now: datetime, tz: Any) -> tuple[str, datetime]:
        return self.field, now

    def due(self, statement: Select[Any], now: datetime, tz: Any) -> Select[Any]:
        # Due from the trigger day until the date itself has passed: a runner that was
        # down on the day still fires (catch-up), and a past date no longer does.
        today: Date = now.astimezone(tz).date()
        first = today - timedelta(days=self.offset_days)
        if self.offset_days < 0:  # "before": the date lies ahead
            return statement.where(and_(self.column >= today, self.column <= first))
        return statement.where(and_(self.column <= first, self.column >= first - timedelta(7)))

    def key_column(self, window: str) -> ColumnElement[str] | str:
        if self.once_per == "record":
            return "once"
        return literal(f"{self.field}=", String) + cast(self.column, String)

    def describe(self) -> str:
        days = abs(self.offset_days)
        when = (
            f"on {self.field}"
            if not days
            else (f"{days} days {'before' if self.offset_days < 0 else 'after'} {self.field}")
        )
        return f"{when} for {self.entity.plural}"


def parse(raw: dict[str, Any], loc: Loc, problems: Problems, context: Any) -> Any | None:
    options = check_options(raw, OPTIONS, "trigger", loc, problems)
    if options is None:
        return None
    where = where_of(raw, "date", loc)
    match = _PATTERN.match(" ".join(options["date"].strip().lower().split()))
    entity = entity_kind(options["for"])
    if entity is None:
        problems.add(where_of(raw, "for", loc), f"for: {options['for']!r}; expected deals, …")
    if match is None:
        problems.add(where, f"date: {options['date']!r}; expected {EXPECTED}")
    if match is None or entity is None:
        return None
    days = int(match[1] or 0)
    offset = -days if match[2] == "before" else days
    spec = context.field_spec(entity, match[3], where, "date:")
    if spec is None:
        return None
    if spec.kind not in (FieldKind.DATE, FieldKind.DATETIME) or spec.column is None:
        problems.add(where, f'date: field "{match[3]}" of {entity.plural} is not a date')
        return None
    return Relative(
        entity=entity,
        once_per=options.get("once_per", "window"),
        field=match[3],
        column=spec.column,
        offset_days=offset,
    )
