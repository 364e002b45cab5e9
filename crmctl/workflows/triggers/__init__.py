"""Trigger types, one module each (``ID``, ``OPTIONS``, ``parse``), and their registry.

A rule's ``trigger:`` mapping names its type by its first key: ``event:``, ``every:`` or
``date:``. Event triggers match rows of the event log; time triggers name a window and
select, in SQL, the records due in it.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from crmctl.workflows.options import Problems, did_you_mean
from crmctl.workflows.triggers import date, event, every
from crmctl.workflows.yamlmarks import Loc, MarkedDict

REGISTRY: dict[str, ModuleType] = {module.ID: module for module in (event, every, date)}


def parse_trigger(raw: Any, loc: Loc, problems: Problems, context: Any) -> Any | None:
    if not isinstance(raw, dict) or not raw:
        problems.add(loc, f"trigger: expected a mapping starting with {', '.join(REGISTRY)}")
        return None
    kinds = [key for key in raw if key in REGISTRY]
    if len(kinds) != 1:
        first = next(iter(raw))
        where = raw.key_locs[first] if isinstance(raw, MarkedDict) else loc
        hint = did_you_mean(first, tuple(REGISTRY)) if not kinds else ""
        problems.add(
            where,
            f"trigger: expected exactly one of {', '.join(f'{k}:' for k in REGISTRY)}{hint}",
        )
        return None
    return REGISTRY[kinds[0]].parse(raw, loc, problems, context)
