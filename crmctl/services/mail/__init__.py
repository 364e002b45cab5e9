"""Messages as records, by concern: ``store`` imports mail (``lookup`` answers the pairing
rules from the database, ``inquiries`` makes leads), ``read`` reads it with rights and fixes
pairings by hand, ``privacy`` exports and erases a person's mail. Here: the names other
modules import, each loaded with its module on first use, so that ``mail import`` (an IMAP
re-sync every few minutes from cron) does not import the reading and GDPR code."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crmctl.services.mail.privacy import erase_messages, export_messages
    from crmctl.services.mail.read import (
        MailFilter,
        list_messages,
        pair,
        resolve_target_id,
        show_message,
        thread,
        unpair,
        why,
    )
    from crmctl.services.mail.store import import_mail

_MODULES = {
    "erase_messages": "privacy",
    "export_messages": "privacy",
    "MailFilter": "read",
    "resolve_target_id": "read",
    "list_messages": "read",
    "pair": "read",
    "show_message": "read",
    "thread": "read",
    "unpair": "read",
    "why": "read",
    "import_mail": "store",
}

__all__ = [
    "MailFilter",
    "erase_messages",
    "export_messages",
    "import_mail",
    "list_messages",
    "pair",
    "resolve_target_id",
    "show_message",
    "thread",
    "unpair",
    "why",
]


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)
