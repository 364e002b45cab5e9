"""``crmctl log call|meeting|note|email``: record what happened with a customer."""

from typing import Annotated, Any

import typer

from crmctl.cli.common import Output, info, new_app, service_context, stdout_write_record
from crmctl.services.activities import log_activity

app = new_app("Log activities: calls, meetings, notes and e-mails, on the timeline.")

Company = Annotated[str | None, typer.Option(help="Company id, IČO or name.")]
Contact = Annotated[str | None, typer.Option(help="Contact id, e-mail or name.")]
Deal = Annotated[str | None, typer.Option(help="Deal id (its last activity is stamped).")]
Lead = Annotated[str | None, typer.Option(help="Lead id (the first one stamps its response).")]
Subject = Annotated[str | None, typer.Option(help="A short title.")]
Body = Annotated[str | None, typer.Option(help="What happened (the text on the timeline).")]
Outcome = Annotated[str | None, typer.Option(help="Result, e.g. 'reached', 'no answer'.")]
Duration = Annotated[str | None, typer.Option(help="How long: minutes, 15m or 1h.")]
At = Annotated[str | None, typer.Option(help="When it happened (default: now), e.g. -2h.")]


def _log(ctx: typer.Context, kind: str, output: str, **options: Any) -> None:
    with service_context(ctx) as svc:
        record = log_activity(svc, kind, **options)
    first = f" (first {record['first_contact']})" if record["first_contact"] else ""
    info(f"{kind} #{record['id']} logged{first}")
    stdout_write_record(record, output, tz=svc.tz)


@app.command("call")
def call(
    ctx: typer.Context,
    company: Company = None,
    contact: Contact = None,
    deal: Deal = None,
    lead: Lead = None,
    subject: Subject = None,
    body: Body = None,
    outcome: Outcome = None,
    duration: Duration = None,
    at: At = None,
    first_call: Annotated[
        bool, typer.Option("--first-call", help="The first call with this customer (one only).")
    ] = False,
    output: Output = "table",
) -> None:
    """Log a phone call."""
    _log(
        ctx, "call", output, company=company, contact=contact, deal=deal, lead=lead,
        subject=subject, body=body, outcome=outcome, duration=duration, at=at,
        first_contact=first_call,
    )  # fmt: skip


@app.command("meeting")
def meeting(
    ctx: typer.Context,
    company: Company = None,
    contact: Contact = None,
    deal: Deal = None,
    lead: Lead = None,
    subject: Subject = None,
    body: Body = None,
    outcome: Outcome = None,
    duration: Duration = None,
    attendee: Annotated[
        list[str] | None, typer.Option("--attendee", help="Who took part (repeatable).")
    ] = None,
    at: At = None,
    first_meeting: Annotated[
        bool,
        typer.Option("--first-meeting", help="The first meeting with this customer (one only)."),
    ] = False,
    output: Output = "table",
) -> None:
    """Log a meeting."""
    _log(
        ctx, "meeting", output, company=company, contact=contact, deal=deal, lead=lead,
        subject=subject, body=body, outcome=outcome, duration=duration, attendees=attendee,
        at=at, first_contact=first_meeting,
    )  # fmt: skip


@app.command("note")
def note(
    ctx: typer.Context,
    company: Company = None,
    contact: Contact = None,
    deal: Deal = None,
    lead: Lead = None,
    subject: Subject = None,
    body: Body = None,
    at: At = None,
    output: Output = "table",
) -> None:
    """Log an internal note."""
    _log(
        ctx, "note", output, company=company, contact=contact, deal=deal, lead=lead,
        subject=subject, body=body, at=at,
    )  # fmt: skip


@app.command("email")
def email(
    ctx: typer.Context,
    company: Company = None,
    contact: Contact = None,
    deal: Deal = None,
    lead: Lead = None,
    subject: Subject = None,
    body: Body = None,
    outcome: Outcome = None,
    at: At = None,
    output: Output = "table",
) -> None:
    """Log an e-mail sent or received."""
    _log(
        ctx, "email", output, company=company, contact=contact, deal=deal, lead=lead,
        subject=subject, body=body, outcome=outcome, at=at,
    )  # fmt: skip
