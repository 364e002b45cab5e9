"""Messages as records, by concern: ``store`` imports mail (``lookup`` answers the pairing
rules from the database, ``inquiries`` makes leads), ``read`` reads it with rights and fixes
pairings by hand, ``privacy`` exports and erases a person's mail. Here: the names other
modules import."""

from crmctl.services.mail.privacy import erase_messages, export_messages
from crmctl.services.mail.read import (
    MailFilter,
    _target_id,
    list_messages,
    pair,
    show_message,
    thread,
    unpair,
    why,
)
from crmctl.services.mail.store import import_mail

__all__ = [
    "MailFilter",
    "_target_id",
    "erase_messages",
    "export_messages",
    "import_mail",
    "list_messages",
    "pair",
    "show_message",
    "thread",
    "unpair",
    "why",
]
