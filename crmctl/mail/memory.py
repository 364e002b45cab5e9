"""A ``PairingLookup`` held in dictionaries: for tests, the benchmark and dry runs.

The database-backed lookup answers the same four questions with one query each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from crmctl.mail.pairing import ContactMatch, KnownMessage


@dataclass
class MemoryLookup:
    messages: dict[str, KnownMessage] = field(default_factory=dict)
    deals: set[int] = field(default_factory=set)
    contacts: dict[str, list[ContactMatch]] = field(default_factory=dict)  # by address
    companies: dict[str, list[int]] = field(default_factory=dict)  # by domain

    def add_message(self, message: KnownMessage) -> None:
        self.messages[message.message_id] = message

    def add_contact(self, contact_id: int, email: str, *company_ids: int) -> None:
        match = ContactMatch(contact_id, tuple(company_ids))
        self.contacts.setdefault(email.lower(), []).append(match)

    def add_company(self, company_id: int, domain: str) -> None:
        self.companies.setdefault(domain.lower(), []).append(company_id)

    def known_messages(self, message_ids: Sequence[str]) -> Mapping[str, KnownMessage]:
        return {i: self.messages[i] for i in message_ids if i in self.messages}

    def existing_deals(self, deal_ids: Sequence[int]) -> set[int]:
        return self.deals.intersection(deal_ids)

    def contacts_by_email(self, addresses: Sequence[str]) -> Mapping[str, Sequence[ContactMatch]]:
        return {a: self.contacts[a] for a in addresses if a in self.contacts}

    def companies_by_domain(self, domains: Sequence[str]) -> Mapping[str, Sequence[int]]:
        return {d: self.companies[d] for d in domains if d in self.companies}
