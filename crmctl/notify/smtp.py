"""Send one e-mail over SMTP: ``smtp_url`` in crmctl.yaml or ``CRM_SMTP_URL``.

``smtp://[user:password@]host[:port]?from=crm@firma.cz[&starttls=1]`` (``smtps://`` for
implicit TLS).
"""

from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

DEFAULT_SENDER = "crmctl@localhost"
TIMEOUT_SECONDS = 10


class DeliveryError(Exception):
    """A delivery attempt failed; the outbox retries it later."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    ssl: bool = False


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
    )


def send_email(config: SmtpConfig | None, to: str, subject: str, body: str) -> None:
    if config is None:
        raise DeliveryError(
            "no SMTP server configured; set smtp_url in crmctl.yaml or CRM_SMTP_URL"
        )
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = config.sender, to, subject
    message.set_content(body)
    client = smtplib.SMTP_SSL if config.ssl else smtplib.SMTP
    try:
        with client(config.host, config.port, timeout=TIMEOUT_SECONDS) as smtp:
            if config.starttls:
                smtp.starttls()
            if config.username:
                smtp.login(config.username, config.password or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryError(f"SMTP {config.host}:{config.port}: {error}") from None
