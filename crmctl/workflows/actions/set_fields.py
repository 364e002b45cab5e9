"""``set`` — set fields of a deal (``custom.KEY`` included) or the status of a lead.

Examples::

    - set: {probability: 90, custom.review: needed}
    - set: {status: contacted}            # leads
"""

from __future__ import annotations

from typing import Any

from crmctl import entities
from crmctl.services.context import Context
from crmctl.services.deals import update_deal
from crmctl.services.refs import resolve_deal
from crmctl.workflows.actions.base import Target, check_entity, require_entity
from crmctl.workflows.options import did_you_mean
from crmctl.workflows.yamlmarks import Loc, MarkedDict

ID = "set"


def _settable(entity: str) -> tuple[str, ...]:
    """The entity's settable fields but the stage, which only `move` changes."""
    return tuple(name for name in entities.entity(entity).settable if name != "stage")


def check(raw: Any, loc: Loc, trigger: Any, checker: Any) -> dict[str, Any] | None:
    if not isinstance(raw, dict) or not raw:
        checker.problems.add(loc, "set: expected a mapping of FIELD: VALUE")
        return None
    if not check_entity(trigger, ("deal", "lead"), ID, loc, checker) or trigger is None:
        return None
    known = _settable(trigger.entity.name)
    ok = True
    for key in raw:
        if key.startswith("custom.") and trigger.entity.name == "deal":
            continue
        if key not in known:
            where = raw.key_locs[key] if isinstance(raw, MarkedDict) else loc
            checker.problems.add(
                where,
                f'set: "{key}" cannot be set on {trigger.entity.plural}'
                f"{did_you_mean(key, known)}; settable: {', '.join(known)}"
                + (", custom.KEY" if trigger.entity.name == "deal" else "")
                + ("; use move: for the stage" if key == "stage" else ""),
            )
            ok = False
    return dict(raw) if ok else None


def run(ctx: Context, target: Target, options: dict[str, Any]) -> str:
    from crmctl.services.leads import set_status  # noqa: PLC0415  (circle: workflows.actions.set_fields ↔ services.leads)

    require_entity(target, ("deal", "lead"), ID)
    if target.kind.name == "lead":
        set_status(ctx, str(target.id), str(options["status"]))
        return f"lead #{target.id} status {options['status']}"

    deal = resolve_deal(ctx, target.id, for_update=True)
    desired = {k: v for k, v in options.items() if not k.startswith("custom.")}
    custom = {k.removeprefix("custom."): v for k, v in options.items() if k.startswith("custom.")}
    if custom:
        desired["custom"] = {**(deal.custom or {}), **custom}
    changes = update_deal(ctx, deal, desired)
    return f"deal #{target.id} set {', '.join(sorted(changes)) or 'nothing (unchanged)'}"
