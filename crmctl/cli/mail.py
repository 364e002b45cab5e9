"""``crmctl mail import|list|show|thread|why|pair|unpair|send``: e-mail on the timeline."""

from pathlib import Path
from typing import Annotated

import typer

from crmctl.cli.common import (
    Fields,
    Output,
    Where,
    info,
    new_app,
    service_context,
    settings_for,
    stdout_write_record,
    stdout_write_records,
)
from crmctl.cli.console import console
from crmctl.cli.progress import progress_for
from crmctl.errors import UsageError
from crmctl.services.mail import (
    MailFilter,
    import_mail,
    list_messages,
    pair,
    resolve_target_id,
    show_message,
    thread,
    unpair,
    why,
)

app = new_app(
    "E-mail: import and pair messages to deals, leads, contacts and companies; send from templates."
)

MessageRef = Annotated[str, typer.Argument(metavar="ID", help="Message id (or its Message-ID).")]
Deal = Annotated[str | None, typer.Option("--deal", metavar="REF", help="A deal id.")]
Lead = Annotated[str | None, typer.Option("--lead", metavar="REF", help="A lead id.")]
Contact = Annotated[
    str | None, typer.Option("--contact", metavar="REF", help="A contact: id, e-mail or name.")
]
Company = Annotated[
    str | None, typer.Option("--company", metavar="REF", help="A company: id, IČO or name.")
]
LIST_FIELDS = ("id", "date", "direction", "from", "to", "subject", "paired")


def _one_target(**given: str | None) -> tuple[str, str] | None:
    chosen = [(name, value) for name, value in given.items() if value]
    if len(chosen) > 1:
        raise UsageError(f"give one of {', '.join('--' + name for name in given)}")
    return chosen[0] if chosen else None


@app.command("import")
def import_(
    ctx: typer.Context,
    source: Annotated[
        str,
        typer.Argument(
            metavar="SOURCE",
            help="An .eml file or a directory of them, an mbox, a Maildir, an "
            "imap[s]://user@host[:port]/FOLDER URL or a mail.mailboxes NAME.",
        ),
    ],
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs", min=1, max=16, help="Parse in this many worker processes (big imports)."
        ),
    ] = 1,
    output: Output = "table",
) -> None:
    """Import new messages (stored once by Message-ID), pair them and put them on the
    timelines; mail to mail.lead_addresses from strangers becomes leads. IMAP password:
    CRM_IMAP_PASSWORD or the mailbox's password: in crmctl.yaml."""
    with progress_for(ctx, "mail import", "messages") as progress, service_context(ctx) as svc:
        summary = import_mail(svc, source, progress=progress, jobs=jobs)
    for skipped in summary.skipped_attachments:
        info(f"warning: attachment skipped (over documents_max_mb): {skipped}")
    if summary.rescanned:
        info("warning: the folder's UIDVALIDITY changed; re-scanned it (nothing stored twice)")
    stdout_write_record(summary.record(), output, tz=svc.tz)


@app.command("list")
def list_(
    ctx: typer.Context,
    where: Where = None,
    unpaired: Annotated[bool, typer.Option("--unpaired", help="Only unpaired mail.")] = False,
    contact: Contact = None,
    company: Company = None,
    deal: Deal = None,
    lead: Lead = None,
    limit: Annotated[int | None, typer.Option(help="At most this many.")] = None,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """Messages you may read, oldest first (--where over id, date, direction, sender,
    subject, body, mailbox, thread, message_id)."""
    chosen = _one_target(contact=contact, company=company, deal=deal, lead=lead)
    with service_context(ctx) as svc:
        target = (chosen[0], resolve_target_id(svc, chosen[0], chosen[1])) if chosen else None
        records = list_messages(svc, MailFilter(where, unpaired, target, limit))
    stdout_write_records(records, output, fields=fields, table_fields=LIST_FIELDS, tz=svc.tz)


@app.command("show")
def show(
    ctx: typer.Context, message: MessageRef, output: Output = "table", fields: Fields = None
) -> None:
    """Headers, text, attachments and pairings of one message."""
    with service_context(ctx) as svc:
        record = show_message(svc, message)
    if fields:
        record = {name: record.get(name) for name in fields.split(",")}
    stdout_write_record(record, output, tz=svc.tz)


@app.command("thread")
def thread_(
    ctx: typer.Context, message: MessageRef, output: Output = "table", fields: Fields = None
) -> None:
    """The messages of the thread, oldest first."""
    with service_context(ctx) as svc:
        records = thread(svc, message)
    stdout_write_records(records, output, fields=fields, table_fields=LIST_FIELDS, tz=svc.tz)


@app.command("why")
def why_(
    ctx: typer.Context, message: MessageRef, output: Output = "table", fields: Fields = None
) -> None:
    """Which rule paired the message to each record, or why no rule matched."""
    with service_context(ctx) as svc:
        records = why(svc, message)
    stdout_write_records(records, output, fields=fields, tz=svc.tz)


@app.command("pair")
def pair_(
    ctx: typer.Context,
    message: MessageRef,
    deal: Deal = None,
    lead: Lead = None,
    contact: Contact = None,
    company: Company = None,
    output: Output = "table",
) -> None:
    """Pair a message to a record by hand (an event on its timeline)."""
    chosen = _one_target(deal=deal, lead=lead, contact=contact, company=company)
    if chosen is None:
        raise UsageError("give one of --deal, --lead, --contact, --company")
    with service_context(ctx) as svc:
        record = pair(svc, message, *chosen)
    info(f"message #{record['id']} paired to {chosen[0]} {chosen[1]}")
    stdout_write_record(record, output, tz=svc.tz)


@app.command("unpair")
def unpair_(
    ctx: typer.Context,
    message: MessageRef,
    deal: Deal = None,
    lead: Lead = None,
    contact: Contact = None,
    company: Company = None,
    output: Output = "table",
) -> None:
    """Remove a pairing (an event on the record's timeline)."""
    chosen = _one_target(deal=deal, lead=lead, contact=contact, company=company)
    if chosen is None:
        raise UsageError("give one of --deal, --lead, --contact, --company")
    with service_context(ctx) as svc:
        record = unpair(svc, message, *chosen)
    stdout_write_record(record, output, tz=svc.tz)


@app.command("send")
def send(
    ctx: typer.Context,
    to: Annotated[
        list[str], typer.Option("--to", metavar="CONTACT|EMAIL", help="Recipient (repeatable).")
    ],
    cc: Annotated[
        list[str] | None, typer.Option("--cc", metavar="CONTACT|EMAIL", help="Copy to.")
    ] = None,
    template: Annotated[
        str | None, typer.Option(metavar="NAME", help="templates/mail/NAME.txt (Jinja2).")
    ] = None,
    subject: Annotated[str | None, typer.Option(metavar="TEXT", help="The subject.")] = None,
    body_file: Annotated[
        Path | None, typer.Option(metavar="FILE", help="The body, as plain text.")
    ] = None,
    deal: Deal = None,
    lead: Lead = None,
    company: Company = None,
    attach: Annotated[
        list[Path] | None, typer.Option("--attach", metavar="FILE", help="Attach a file.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print it; send nothing.")] = False,
    output: Output = "table",
) -> None:
    """Send an e-mail through the outbox (exactly once): our Message-ID and the deal
    token in the subject make replies pair back; stored and on the timeline as sent."""
    # Here, not at the top: templates (Jinja2) and the outbox are for sending only, and
    # `mail import` (a re-sync from cron) starts faster without them.
    from crmctl.services.mail_send import SendRequest, send_mail  # noqa: PLC0415

    about = _one_target(deal=deal, lead=lead, company=company)
    request = SendRequest(
        to=tuple(to),
        cc=tuple(cc or ()),
        template=template,
        subject=subject,
        body_file=body_file,
        about=about,
        attachments=tuple(attach or ()),
        dry_run=dry_run,
    )
    with service_context(ctx) as svc:
        record = send_mail(svc, request)
    if dry_run:
        console().write(record["rendered"])
        return
    record["delivery"] = _deliver_now(ctx, svc)
    info(f"message #{record['id']} {record['delivery']}")
    stdout_write_record(record, output, tz=svc.tz)


def _deliver_now(ctx: typer.Context, svc: object) -> str:
    """Send the committed outbox now when SMTP is configured (else the daemon or
    `workflows run` sends it): the outbox's claim makes it exactly once either way."""
    from crmctl.db.engine import make_engine  # noqa: PLC0415  (start-up, see send)
    from crmctl.notify.outbox import deliver_due  # noqa: PLC0415
    from crmctl.notify.smtp import smtp_config  # noqa: PLC0415

    settings = settings_for(ctx)
    if smtp_config(settings) is None:
        return "queued (no smtp_url: the daemon or `workflows run` sends it once one is set)"
    engine = make_engine(settings.database_url)
    try:
        results = deliver_due(engine, settings, svc.now)  # type: ignore[attr-defined]
    finally:
        engine.dispose()
    failed = [r for r in results if r.status != "sent" and r.error]
    return f"queued; sending failed, will retry: {failed[0].error}" if failed else "sent"
