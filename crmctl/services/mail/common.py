"""What every part of the mail service shares: the message entity and its two tables.

Importing this registers the ``message`` entity, so any part of the package used alone
(the GDPR export, ``mail list --where``) finds it in the registry.
"""

from __future__ import annotations

from crmctl import entities
from crmctl.db import tables
from crmctl.entities.catalog import MESSAGE

ENTITY = "message"
TARGETS = ("deal", "lead", "contact", "company")
RULE_BY_HAND = 0
RULE_INQUIRY = 3  # the lead made from an inquiry: paired by its sender's address
_m = tables.messages
if ENTITY not in entities.ENTITIES:  # see the note above MESSAGE in crmctl.entities.catalog
    entities.register(MESSAGE)
_p = tables.message_pairings
