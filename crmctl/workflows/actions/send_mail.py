"""``send_mail`` — an e-mail to the record's contact from a mail template, as `mail send`.

Examples::

    - send_mail: {to: contact, template: dekujeme}        # a lead's contact_email,
                                                          # a deal's or contact's e-mail
    - send_mail: {to: [contact, jana@firma.cz], template: nabidka}

Stored as sent, paired to the record (a deal's token in the subject), on its timeline,
and sent through the outbox exactly once.
"""

from __future__ import annotations

from typing import Any

from crmctl.errors import ValidationError
from crmctl.services.context import Context
from crmctl.services.mail_send import SendRequest, send_mail
from crmctl.workflows.actions.base import Target
from crmctl.workflows.options import Opt, check_options, where_of
from crmctl.workflows.yamlmarks import Loc

ID = "send_mail"
OPTIONS = {
    "to": Opt((str, list), '"contact" (the record\'s) or e-mail addresses', True),
    "template": Opt((str,), "a mail template name (templates/mail/NAME.txt)", True),
}
ABOUT = ("deal", "lead", "company", "contact")


def check(raw: Any, loc: Loc, trigger: Any, checker: Any) -> dict[str, Any] | None:
    options = check_options(raw, OPTIONS, ID, loc, checker.problems)
    if options is None:
        return None
    to = options["to"] if isinstance(options["to"], list) else [options["to"]]
    options["to"] = [str(who) for who in to]
    for who in options["to"]:
        if who != "contact" and "@" not in who:
            checker.problems.add(
                where_of(raw, "to", loc), f"send_mail: to {who!r}; expected contact or an e-mail"
            )
            return None
    return options


def run(ctx: Context, target: Target, options: dict[str, Any]) -> str:
    record = target.record(ctx)
    recipients = [_contact(target, record) if who == "contact" else who for who in options["to"]]
    about = (target.kind.name, str(target.id)) if target.kind.name in ABOUT[:3] else None
    sent = send_mail(
        ctx, SendRequest(to=tuple(recipients), template=options["template"], about=about)
    )
    return f"e-mail #{sent['id']} {sent['subject']!r} to {sent['to']}"


def _contact(target: Target, record: dict[str, Any]) -> str:
    """The record's contact: a lead's e-mail, a deal's contact, a contact itself."""
    kind = target.kind.name
    if kind == "lead" and record.get("contact_email"):
        return str(record["contact_email"])
    if kind == "contact":
        return str(target.id)
    contact = record.get("contact_id") or record.get("person_id")
    if contact:
        return str(contact)
    raise ValidationError(f"send_mail: {target.label()} has no contact to write to")
