"""Send one e-mail over SMTP: ``smtp_url`` in crmctl.yaml or ``CRM_SMTP_URL``.

``smtp://[user:password@]host[:port]?from=crm@firma.cz[&starttls=1][&timeout=SECONDS]``
(``smtps://`` for implicit TLS).

Every message carries a ``Date`` and a ``Message-ID`` fixed per delivery, so a receiver
can recognise the same mail. Once the message text went to the server, a timeout or a
dropped connection leaves the outcome unknown (the server may have taken it):
``DeliveryUncertain``, which the outbox does not resend by itself.
"""

from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, parseaddr
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

DEFAULT_SENDER = "crmctl@localhost"
TIMEOUT_SECONDS = 10.0


class DeliveryError(Exception):
    """A delivery attempt failed; the outbox retries it later."""


class DeliveryUncertain(DeliveryError):
    """The receiver got the message but did not confirm it: it may have been delivered."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    ssl: bool = False
    timeout: float = TIMEOUT_SECONDS


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str
    message_id: str
    date: datetime
    # `mail send`: copies and files ((name, media type, bytes)); notifications have none.
    cc: tuple[str, ...] = ()
    attachments: tuple[tuple[str, str, bytes], ...] = ()


def smtp_config(settings: Any) -> SmtpConfig | None:
    url = os.environ.get("CRM_SMTP_URL")
    if not url:
        setting = settings.values.get("smtp_url") if settings is not None else None
        url = str(setting.value) if setting else None
    if not url:
        return None
    parsed = urlparse(url)
    query = parse_qs(parsed.query)
    ssl = parsed.scheme == "smtps"
    return SmtpConfig(
        host=parsed.hostname or "localhost",
        port=parsed.port or (465 if ssl else 25),
        sender=query.get("from", [DEFAULT_SENDER])[0],
        username=unquote(parsed.username) if parsed.username else None,
        password=unquote(parsed.password) if parsed.password else None,
        starttls=query.get("starttls", ["0"])[0] in ("1", "true", "yes"),
        ssl=ssl,
        timeout=_timeout(query.get("timeout", [""])[0]),
    )


def _timeout(text: str) -> float:
    """``timeout=`` of the URL in seconds; a bad value keeps the default (never hangs)."""
    try:
        value = float(text)
    except ValueError:
        return TIMEOUT_SECONDS
    return value if 0 < value <= 600 else TIMEOUT_SECONDS


def message_domain(config: SmtpConfig | None) -> str:
    """The right-hand side of Message-IDs: the sender address's domain."""
    sender = config.sender if config is not None else DEFAULT_SENDER
    # from= may carry a display name: "CRM <crm@firma.cz>".
    domain = parseaddr(sender)[1].rpartition("@")[2]
    return domain if domain and "<" not in domain and ">" not in domain else "localhost"


def send_email(config: SmtpConfig | None, mail: Mail) -> None:
    if config is None:
        raise DeliveryError(
            "no SMTP server configured; set smtp_url in crmctl.yaml or CRM_SMTP_URL"
        )
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = config.sender, mail.to, mail.subject
    message["Date"] = format_datetime(mail.date)
    message["Message-ID"] = mail.message_id
    if mail.cc:
        message["Cc"] = ", ".join(mail.cc)
    message.set_content(mail.body)
    for name, media_type, data in mail.attachments:
        maintype, _, subtype = media_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream",
                               filename=name)  # fmt: skip
    client = smtplib.SMTP_SSL if config.ssl else smtplib.SMTP
    where = f"SMTP {config.host}:{config.port}"
    try:
        smtp = client(config.host, config.port, timeout=config.timeout)
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryError(f"{where}: {error}") from None
    try:
        _transmit(smtp, config, message, where)
    finally:
        _close(smtp)


def _transmit(smtp: smtplib.SMTP, config: SmtpConfig, message: EmailMessage, where: str) -> None:
    try:
        if config.starttls:
            smtp.starttls()
        if config.username:
            smtp.login(config.username, config.password or "")
        smtp.ehlo_or_helo_if_needed()
        code, reply = smtp.mail(config.sender)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, reply, config.sender)
        for recipient in _recipients(message):
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryError(f"{where}: {error}") from None
    try:
        code, reply = smtp.data(message.as_bytes(policy=message.policy.clone(linesep="\r\n")))
    except smtplib.SMTPDataError as error:
        raise DeliveryError(f"{where}: {error}") from None  # refused: nothing delivered
    except (OSError, smtplib.SMTPException) as error:
        # The text may have reached the server; only its answer is missing.
        raise DeliveryUncertain(
            f"{where} did not confirm the message within {config.timeout:g} s ({error}); "
            f"it may have been delivered (Message-ID {message['Message-ID']})"
        ) from None
    if code != 250:  # refused after the text: the server keeps nothing
        raise DeliveryError(f"{where}: {code} {reply.decode(errors='replace')}")


def _recipients(message: EmailMessage) -> list[str]:
    """Every To and Cc address (a notification has one To)."""
    values = [str(message[name]) for name in ("To", "Cc") if message[name]]
    return [address for _, address in getaddresses(values) if address] or [str(message["To"])]


def _close(smtp: smtplib.SMTP) -> None:
    """QUIT after the answer to DATA decides nothing: the mail is sent or it is not."""
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()
