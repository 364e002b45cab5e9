"""``move`` — move a deal to a stage (pending approvals may hold it).

Examples::

    - move: Jednání
    - move: {stage: Jednání}
"""

from __future__ import annotations

from typing import Any

from crmctl.services.context import Context
from crmctl.services.deals import move_deal
from crmctl.workflows.actions.base import Target, check_entity, require_entity
from crmctl.workflows.options import Opt, check_options, where_of
from crmctl.workflows.yamlmarks import Loc

ID = "move"
OPTIONS = {"stage": Opt((str,), "a stage of the deal's pipeline", True)}


def check(raw: Any, loc: Loc, trigger: Any, checker: Any) -> dict[str, Any] | None:
    if isinstance(raw, str):
        raw = {"stage": raw}
    options = check_options(raw, OPTIONS, ID, loc, checker.problems)
    if options is None or not check_entity(trigger, ("deal",), ID, loc, checker):
        return None
    if checker.stage(options["stage"], where_of(raw, "stage", loc)) is None:
        return None
    return options


def run(ctx: Context, target: Target, options: dict[str, Any]) -> str:
    require_entity(target, ("deal",), ID)
    record = move_deal(ctx, str(target.id), options["stage"])
    return f"moved deal #{target.id} to {record['stage']}"
