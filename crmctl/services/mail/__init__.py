"""Messages as records (see ``store``): the names other modules import from here."""

from crmctl.services.mail.store import (
    MailFilter,
    _target_id,
    erase_messages,
    export_messages,
    import_mail,
    list_messages,
    pair,
    show_message,
    thread,
    unpair,
    why,
)

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
