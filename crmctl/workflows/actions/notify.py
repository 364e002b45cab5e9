"""``notify`` — tell people: in-app inbox, e-mail over SMTP, webhook POST with JSON.

Examples::

    - notify: {to: owner, template: new_lead, channels: [inbox, email]}
    - notify:
        to: [owner, manager]               # owner's manager
        subject: "Obchod {{ deal.title }} stojí {{ deal.idle_days }} dní"
    - notify: {to: [role:manager, team:Prodej, user:novak], template: idle_deal}
    - notify: {to: owner, channels: [webhook], url: "https://hooks.example.cz/crm",
               template: new_lead}

E-mails and webhooks go through the outbox (retries with backoff, never lost, never
doubled); the inbox entry is written in the firing's transaction.
"""

from __future__ import annotations

from typing import Any

from crmctl.services.context import Context
from crmctl.services.notifications import Message, notify, recipients
from crmctl.workflows.actions.base import Target, check_template_text
from crmctl.workflows.options import Opt, check_options, where_of
from crmctl.workflows.templating import check_template, render_named, render_text
from crmctl.workflows.yamlmarks import Loc

ID = "notify"
CHANNELS = ("inbox", "email", "webhook")
OPTIONS = {
    "to": Opt((str, list), "owner, manager, user:LOGIN, role:ROLE, team:NAME or a list", True),
    "channels": Opt((list, str), "a list of inbox, email, webhook"),
    "template": Opt((str,), "a template name in templates/ (NAME.txt)"),
    "subject": Opt((str,), "the subject (a Jinja2 template)"),
    "body": Opt((str,), "the text (a Jinja2 template)"),
    "url": Opt((str,), "the webhook URL (http:// or https://)"),
}
RECIPIENTS = ("owner", "manager")
PREFIXES = ("user:", "role:", "team:")


def check(raw: Any, loc: Loc, trigger: Any, checker: Any) -> dict[str, Any] | None:
    problems = checker.problems
    options = check_options(raw, OPTIONS, ID, loc, problems)
    if options is None:
        return None
    options["to"] = _list(options["to"])
    options["channels"] = _list(options.get("channels", ["inbox"]))
    before = len(problems.items)
    for who in options["to"]:
        if who not in RECIPIENTS and not who.startswith(PREFIXES):
            problems.add(
                where_of(raw, "to", loc), f"notify: to {who!r}; expected {OPTIONS['to'].expected}"
            )
    for channel in options["channels"]:
        if channel not in CHANNELS:
            problems.add(
                where_of(raw, "channels", loc),
                f"notify: channel {channel!r}; expected {', '.join(CHANNELS)}",
            )
    if "webhook" in options["channels"] and not str(options.get("url", "")).startswith("http"):
        problems.add(loc, "notify: the webhook channel needs url: https://…")
    _check_text(raw, options, loc, checker)
    return options if len(problems.items) == before else None


def _check_text(raw: Any, options: dict[str, Any], loc: Loc, checker: Any) -> None:
    if "template" in options:
        if error := check_template(options["template"], checker.rules_dir):
            checker.problems.add(where_of(raw, "template", loc), f"notify: {error}")
    elif "subject" not in options:
        checker.problems.add(loc, "notify: give template: NAME or subject: TEXT")
    for name in ("subject", "body"):
        check_template_text(options.get(name), where_of(raw, name, loc), f"notify {name}", checker)


def _list(value: Any) -> list[str]:
    return [str(x) for x in value] if isinstance(value, list) else [str(value)]


def run(ctx: Context, target: Target, options: dict[str, Any]) -> str:
    values = target.values(ctx)
    if "template" in options:
        subject, body = render_named(options["template"], values, target.rules_dir)
    else:
        subject = render_text(options["subject"], values, target.rules_dir)
        body = render_text(options.get("body", ""), values, target.rules_dir)
    users = recipients(
        ctx,
        options["to"],
        owner_login=values["record"].get("owner") or values["record"].get("assignee"),
    )
    message = Message(
        subject=subject,
        body=body,
        entity_type=target.kind.name,
        entity_id=target.id,
        rule_id=target.rule_id,
        record=values["record"],
    )
    sent = notify(ctx, users, message, options["channels"], url=options.get("url"))
    return f"notified {', '.join(sent) or 'nobody'} via {', '.join(options['channels'])}"
