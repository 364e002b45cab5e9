"""``mail send``: render a template, store the message as sent, hand it to the outbox.

The message row, its pairings, timeline events, attachment documents and the
``deliveries`` row are one transaction; the outbox sends it after the commit, exactly
once (a retry keeps the Message-ID). The Message-ID is ours (``crmctl.mail.…@domain``)
and a deal's token goes in the subject, so replies pair back by rule 1 or 2.

Templates: ``templates/mail/NAME.txt`` beside ``crmctl.yaml``, else in the working
directory, else the shipped ones; Jinja2 (sandboxed) with blocks ``subject`` and
``body``; in context ``record`` (and ``deal``/``lead``/``company``), ``contact`` (the
first recipient's contact record, if any) and ``user``.
"""

from __future__ import annotations

import hashlib
import mimetypes
import uuid
from dataclasses import dataclass
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import insert, select

from crmctl import entities
from crmctl.db import tables
from crmctl.errors import FileUnreadable, UsageError, ValidationError
from crmctl.mail.pairing import format_deal_token
from crmctl.mail.settings import mail_settings
from crmctl.notify.outbox import enqueue
from crmctl.notify.smtp import message_domain, smtp_config
from crmctl.services.access import policy
from crmctl.services.context import Context
from crmctl.services.documents import blob_path, store_content
from crmctl.services.events import record_event
from crmctl.services.mail import resolve_target_id
from crmctl.services.refs import resolve_person

SHIPPED = Path(__file__).resolve().parent.parent / "templates" / "mail"
SUFFIX = ".txt"
RULE_SENT = 0  # pairings of our own mail: what it was sent about and to


@dataclass(frozen=True)
class SendRequest:
    to: tuple[str, ...]
    cc: tuple[str, ...] = ()
    template: str | None = None
    subject: str | None = None
    body_file: Path | None = None
    about: tuple[str, str] | None = None  # ("deal", "12")
    attachments: tuple[Path, ...] = ()
    dry_run: bool = False
    body: str | None = None  # given directly (workflow actions)


@dataclass(frozen=True)
class _Recipient:
    address: str
    name: str
    contact_id: int | None


def template_dirs(ctx: Context) -> list[Path]:
    config = ctx.settings.config_file
    dirs = [Path(config).parent / "templates" / "mail"] if config else []
    dirs += [Path.cwd() / "templates" / "mail", SHIPPED]
    return [d for d in dict.fromkeys(dirs) if d.is_dir()]


def _environment(ctx: Context) -> SandboxedEnvironment:
    return SandboxedEnvironment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs(ctx)]),
        undefined=jinja2.ChainableUndefined,
        autoescape=False,
    )


def render_template(ctx: Context, name: str, values: dict[str, Any]) -> tuple[str, str]:
    env = _environment(ctx)
    try:
        template = env.get_template(name + SUFFIX)
    except jinja2.TemplateNotFound:
        known = sorted(n.removesuffix(SUFFIX) for n in env.list_templates() if n.endswith(SUFFIX))
        raise UsageError(
            f"no mail template {name!r} in templates/mail/; known: {', '.join(known) or 'none'}"
        ) from None
    except jinja2.TemplateSyntaxError as error:
        raise ValidationError(
            f"template {name}{SUFFIX} line {error.lineno}: {error.message}"
        ) from None
    missing = {"subject", "body"} - set(template.blocks)
    if missing:
        raise ValidationError(f"template {name}{SUFFIX} lacks block(s) {', '.join(missing)}")
    try:
        context = template.new_context(values)
        subject = "".join(template.blocks["subject"](context)).strip()
        body = "".join(template.blocks["body"](context)).strip() + "\n"
    except jinja2.TemplateError as error:
        raise ValidationError(f"template {name}{SUFFIX}: {error}") from None
    return subject, body


def send_mail(ctx: Context, request: SendRequest) -> dict[str, Any]:
    """Store and queue one message (nothing written on ``dry_run``)."""
    actor = ctx.require_actor()
    if not request.to:
        raise UsageError("give at least one --to CONTACT|EMAIL")
    to = [_recipient(ctx, ref) for ref in request.to]
    cc = [_recipient(ctx, ref) for ref in request.cc]
    about, record = _about(ctx, request.about)
    subject, body = _text(ctx, request, about, record, to)
    settings = mail_settings(ctx.settings)
    if about and about[0] == "deal":
        token = format_deal_token(about[1], settings.deal_token)
        if token.lower() not in subject.lower():
            subject = f"{subject} {token}".strip()
    config = smtp_config(ctx.settings)
    sender = config.sender if config else "crmctl@localhost"
    message_id = f"crmctl.mail.{uuid.uuid4().hex}@{message_domain(config)}"
    files = [_read(path) for path in request.attachments]
    if request.dry_run:
        return {"rendered": _rendered(sender, to, cc, subject, body, ctx, files)}
    pairings = _pairings(ctx, about, to + cc)
    message_row = _store(ctx, message_id, sender, to, cc, subject, body, pairings, actor.id)
    documents = _documents(ctx, message_row, files, pairings)
    _queue(ctx, message_row, message_id, to, cc, subject, body, documents)
    for target, target_id, _ in pairings:
        record_event(
            ctx, target, target_id, "email.sent",
            {"message": message_row, "subject": subject, "to": [r.address for r in to],
             "at": ctx.now, "rule": RULE_SENT},
        )  # fmt: skip
    return {
        "id": message_row,
        "message_id": message_id,
        "to": ", ".join(r.address for r in to),
        "subject": subject,
        "paired": ", ".join(f"{t} #{i}" for t, i, _ in pairings) or None,
    }


def _recipient(ctx: Context, ref: str) -> _Recipient:
    from crmctl.services.contacts import display_name  # noqa: PLC0415  (circle: mail_send ↔ contacts)

    text = ref.strip()
    if "@" in text and " " not in text:
        address = text.lower()
        found = ctx.session.execute(
            select(tables.person_emails.c.person_id).where(tables.person_emails.c.email == address)
        ).first()
        return _Recipient(address, "", found[0] if found else None)

    person = resolve_person(ctx, text)
    emails = tables.person_emails.c
    address = ctx.session.scalars(
        select(emails.email).where(emails.person_id == person.id).order_by(emails.position)
    ).first()
    if address is None:
        raise ValidationError(
            f"contact #{person.id} has no e-mail; add one (`crmctl contacts edit "
            f"{person.id} --add-email …`) or give an address"
        )
    return _Recipient(address, display_name(person), person.id)


def _about(
    ctx: Context, about: tuple[str, str] | None
) -> tuple[tuple[str, int] | None, dict[str, Any]]:
    if about is None:
        return None, {}

    target, ref = about
    target_id = resolve_target_id(ctx, target, ref)
    policy.require(ctx, target, target_id, "read")
    show = entities.ENTITIES[target].hook("show")
    record = show(ctx, target_id) if show else {"id": target_id}
    return (target, target_id), dict(record)


def _text(
    ctx: Context,
    request: SendRequest,
    about: tuple[str, int] | None,
    record: dict[str, Any],
    to: list[_Recipient],
) -> tuple[str, str]:
    from crmctl.services.records import show_contact  # noqa: PLC0415  (circle: mail_send ↔ records)

    if request.template:
        if request.subject or request.body_file:
            raise UsageError("give --template NAME or --subject with --body-file, not both")
        values: dict[str, Any] = {"record": record, "user": _user(ctx), "contact": {}}
        if about:
            values[about[0]] = record
        contact_id = next((r.contact_id for r in to if r.contact_id), None)
        if contact_id is not None:
            values["contact"] = show_contact(ctx, contact_id)
        return render_template(ctx, request.template, values)
    if request.subject is None or (request.body_file is None and request.body is None):
        raise UsageError("give --template NAME, or --subject TEXT and --body-file FILE")
    if request.body is not None:
        return request.subject, request.body
    assert request.body_file is not None
    return request.subject, _read(request.body_file)[1].decode("utf-8", errors="replace")


def _user(ctx: Context) -> dict[str, Any]:
    actor = ctx.actor
    return {"login": getattr(actor, "login", None), "name": getattr(actor, "name", None)}


def _read(path: Path) -> tuple[Path, bytes]:
    try:
        return path, path.read_bytes()
    except FileNotFoundError:
        raise FileUnreadable(f"no file {path}; give the path of an existing file") from None
    except OSError as error:
        raise FileUnreadable(f"cannot read {path}: {error.strerror}") from None


def _rendered(
    sender: str,
    to: list[_Recipient],
    cc: list[_Recipient],
    subject: str,
    body: str,
    ctx: Context,
    files: list[tuple[Path, bytes]],
) -> str:
    lines = [f"From: {sender}", f"To: {', '.join(r.address for r in to)}"]
    if cc:
        lines.append(f"Cc: {', '.join(r.address for r in cc)}")
    lines += [f"Subject: {subject}", f"Date: {format_datetime(ctx.now)}"]
    lines += [f"Attachment: {path.name} ({len(data)} B)" for path, data in files]
    return "\n".join(lines) + "\n\n" + body


def _pairings(
    ctx: Context, about: tuple[str, int] | None, recipients: list[_Recipient]
) -> list[tuple[str, int, str]]:
    found: list[tuple[str, int, str]] = []
    if about:
        found.append((about[0], about[1], f"sent from crmctl about {about[0]} #{about[1]}"))
    links = tables.person_companies.c
    for recipient in recipients:
        if recipient.contact_id is None:
            continue
        why = f"sent to the contact's e-mail {recipient.address}"
        found.append(("contact", recipient.contact_id, why))
        companies = ctx.session.scalars(
            select(links.company_id).where(links.person_id == recipient.contact_id)
        )
        found += [("company", c, f"{why} (a contact of the company)") for c in companies]
    unique: dict[tuple[str, int], str] = {}
    for target, target_id, why in found:
        unique.setdefault((target, target_id), why)
    return [(t, i, why) for (t, i), why in unique.items()]


def _store(
    ctx: Context,
    message_id: str,
    sender: str,
    to: list[_Recipient],
    cc: list[_Recipient],
    subject: str,
    body: str,
    pairings: list[tuple[str, int, str]],
    actor_id: int,
) -> int:
    name, address = parseaddr(sender)
    m = tables.messages
    row = ctx.session.execute(
        insert(m)
        .values(
            message_id=message_id,
            direction="out",
            from_address=address.lower() or None,
            from_name=name or None,
            to_addresses=[[r.name, r.address] for r in to],
            cc_addresses=[[r.name, r.address] for r in cc],
            sent_at=ctx.now,
            subject=subject,
            body=body,
            in_reply_to=None,
            reference_ids=[],
            thread_key=message_id,
            mailbox=None,
            source="crmctl mail send",
            content_hash=hashlib.sha256(f"{message_id}\0{subject}\0{body}".encode()).hexdigest(),
            skipped_attachments=[],
            unpaired_reason=None if pairings else "sent about no record",
            misses={},
            owner_id=actor_id,
            created_at=ctx.now,
            created_by_id=actor_id,
        )
        .returning(m.c.id)
    ).scalar_one()
    if pairings:
        ctx.session.execute(
            insert(tables.message_pairings),
            [
                {"message_id": row, "entity_type": t, "entity_id": i, "rule": RULE_SENT,
                 "reason": why, "created_at": ctx.now}
                for t, i, why in pairings
            ],
        )  # fmt: skip
    return int(row)


def _documents(
    ctx: Context,
    message_row: int,
    files: list[tuple[Path, bytes]],
    pairings: list[tuple[str, int, str]],
) -> list[dict[str, Any]]:
    links = {
        "deal_id": next((i for t, i, _ in pairings if t == "deal"), None),
        "person_id": next((i for t, i, _ in pairings if t == "contact"), None),
        "company_id": next((i for t, i, _ in pairings if t == "company"), None),
    }
    stored = []
    limit = ctx.settings.documents_max_bytes
    for path, data in files:
        if len(data) > limit:
            raise ValidationError(
                f"{path.name} is over documents_max_mb ({limit} bytes); attach a smaller file"
            )
        digest = store_content(ctx.settings.documents_dir, data)
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        document = ctx.session.execute(
            insert(tables.documents)
            .values(sha256=digest, size=len(data), file_name=path.name, media_type=media_type,
                    created_at=ctx.now, created_by_id=ctx.actor_id, **links)
            .returning(tables.documents.c.id)
        ).scalar_one()  # fmt: skip
        ctx.session.execute(
            insert(tables.message_attachments).values(message_id=message_row, document_id=document)
        )
        stored.append(
            {"file_name": path.name, "media_type": media_type,
             "path": str(blob_path(ctx.settings.documents_dir, digest))}
        )  # fmt: skip
    return stored


def _queue(
    ctx: Context,
    message_row: int,
    message_id: str,
    to: list[_Recipient],
    cc: list[_Recipient],
    subject: str,
    body: str,
    documents: list[dict[str, Any]],
) -> None:
    enqueue(
        ctx.session,
        ctx.now,
        "email",
        ", ".join(r.address for r in to),
        subject=subject[:300],
        body=body,
        entity_type="message",
        entity_id=message_row,
        payload={
            "message_id": f"<{message_id}>",
            "cc": [r.address for r in cc],
            "attachments": documents,
        },
    )
