"""``every:`` — a schedule over a set of records, with the rule's ``when:`` condition.

Examples::

    trigger: {every: "day at 07:00", for: deals}
    when: 'status = "open" and idle_days > 10'

    trigger: {every: "monday at 08:00", for: leads, once_per: record}
    trigger: {every: "30 minutes", for: tasks}

``once_per: window`` (default) fires once per record and window — the next night may
fire again if the record still matches; ``once_per: record`` fires once per record ever;
``once_per: last_touched_at`` fires once per value of that field — once per idle spell:
not again the next night, but again once the deal was touched and went idle anew.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crmctl.workflows.entities import entity_kind
from crmctl.workflows.options import Opt, Problems, check_options, where_of
from crmctl.workflows.triggers.base import TimeTrigger
from crmctl.workflows.windows import EXPECTED, Every, parse_every
from crmctl.workflows.yamlmarks import Loc

ID = "every"
OPTIONS = {
    "every": Opt((str,), EXPECTED, True),
    "for": Opt((str,), "deals, leads, companies, contacts or tasks", True),
    "once_per": Opt((str,), "window, record or a date/time field such as last_touched_at"),
}


@dataclass(frozen=True)
class Scheduled(TimeTrigger):
    every: Every | None = None

    def window(self, now: datetime, tz: Any) -> tuple[str, datetime]:
        assert self.every is not None
        return self.every.window(now, tz)

    def describe(self) -> str:
        assert self.every is not None
        once = "" if self.once_per == "window" else f", once per {self.once_per}"
        return f"every {self.every.text} for {self.entity.plural}{once}"


def parse(raw: dict[str, Any], loc: Loc, problems: Problems, context: Any) -> Any | None:
    options = check_options(raw, OPTIONS, "trigger", loc, problems)
    if options is None:
        return None
    every = parse_every(options["every"])
    if every is None:
        problems.add(
            where_of(raw, "every", loc), f"every: {options['every']!r}; expected {EXPECTED}"
        )
    entity = entity_kind(options["for"])
    if entity is None:
        problems.add(
            where_of(raw, "for", loc),
            f"for: {options['for']!r}; expected deals, leads, companies, contacts or tasks",
        )
    if every is None or entity is None:
        return None
    once_per = options.get("once_per", "window")
    column = None
    if once_per not in ("window", "record"):
        spec = context.field_spec(entity, once_per, where_of(raw, "once_per", loc), "once_per")
        if spec is None or spec.column is None:
            return None
        column = spec.column
    return Scheduled(entity=entity, once_per=once_per, once_column=column, every=every)
