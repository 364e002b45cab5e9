"""``request_approval`` — ask for a decision; stage moves of the deal wait for it.

Examples::

    - request_approval:
        approver: role:manager             # or a login, e.g. reditel
        reason: "Sleva {{ deal.custom.discount }} % nad limit 15 %"
        blocks_moves: true                 # default

The decision (`crmctl approvals approve|reject ID`) is the event ``approval.decided``
on the record, which other rules can react to.
"""

from __future__ import annotations

from typing import Any

from crmctl.services.approvals import request_approval
from crmctl.services.context import Context
from crmctl.workflows.actions.base import Target, check_template_text
from crmctl.workflows.options import Opt, check_options, where_of
from crmctl.workflows.templating import render_text
from crmctl.workflows.yamlmarks import Loc

ID = "request_approval"
OPTIONS = {
    "approver": Opt((str,), "a user login or role:ROLE", True),
    "reason": Opt((str,), "why approval is needed (a Jinja2 template)", True),
    "blocks_moves": Opt((bool,), "true or false"),
}


def check(raw: Any, loc: Loc, trigger: Any, checker: Any) -> dict[str, Any] | None:
    options = check_options(raw, OPTIONS, ID, loc, checker.problems)
    if options is None:
        return None
    check_template_text(
        options["reason"], where_of(raw, "reason", loc), "request_approval reason", checker
    )
    return options


def run(ctx: Context, target: Target, options: dict[str, Any]) -> str:
    reason = render_text(options["reason"], target.values(ctx), target.rules_dir)
    approval = request_approval(
        ctx,
        target.kind.name,
        target.id,
        reason,
        options["approver"],
        blocks_moves=options.get("blocks_moves", True),
    )
    return f"approval #{approval['id']} requested from {options['approver']}: {reason}"
