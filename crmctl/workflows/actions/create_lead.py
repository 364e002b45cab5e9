"""``create_lead`` — open a lead for the record's company (issue 19: a competitor's
contract ends, a chance to win the customer).

Examples::

    - create_lead:
        subject: "Konec smlouvy u konkurence: {{ service.name }}"
        message: "{{ service.provider }} končí {{ service.ends_on }}"
        source: campaign                 # a lead source (default campaign)
        owner: owner                     # default: the company's owner; or a login

The lead goes through the lead rules like any other (``lead.created``).
"""

from __future__ import annotations

from typing import Any

from crmctl.errors import ValidationError
from crmctl.services.context import Context
from crmctl.workflows.actions.base import Target, check_template_text
from crmctl.workflows.options import Opt, check_options, where_of
from crmctl.workflows.templating import render_text
from crmctl.workflows.yamlmarks import Loc

ID = "create_lead"
SOURCES = ("web", "email", "phone", "import", "campaign", "manual")
OPTIONS = {
    "subject": Opt((str,), "the lead's subject (a Jinja2 template)", True),
    "message": Opt((str,), "the lead's message (a Jinja2 template)"),
    "source": Opt((str,), "a lead source", choices=SOURCES),
    "owner": Opt((str,), '"owner" or a user login'),
}


def check(raw: Any, loc: Loc, trigger: Any, checker: Any) -> dict[str, Any] | None:
    options = check_options(raw, OPTIONS, ID, loc, checker.problems)
    if options is None:
        return None
    for name in ("subject", "message"):
        check_template_text(options.get(name), where_of(raw, name, loc), f"{ID} {name}", checker)
    return options


def run(ctx: Context, target: Target, options: dict[str, Any]) -> str:
    from crmctl.services.leads import add_lead  # noqa: PLC0415  (circle: workflows.actions.create_lead ↔ services.leads)

    values = target.values(ctx)
    record = values["record"]
    company_id = record.get("id") if target.kind.name == "company" else record.get("company_id")
    if not company_id:
        raise ValidationError(f"create_lead: {target.label()} has no company to open a lead for")
    wanted = options.get("owner", "owner")
    owner = record.get("owner") if wanted == "owner" else wanted
    desired = {
        "subject": render_text(options["subject"], values, target.rules_dir),
        "company_id": company_id,
        "company_name": record.get("company") or record.get("name"),
        "source": options.get("source", "campaign"),
    }
    if options.get("message"):
        desired["message"] = render_text(options["message"], values, target.rules_dir)
    if owner:
        desired["owner"] = owner
    lead = add_lead(ctx, desired)
    return f"lead #{lead['id']} {desired['subject']!r} for {lead.get('owner')}"
