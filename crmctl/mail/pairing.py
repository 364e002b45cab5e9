"""Which deal, lead, contacts and companies a message belongs to — and why.

The rules, in this order (issue 18):

1. In-Reply-To / References name a known message → that message's thread, deal, lead and
   contacts (In-Reply-To first, then References from the newest).
2. A deal token in the subject (``[OP-123]``, ``mail.deal_token``) naming a deal → it.
3. A From/To/Cc address equal to a contact's e-mail → that contact and its companies.
4. The counterpart's domain equal to a company's web or e-mail domain → that company,
   except free-mail providers and the firm's own domains. The counterpart is the sender
   of incoming mail and the recipients (To, Cc) of outgoing mail: the sender of our own
   mail is always our domain.
5. Otherwise unpaired, with the reason each rule found nothing.

The deal comes from the first rule that finds a deal, the lead from the first that finds
a lead (only rule 1 finds leads); contacts and companies are the union of rules 1, 3 and
4. A record found by several rules is paired once, with the reason of the first.

``pair_message`` is pure: every database question goes through ``PairingLookup``, asked
in batches (one call per rule), so the importer can answer from SQL or from memory.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, Protocol

from crmctl.mail.parse import Address, ParsedMessage
from crmctl.mail.settings import DEFAULT_DEAL_TOKEN, MailSettings

RULE_THREAD = 1
RULE_DEAL_TOKEN = 2
RULE_CONTACT = 3
RULE_DOMAIN = 4
RULE_UNPAIRED = 5
Direction = Literal["in", "out"]
Target = Literal["deal", "lead", "contact", "company"]


@dataclass(frozen=True)
class KnownMessage:
    """A message already stored, as rule 1 needs it."""

    message_id: str
    thread_key: str
    deal_id: int | None = None
    lead_id: int | None = None
    contact_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class ContactMatch:
    contact_id: int
    company_ids: tuple[int, ...] = ()


class PairingLookup(Protocol):
    def known_messages(self, message_ids: Sequence[str]) -> Mapping[str, KnownMessage]:
        """The stored messages among ``message_ids``, by id."""
        ...

    def existing_deals(self, deal_ids: Sequence[int]) -> set[int]:
        """Which of ``deal_ids`` are deals (not deleted)."""
        ...

    def contacts_by_email(self, addresses: Sequence[str]) -> Mapping[str, Sequence[ContactMatch]]:
        """Contacts having one of ``addresses`` (lower case) as an e-mail, by address."""
        ...

    def companies_by_domain(self, domains: Sequence[str]) -> Mapping[str, Sequence[int]]:
        """Companies whose web or e-mail domain is one of ``domains``, by domain."""
        ...


@dataclass(frozen=True)
class Pairing:
    target: Target
    target_id: int
    rule: int
    reason: str


@dataclass(frozen=True)
class PairingResult:
    direction: Direction
    thread_key: str
    pairings: tuple[Pairing, ...]
    # Why a rule found nothing or lost (rule number → text), for `mail why`.
    misses: Mapping[int, str]
    new_lead: bool = False  # an inquiry: create a lead and pair the message to it
    new_lead_reason: str | None = None

    @property
    def paired(self) -> bool:
        return bool(self.pairings)

    @property
    def unpaired_reason(self) -> str | None:
        if self.pairings:
            return None
        misses = "; ".join(self.misses[rule] for rule in sorted(self.misses))
        return f"rule {RULE_UNPAIRED}: unpaired — {misses}"

    def ids(self, target: Target) -> tuple[int, ...]:
        return tuple(p.target_id for p in self.pairings if p.target == target)

    @property
    def deal_id(self) -> int | None:
        return next(iter(self.ids("deal")), None)

    @property
    def lead_id(self) -> int | None:
        return next(iter(self.ids("lead")), None)


def direction(message: ParsedMessage, settings: MailSettings) -> Direction:
    """``out`` when the sender is one of the firm's own addresses or domains."""
    if message.sender is not None and settings.is_own(message.sender.address):
        return "out"
    return "in"


@lru_cache(maxsize=16)
def deal_token_pattern(token_format: str = DEFAULT_DEAL_TOKEN) -> re.Pattern[str]:
    """``[OP-{id}]`` → a pattern matching ``[OP-123]`` (any case, digits captured)."""
    before, _, after = token_format.partition("{id}")
    return re.compile(re.escape(before) + r"(\d+)" + re.escape(after), re.IGNORECASE)


def format_deal_token(deal_id: int, token_format: str = DEFAULT_DEAL_TOKEN) -> str:
    return token_format.replace("{id}", str(deal_id))


def pair_message(
    message: ParsedMessage, settings: MailSettings, lookup: PairingLookup
) -> PairingResult:
    """Apply rules 1–4 in order; see the module docstring."""
    found = _Found()
    misses: dict[int, str] = {}
    way = direction(message, settings)
    thread_key = _rule_thread(message, lookup, found, misses)
    _rule_deal_token(message, settings, lookup, found, misses)
    sender_is_contact = _rule_contacts(message, settings, lookup, found, misses)
    _rule_domains(message, settings, way, lookup, found, misses)
    new_lead, lead_reason = _inquiry(message, settings, way, found, sender_is_contact)
    return PairingResult(
        direction=way,
        thread_key=thread_key,
        pairings=tuple(found.pairings),
        misses=misses,
        new_lead=new_lead,
        new_lead_reason=lead_reason,
    )


class _Found:
    """Pairings so far: one per record, the first rule's reason wins; one deal, one lead."""

    def __init__(self) -> None:
        self.pairings: list[Pairing] = []
        self._seen: set[tuple[str, int]] = set()

    def has(self, target: Target) -> bool:
        return any(p.target == target for p in self.pairings)

    def add(self, target: Target, target_id: int, rule: int, reason: str) -> None:
        if (target, target_id) in self._seen:
            return
        if target in ("deal", "lead") and self.has(target):
            return  # from the first rule that found one
        self._seen.add((target, target_id))
        self.pairings.append(Pairing(target, target_id, rule, reason))


def _rule_thread(
    message: ParsedMessage, lookup: PairingLookup, found: _Found, misses: dict[int, str]
) -> str:
    parents = message.parent_ids
    if not parents:
        misses[RULE_THREAD] = "rule 1: no In-Reply-To or References"
        return message.thread_key
    known = lookup.known_messages(parents)
    parent = next((known[i] for i in parents if i in known), None)
    if parent is None:
        misses[RULE_THREAD] = "rule 1: it answers no known message"
        return message.thread_key
    header = "In-Reply-To" if parent.message_id == message.in_reply_to else "References"
    why = f"replies to known message <{parent.message_id}> ({header})"
    if parent.deal_id is not None:
        found.add("deal", parent.deal_id, RULE_THREAD, f"{why}, which is paired to the deal")
    if parent.lead_id is not None:
        found.add("lead", parent.lead_id, RULE_THREAD, f"{why}, which is paired to the lead")
    for contact_id in parent.contact_ids:
        found.add("contact", contact_id, RULE_THREAD, f"{why}, which is paired to the contact")
    if parent.deal_id is None and parent.lead_id is None and not parent.contact_ids:
        misses[RULE_THREAD] = f"rule 1: {why}, which is paired to no deal, lead or contact"
    return parent.thread_key


def _rule_deal_token(
    message: ParsedMessage,
    settings: MailSettings,
    lookup: PairingLookup,
    found: _Found,
    misses: dict[int, str],
) -> None:
    pattern = deal_token_pattern(settings.deal_token)
    tokens = [(m.group(0), int(m.group(1))) for m in pattern.finditer(message.subject)]
    example = format_deal_token(123, settings.deal_token)
    if not tokens:
        misses[RULE_DEAL_TOKEN] = f"rule 2: no deal token like {example} in the subject"
        return
    existing = lookup.existing_deals([deal_id for _, deal_id in tokens])
    token = next(((text, i) for text, i in tokens if i in existing), None)
    if token is None:
        names = ", ".join(text for text, _ in tokens)
        misses[RULE_DEAL_TOKEN] = f"rule 2: the subject's token {names} names no deal"
        return
    if found.has("deal"):
        misses[RULE_DEAL_TOKEN] = (
            f"rule 2: the subject's token {token[0]} lost to rule 1 (the thread's deal)"
        )
    found.add("deal", token[1], RULE_DEAL_TOKEN, f"the subject has the deal token {token[0]}")


def _rule_contacts(
    message: ParsedMessage,
    settings: MailSettings,
    lookup: PairingLookup,
    found: _Found,
    misses: dict[int, str],
) -> bool:
    """Rule 3; returns whether the sender is a known contact (for inquiries)."""
    roles = _address_roles(message, settings)
    if not roles:
        misses[RULE_CONTACT] = "rule 3: no address outside the firm's own"
        return False
    matches = lookup.contacts_by_email(list(roles))
    for address, role in roles.items():
        for match in matches.get(address, ()):
            why = f"the {role} address {address} is the contact's e-mail"
            found.add("contact", match.contact_id, RULE_CONTACT, why)
            for company_id in match.company_ids:
                why = (
                    f"the {role} address {address} is the e-mail of its contact {match.contact_id}"
                )
                found.add("company", company_id, RULE_CONTACT, why)
    if not any(matches.get(address) for address in roles):
        misses[RULE_CONTACT] = f"rule 3: no contact has the e-mail {', '.join(roles)}"
    sender = message.sender.address if message.sender else None
    return bool(sender and matches.get(sender))


def _address_roles(message: ParsedMessage, settings: MailSettings) -> dict[str, str]:
    roles: dict[str, str] = {}
    for role, addresses in (
        ("From", (message.sender,) if message.sender else ()),
        ("To", message.to),
        ("Cc", message.cc),
    ):
        for address in addresses:
            if _counterpart(address, settings) and address.address not in roles:
                roles[address.address] = role
    return roles


def _counterpart(address: Address, settings: MailSettings) -> bool:
    return not settings.is_own(address.address) and address.address not in settings.lead_addresses


def _rule_domains(
    message: ParsedMessage,
    settings: MailSettings,
    way: Direction,
    lookup: PairingLookup,
    found: _Found,
    misses: dict[int, str],
) -> None:
    people = (message.sender,) if way == "in" and message.sender else ()
    if way == "out":
        people = (*message.to, *message.cc)
    role = "sender" if way == "in" else "recipient"
    domains: list[str] = []
    free: list[str] = []
    for person in people:
        if not _counterpart(person, settings):
            continue
        bucket = free if person.domain in settings.free_mail_domains else domains
        if person.domain not in bucket:
            bucket.append(person.domain)
    if not domains:
        misses[RULE_DOMAIN] = _domain_miss(role, free)
        return
    matches = lookup.companies_by_domain(domains)
    for domain in domains:
        for company_id in matches.get(domain, ()):
            why = f"the {role}'s domain {domain} is the company's web or e-mail domain"
            found.add("company", company_id, RULE_DOMAIN, why)
    if not any(matches.get(domain) for domain in domains):
        misses[RULE_DOMAIN] = f"rule 4: no company has the domain {', '.join(domains)}"


def _domain_miss(role: str, free: list[str]) -> str:
    if free:
        kind = "is a free-mail provider" if len(free) == 1 else "are free-mail providers"
        return f"rule 4: the {role}'s domain {', '.join(free)} {kind}"
    return f"rule 4: no {role} outside the firm's own domains"


def _inquiry(
    message: ParsedMessage,
    settings: MailSettings,
    way: Direction,
    found: _Found,
    sender_is_contact: bool,
) -> tuple[bool, str | None]:
    """Mail to a lead address from someone who is not a contact, about no deal or lead
    yet (a follow-up in a lead's thread is not a second inquiry)."""
    if way != "in" or message.sender is None or not settings.lead_addresses:
        return False, None
    to = next(
        (a.address for a in (*message.to, *message.cc) if a.address in settings.lead_addresses),
        None,
    )
    if to is None or sender_is_contact or found.has("deal") or found.has("lead"):
        return False, None
    if message.sender.address in settings.lead_addresses:
        return False, None
    return True, f"sent to the inquiry address {to} by {message.sender.address}, not a contact"
