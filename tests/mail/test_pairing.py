"""Pairing rules 1–5, their precedence and reasons; inquiries to lead addresses."""

from __future__ import annotations

import pytest

from crmctl.mail.inquiry import InquiryContact, inquiry_contact, own_text
from crmctl.mail.memory import MemoryLookup
from crmctl.mail.pairing import (
    RULE_CONTACT,
    RULE_DEAL_TOKEN,
    RULE_DOMAIN,
    RULE_THREAD,
    KnownMessage,
    PairingResult,
    deal_token_pattern,
    direction,
    format_deal_token,
    pair_message,
)
from crmctl.mail.parse import ParsedMessage, parse_message
from crmctl.mail.settings import MailSettings, parse_mail_section
from tests.mail.raw import simple

SETTINGS = parse_mail_section(
    {
        "own_addresses": ["firma.cz", "obchod@firma-eshop.cz"],
        "lead_addresses": ["info@firma.cz", "poptavky@firma.cz"],
        "free_mail_domains": ["mojeposta.cz"],
    }
)


def message(
    *,
    sender: str = "Jan Novák <jan@novak.cz>",
    to: str = "obchod@firma.cz",
    subject: str = "Dotaz",
    body: str = "Dobrý den.",
    extra: tuple[str, ...] = (),
    message_id: str = "new@novak.cz",
) -> ParsedMessage:
    raw = simple(message_id, sender=sender, to=to, subject=subject, body=body, extra=extra)
    return parse_message(raw)


def pair(parsed: ParsedMessage, lookup: MemoryLookup, settings: MailSettings = SETTINGS):
    return pair_message(parsed, settings, lookup)


def rules(result: PairingResult) -> dict[tuple[str, int], int]:
    return {(p.target, p.target_id): p.rule for p in result.pairings}


@pytest.fixture
def lookup() -> MemoryLookup:
    book = MemoryLookup()
    book.deals.update({7, 9})
    book.add_message(KnownMessage("root@firma.cz", "root@firma.cz", deal_id=7, contact_ids=(1,)))
    book.add_message(KnownMessage("mid@novak.cz", "root@firma.cz", deal_id=7, contact_ids=(1,)))
    book.add_message(KnownMessage("lead-q@seznam.cz", "lead-q@seznam.cz", lead_id=30))
    book.add_message(KnownMessage("bare@x.cz", "bare@x.cz"))
    book.add_contact(1, "jan@novak.cz", 100)
    book.add_contact(2, "petra@novak.cz", 100, 101)
    book.add_contact(3, "eva@seznam.cz")
    book.add_company(100, "novak.cz")
    book.add_company(102, "dodavatel.cz")
    return book


# --- rule 1: the thread --------------------------------------------------------------------


def test_rule_1_reply_to_a_known_message(lookup: MemoryLookup) -> None:
    parsed = message(
        sender="Neznámý <x@neznamy.cz>",
        extra=("In-Reply-To: <mid@novak.cz>", "References: <root@firma.cz> <mid@novak.cz>"),
    )
    result = pair(parsed, lookup)
    assert result.thread_key == "root@firma.cz"  # the known message's thread
    assert rules(result) == {("deal", 7): RULE_THREAD, ("contact", 1): RULE_THREAD}
    assert result.deal_id == 7
    reason = result.pairings[0].reason
    assert reason == (
        "replies to known message <mid@novak.cz> (In-Reply-To), which is paired to the deal"
    )


def test_rule_1_uses_references_newest_first_when_in_reply_to_is_unknown(
    lookup: MemoryLookup,
) -> None:
    parsed = message(
        sender="x@neznamy.cz",
        extra=("In-Reply-To: <unknown@x>", "References: <lead-q@seznam.cz> <mid@novak.cz>"),
    )
    result = pair(parsed, lookup)
    assert "<mid@novak.cz> (References)" in result.pairings[0].reason
    assert result.deal_id == 7
    # The lead of an older message in References does not count: the newest known wins.
    assert result.lead_id is None


def test_rule_1_lead_of_the_thread(lookup: MemoryLookup) -> None:
    result = pair(message(extra=("In-Reply-To: <lead-q@seznam.cz>",)), lookup)
    assert result.lead_id == 30 and rules(result)[("lead", 30)] == RULE_THREAD


def test_rule_1_misses(lookup: MemoryLookup) -> None:
    assert "no In-Reply-To or References" in pair(message(), lookup).misses[RULE_THREAD]
    unknown = pair(message(extra=("In-Reply-To: <nobody@x>",)), lookup)
    assert unknown.misses[RULE_THREAD] == "rule 1: it answers no known message"
    assert unknown.thread_key == "nobody@x"
    bare = pair(message(extra=("In-Reply-To: <bare@x.cz>",)), lookup)
    assert "paired to no deal, lead or contact" in bare.misses[RULE_THREAD]


# --- rule 2: the deal token ----------------------------------------------------------------


def test_rule_2_deal_token_in_the_subject(lookup: MemoryLookup) -> None:
    result = pair(message(sender="x@neznamy.cz", subject="Re: Nabídka [OP-9] – termín"), lookup)
    assert rules(result) == {("deal", 9): RULE_DEAL_TOKEN}
    assert result.pairings[0].reason == "the subject has the deal token [OP-9]"


def test_rule_2_skips_a_token_naming_no_deal(lookup: MemoryLookup) -> None:
    result = pair(message(sender="x@neznamy.cz", subject="[OP-404] a [op-9]"), lookup)
    assert result.deal_id == 9
    missing = pair(message(sender="x@neznamy.cz", subject="[OP-404]"), lookup)
    assert missing.deal_id is None
    assert missing.misses[RULE_DEAL_TOKEN] == "rule 2: the subject's token [OP-404] names no deal"


def test_rule_2_configured_token_format(lookup: MemoryLookup) -> None:
    settings = parse_mail_section({"deal_token": "#OBCH{id}"})
    assert format_deal_token(9, settings.deal_token) == "#OBCH9"
    result = pair(message(sender="x@neznamy.cz", subject="Re: #OBCH9 [OP-7]"), lookup, settings)
    assert result.deal_id == 9
    assert deal_token_pattern("(OP {id})").findall("re: (op 12)") == ["12"]


# --- rule 3: contacts by address -----------------------------------------------------------


def test_rule_3_contacts_from_from_to_and_cc_with_their_companies(lookup: MemoryLookup) -> None:
    parsed = message(
        sender="Jan <jan@novak.cz>",
        to="obchod@firma.cz, eva@seznam.cz",
        extra=("Cc: Petra <PETRA@novak.cz>",),
    )
    result = pair(parsed, lookup)
    assert rules(result) == {
        ("contact", 1): RULE_CONTACT,
        ("company", 100): RULE_CONTACT,
        ("contact", 3): RULE_CONTACT,
        ("contact", 2): RULE_CONTACT,
        ("company", 101): RULE_CONTACT,
    }
    reasons = {(p.target, p.target_id): p.reason for p in result.pairings}
    assert reasons[("contact", 2)] == "the Cc address petra@novak.cz is the contact's e-mail"
    assert reasons[("company", 100)] == (
        "the From address jan@novak.cz is the e-mail of its contact 1"
    )


def test_rule_3_ignores_own_and_lead_addresses(lookup: MemoryLookup) -> None:
    lookup.add_contact(50, "info@firma.cz")  # a colleague's box typed in as a contact
    result = pair(message(sender="x@neznamy.cz", to="info@firma.cz"), lookup)
    assert ("contact", 50) not in rules(result)


# --- rule 4: companies by domain -----------------------------------------------------------


def test_rule_4_sender_domain(lookup: MemoryLookup) -> None:
    result = pair(message(sender="Nový kolega <novy@dodavatel.cz>"), lookup)
    assert rules(result) == {("company", 102): RULE_DOMAIN}
    assert result.pairings[0].reason == (
        "the sender's domain dodavatel.cz is the company's web or e-mail domain"
    )


@pytest.mark.parametrize("sender", ["nekdo@seznam.cz", "nekdo@gmail.com", "x@mojeposta.cz"])
def test_rule_4_never_pairs_free_mail(lookup: MemoryLookup, sender: str) -> None:
    lookup.add_company(200, sender.split("@")[1])  # even if some company wrote it as its web
    result = pair(message(sender=sender), lookup)
    assert not result.paired
    assert "is a free-mail provider" in result.misses[RULE_DOMAIN]


def test_rule_4_for_outgoing_mail_looks_at_the_recipients(lookup: MemoryLookup) -> None:
    parsed = message(sender="Obchod <obchod@firma.cz>", to="novy@dodavatel.cz")
    result = pair(parsed, lookup)
    assert result.direction == "out"
    assert rules(result) == {("company", 102): RULE_DOMAIN}
    assert "the recipient's domain dodavatel.cz" in result.pairings[0].reason


def test_rule_4_skips_the_firms_own_domain(lookup: MemoryLookup) -> None:
    lookup.add_company(1, "firma.cz")  # the firm itself is in the address book
    result = pair(message(sender="kolega@firma.cz", to="sef@firma.cz"), lookup)
    assert not result.paired


# --- rule 5 and the precedence -------------------------------------------------------------


def test_rule_5_unpaired_says_why_for_every_rule(lookup: MemoryLookup) -> None:
    result = pair(message(sender="nekdo@gmail.com", subject="[OP-404] newsletter"), lookup)
    assert not result.paired and result.pairings == ()
    assert result.unpaired_reason == (
        "rule 5: unpaired — rule 1: no In-Reply-To or References; "
        "rule 2: the subject's token [OP-404] names no deal; "
        "rule 3: no contact has the e-mail nekdo@gmail.com; "
        "rule 4: the sender's domain gmail.com is a free-mail provider"
    )


def test_thread_deal_wins_over_the_subject_token(lookup: MemoryLookup) -> None:
    parsed = message(subject="Re: [OP-9]", extra=("In-Reply-To: <root@firma.cz>",))
    result = pair(parsed, lookup)
    assert result.deal_id == 7 and rules(result)[("deal", 7)] == RULE_THREAD
    assert ("deal", 9) not in rules(result)
    assert "lost to rule 1" in result.misses[RULE_DEAL_TOKEN]


def test_token_deal_joins_a_thread_that_only_has_a_lead(lookup: MemoryLookup) -> None:
    parsed = message(subject="Re: [OP-9]", extra=("In-Reply-To: <lead-q@seznam.cz>",))
    result = pair(parsed, lookup)
    assert (result.lead_id, result.deal_id) == (30, 9)
    assert rules(result)[("lead", 30)] == RULE_THREAD
    assert rules(result)[("deal", 9)] == RULE_DEAL_TOKEN


def test_contacts_and_companies_are_the_union_of_rules_1_3_and_4(lookup: MemoryLookup) -> None:
    parsed = message(
        sender="Petra <petra@novak.cz>",
        to="obchod@firma.cz",
        extra=("In-Reply-To: <root@firma.cz>", "Cc: novy@dodavatel.cz"),
    )
    result = pair(parsed, lookup)
    assert rules(result) == {
        ("deal", 7): RULE_THREAD,
        ("contact", 1): RULE_THREAD,  # from the thread, though not on this mail
        ("contact", 2): RULE_CONTACT,
        ("company", 100): RULE_CONTACT,  # rule 4 would find it too: paired once
        ("company", 101): RULE_CONTACT,
    }
    assert result.ids("company") == (100, 101)


def test_a_record_found_twice_keeps_the_first_rule(lookup: MemoryLookup) -> None:
    result = pair(message(sender="jan@novak.cz", extra=("In-Reply-To: <root@firma.cz>",)), lookup)
    assert rules(result)[("contact", 1)] == RULE_THREAD
    assert [p.target for p in result.pairings].count("contact") == 1


def test_direction_from_own_addresses_and_domains() -> None:
    assert direction(message(sender="obchod@firma.cz"), SETTINGS) == "out"
    assert direction(message(sender="Obchod@Firma-Eshop.cz"), SETTINGS) == "out"
    assert direction(message(sender="jiny@firma-eshop.cz"), SETTINGS) == "in"
    assert direction(message(sender="jan@novak.cz"), SETTINGS) == "in"
    assert direction(message(sender="obchod@firma.cz"), MailSettings()) == "in"


# --- inquiries -----------------------------------------------------------------------------


def test_mail_to_a_lead_address_from_a_stranger_is_an_inquiry(lookup: MemoryLookup) -> None:
    result = pair(message(sender="Karel Malý <karel@gmail.com>", to="info@firma.cz"), lookup)
    assert result.new_lead
    assert result.new_lead_reason == (
        "sent to the inquiry address info@firma.cz by karel@gmail.com, not a contact"
    )
    cc = pair(
        message(sender="karel@gmail.com", to="x@y.cz", extra=("Cc: poptavky@firma.cz",)), lookup
    )
    assert cc.new_lead


@pytest.mark.parametrize(
    "sender, to, extra",
    [
        ("jan@novak.cz", "info@firma.cz", ()),  # a known contact
        ("karel@gmail.com", "obchod@firma.cz", ()),  # not to a lead address
        ("obchod@firma.cz", "info@firma.cz", ()),  # our own mail
        ("karel@gmail.com", "info@firma.cz", ("In-Reply-To: <lead-q@seznam.cz>",)),  # follow-up
        ("karel@gmail.com", "info@firma.cz", ("In-Reply-To: <root@firma.cz>",)),  # deal thread
    ],
)
def test_not_an_inquiry(lookup: MemoryLookup, sender: str, to: str, extra: tuple[str, ...]) -> None:
    assert not pair(message(sender=sender, to=to, extra=extra), lookup).new_lead


def test_no_inquiries_without_lead_addresses(lookup: MemoryLookup) -> None:
    settings = parse_mail_section({"own_addresses": ["firma.cz"]})
    assert not pair(message(sender="k@gmail.com", to="info@firma.cz"), lookup, settings).new_lead


def test_inquiry_contact_from_header_and_free_text() -> None:
    body = (
        "Dobrý den,\nměli bychom zájem o dodávku 20 ks za cca 250 000 Kč.\n"
        "Zavolejte mi prosím na 603 123 456.\n\nS pozdravem\nKarel Malý\n\n"
        "Dne 1. 3. 2026 v 10:00 Obchod <obchod@firma.cz> napsal(a):\n> Tel.: 777 888 999\n"
    )
    assert inquiry_contact(message(sender="karel@gmail.com", body=body)) == InquiryContact(
        email="karel@gmail.com", name="Karel Malý", phone="603 123 456"
    )
    named = inquiry_contact(message(sender='"Ing. Karel Malý" <karel@gmail.com>', body="Tel: x"))
    assert named.name == "Ing. Karel Malý" and named.phone is None


def test_inquiry_contact_from_a_web_form_relay() -> None:
    body = (
        "Nová poptávka z webu\n\nJméno: Petra Dvořáková\nE-mail: Petra@ACME.cz\n"
        "Firma: ACME s.r.o.\nTelefon: +420 602 111 222\nZpráva: cena 300 000 000,- Kč\n"
    )
    contact = inquiry_contact(message(sender="Web <noreply@firma.cz>", body=body))
    assert contact == InquiryContact(
        email="petra@acme.cz",
        name="Petra Dvořáková",
        phone="+420 602 111 222",
        company="ACME s.r.o.",
    )


def test_labelled_phone_wins_over_a_bare_number() -> None:
    body = "Objednávka 234 567 890 ze dne 1. 3.\nmobil: 731 000 111"
    assert inquiry_contact(message(body=body)).phone == "731 000 111"


def test_own_text_cuts_the_quoted_mail() -> None:
    body = "Díky.\n\n-----Původní zpráva-----\nOd: x\n"
    assert own_text(body) == "Díky."
    assert own_text("Ok\nOn Mon, 2 Mar 2026, Jan wrote:\n> x") == "Ok"
