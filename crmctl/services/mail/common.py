"""What every part of the mail service shares: the message entity's name and its tables."""

from __future__ import annotations

from crmctl.db import tables

ENTITY = "message"
TARGETS = ("deal", "lead", "contact", "company")
RULE_BY_HAND = 0
RULE_INQUIRY = 3  # the lead made from an inquiry: paired by its sender's address
_m = tables.messages
_p = tables.message_pairings
